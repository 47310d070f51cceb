import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs, RANGES, required, UsageError, type FlagSpec } from '../args.ts';
import type { Command } from '../command.ts';
import { writeFileAtomic } from '../../io/atomic.ts';
import { attentionPanels, sentenceAttention } from '../../train/attention-maps.ts';
import { loadMaskedLM } from '../../train/fill-mask.ts';
import { attentionSvg } from '../../viz/attention.ts';
import { formatAttentionSummary, summarizeAttention } from '../../viz/attention-stats.ts';

const flags: Record<string, FlagSpec> = {
  model: { kind: 'string', help: 'model directory (config.json, model.safetensors, vocab.txt), e.g. the --out of bert pretrain' },
  out: { kind: 'string', help: 'the SVG file to write' },
  layer: { kind: 'number', range: RANGES.countOrOff, help: 'draw only this layer (0-based; default every layer)' },
  head: { kind: 'number', range: RANGES.countOrOff, help: 'draw only this head of each layer (0-based; default every head)' },
  cased: { kind: 'boolean', help: 'the model is cased (default: uncased)' },
};

export const attentionCommand: Command = {
  name: 'attention',
  summary: "draw a model's attention weights for a sentence as heatmaps, one per layer and head (SVG)",
  usage: 'bert attention --model DIR "text" ["pair"] --out FILE.svg [--layer L] [--head H]',
  flags,
  async run(argv) {
    const { flags: f, positionals } = parseArgs(argv, flags, { positionals: { min: 1, max: 2, what: 'text' } });
    const dir = required<string>(f, 'model');
    const out = required<string>(f, 'out');
    const [text, pair] = positionals as [string, string | undefined];
    const { model, tokenizer } = loadMaskedLM(dir, !f.cased);
    const att = sentenceAttention(model, tokenizer, text, pair);
    const layer = f.layer as number | undefined;
    const head = f.head as number | undefined;
    let panels: ReturnType<typeof attentionPanels>;
    try {
      panels = attentionPanels(att, { layer, head });
    } catch (err) {
      throw new UsageError(`--${(err as Error).message}`);
    }
    const masks = att.tokens.flatMap((t, i) => (t === '[MASK]' ? [i] : []));
    const svg = attentionSvg(att.tokens, panels, {
      title: `Attention: ${pair === undefined ? text : `${text} | ${pair}`}`,
      subtitle: `${dir}: ${att.numLayers} layers x ${att.numHeads} heads, ${att.tokens.length} tokens` + (masks.length ? '; [MASK] rows outlined' : ''),
      highlight: masks,
    });
    mkdirSync(dirname(out), { recursive: true });
    await writeFileAtomic(out, svg);
    console.log(att.tokens.join(' '));
    console.log(`\nShare of each token's attention (rows of ordinary tokens, this sentence):`);
    console.log(formatAttentionSummary(summarizeAttention([{ tokens: att.tokens, panels }])));
    console.log(`\nWrote ${out} (${panels.length} heatmap${panels.length === 1 ? '' : 's'}: ${att.tokens.length} x ${att.tokens.length} tokens each).`);
    if (panels.length > 16) console.log(`That is a large picture; --layer L (0 to ${att.numLayers - 1}) draws one layer, --head H one head of each.`);
    return 0;
  },
};
