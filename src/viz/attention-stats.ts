/**
 * Numbers that say what the attention pictures show: for each head, how much of a token's attention goes to
 * [CLS], to [SEP], to itself, to the previous and the next word, to its own sentence, and from a [MASK] to
 * its two neighbours.
 * Averaged over sentences, they turn "this head looks at [SEP]" into a measured share.
 */
import type { AttentionPanel } from './attention.ts';

/** One head's average attention shares (each in [0, 1]; NaN when there was nothing to average). */
export interface HeadAttentionSummary {
  layer: number;
  head: number;
  /** Mass on the [CLS] token, averaged over the query rows of ordinary tokens (not [CLS]/[SEP]/[PAD]). */
  cls: number;
  /** Mass on all [SEP] tokens together, same rows. */
  sep: number;
  /** Weight of a token on itself, same rows. */
  self: number;
  /** Weight on the token just before, over rows whose previous token is an ordinary one (or [MASK]). */
  previous: number;
  /** Weight on the token just after, over rows whose next token is an ordinary one (or [MASK]). */
  next: number;
  /** From each [MASK] row: the weight on the tokens just before and after it, together. */
  maskNeighbours: number;
  /**
   * Mass on the token's own sentence (its segment: [CLS] and the first [SEP] belong to the first sentence,
   * as in token_type_ids), same rows. Always 1 for a single sentence; for a pair, how much a head reads
   * across the boundary.
   */
  ownSentence: number;
}

/** One encoded sentence and its attention panels (every layer and head wanted). */
export interface AttentionSample {
  tokens: readonly string[];
  panels: readonly AttentionPanel[];
}

/** Structure tokens added by the tokenizer; [MASK] stands for a word, so it counts as ordinary. */
const STRUCTURE = new Set(['[CLS]', '[SEP]', '[PAD]']);

/**
 * Average attention shares per (layer, head) over all samples; the result follows the first sample's panel
 * order. Every sample must have the same (layer, head) panels.
 */
export function summarizeAttention(samples: readonly AttentionSample[]): HeadAttentionSummary[] {
  if (samples.length === 0) throw new Error('summarizeAttention: expected at least one sample, got none');
  const keys = samples[0]!.panels.map((p) => `${p.layer}:${p.head}`);
  const sums = keys.map(() => ({ cls: [0, 0], sep: [0, 0], self: [0, 0], previous: [0, 0], next: [0, 0], maskNeighbours: [0, 0], ownSentence: [0, 0] }));
  samples.forEach((sample, n) => {
    const { tokens } = sample;
    const s = tokens.length;
    const ordinary = tokens.map((t) => !STRUCTURE.has(t));
    let seps = 0;
    const segment = tokens.map((t) => (t === '[SEP]' ? seps++ : seps)); // a [SEP] closes its own segment
    sample.panels.forEach((p) => {
      const k = keys.indexOf(`${p.layer}:${p.head}`);
      if (k < 0) throw new Error(`summarizeAttention: sample ${n} has layer ${p.layer} head ${p.head}, which sample 0 lacks`);
      if (p.weights.length !== s * s)
        throw new Error(`summarizeAttention: sample ${n} layer ${p.layer} head ${p.head}: expected ${s * s} weights, got ${p.weights.length}`);
      const acc = sums[k]!;
      const w = (i: number, j: number) => p.weights[i * s + j]!;
      const add = (field: keyof typeof acc, v: number) => {
        acc[field][0] += v;
        acc[field][1] += 1;
      };
      for (let i = 0; i < s; i++) {
        if (!ordinary[i]) continue;
        let cls = 0;
        let sep = 0;
        let own = 0;
        for (let j = 0; j < s; j++) {
          if (tokens[j] === '[CLS]') cls += w(i, j);
          if (tokens[j] === '[SEP]') sep += w(i, j);
          if (segment[j] === segment[i]) own += w(i, j);
        }
        add('cls', cls);
        add('sep', sep);
        add('ownSentence', own);
        add('self', w(i, i));
        if (i > 0 && ordinary[i - 1]) add('previous', w(i, i - 1));
        if (i < s - 1 && ordinary[i + 1]) add('next', w(i, i + 1));
        if (tokens[i] === '[MASK]') add('maskNeighbours', (i > 0 ? w(i, i - 1) : 0) + (i < s - 1 ? w(i, i + 1) : 0));
      }
    });
  });
  const mean = ([total, count]: number[]) => (count! > 0 ? total! / count! : NaN);
  return samples[0]!.panels.map((p, k) => {
    const acc = sums[k]!;
    return {
      layer: p.layer,
      head: p.head,
      cls: mean(acc.cls),
      sep: mean(acc.sep),
      self: mean(acc.self),
      previous: mean(acc.previous),
      next: mean(acc.next),
      maskNeighbours: mean(acc.maskNeighbours),
      ownSentence: mean(acc.ownSentence),
    };
  });
}

/** The summaries as a text table, percentages with one decimal ("-" where nothing was averaged). */
export function formatAttentionSummary(rows: readonly HeadAttentionSummary[]): string {
  const pct = (v: number) => (Number.isNaN(v) ? '-' : `${(100 * v).toFixed(1)}%`);
  const header = ['layer', 'head', '[CLS]', '[SEP]', 'self', 'previous', 'next', '[MASK]±1', 'own sentence'];
  const body = rows.map((r) => [
    String(r.layer),
    String(r.head),
    pct(r.cls),
    pct(r.sep),
    pct(r.self),
    pct(r.previous),
    pct(r.next),
    pct(r.maskNeighbours),
    pct(r.ownSentence),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((b) => b[c]!.length)));
  const line = (cells: string[]) => cells.map((x, c) => (c < 2 ? x.padEnd(widths[c]!) : x.padStart(widths[c]!))).join('  ');
  return [line(header), ...body.map(line)].join('\n');
}
