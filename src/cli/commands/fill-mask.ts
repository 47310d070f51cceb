import { parseArgs, RANGES, required, type FlagSpec } from '../args.ts';
import type { Command } from '../command.ts';
import { fillMask, formatFillMask, loadMaskedLM } from '../../train/fill-mask.ts';

const flags: Record<string, FlagSpec> = {
  model: { kind: 'string', path: 'dir', help: 'model directory (config.json, model.safetensors, vocab.txt)' },
  top: { kind: 'number', range: RANGES.count, help: 'candidates per [MASK]', default: 5 },
  cased: { kind: 'boolean', help: 'the model is cased (default: uncased)' },
  json: { kind: 'boolean', help: 'print JSON instead of text' },
};

export const fillMaskCommand: Command = {
  name: 'fill-mask',
  summary: 'print the top predictions for each [MASK] in a text',
  usage: 'bert fill-mask --model DIR "text with [MASK]" ["another [MASK] text" ...]',
  flags,
  async run(argv) {
    const { flags: f, positionals } = parseArgs(argv, flags, { positionals: { min: 1, max: Infinity, what: 'text containing [MASK]' } });
    const { model, tokenizer } = loadMaskedLM(required<string>(f, 'model'), !f.cased, { onWarning: (m) => console.error(`warning: ${m}`) });
    for (const text of positionals) {
      const predictions = fillMask(model, tokenizer, text, f.top as number);
      console.log(f.json ? JSON.stringify({ text, predictions }) : formatFillMask(text, predictions));
    }
    return 0;
  },
};
