import { parseArgs, required, UsageError, type FlagSpec } from '../args.ts';
import type { Command } from '../command.ts';
import { fillMask, formatFillMask, loadMaskedLM } from '../../train/fill-mask.ts';

const flags: Record<string, FlagSpec> = {
  model: { kind: 'string', help: 'model directory (config.json, model.safetensors, vocab.txt)' },
  top: { kind: 'number', help: 'candidates per [MASK]', default: 5 },
  cased: { kind: 'boolean', help: 'the model is cased (default: uncased)' },
  json: { kind: 'boolean', help: 'print JSON instead of text' },
};

export const fillMaskCommand: Command = {
  name: 'fill-mask',
  summary: 'print the top predictions for each [MASK] in a text',
  usage: 'bert fill-mask --model DIR "text with [MASK]" ["another [MASK] text" ...]',
  flags,
  async run(argv) {
    const { flags: f, positionals } = parseArgs(argv, flags);
    if (positionals.length === 0) throw new UsageError('expected at least one text containing [MASK]');
    const { model, tokenizer } = loadMaskedLM(required<string>(f, 'model'), !f.cased);
    for (const text of positionals) {
      const predictions = fillMask(model, tokenizer, text, f.top as number);
      console.log(f.json ? JSON.stringify({ text, predictions }) : formatFillMask(text, predictions));
    }
    return 0;
  },
};
