/**
 * The attention shares per head (src/viz/attention-stats.ts) on heads whose answers are known by construction.
 */
import { describe, expect, it } from 'vitest';
import { formatAttentionSummary, summarizeAttention, type AttentionPanel } from '../../src/viz/index.ts';

const tokens = ['[CLS]', 'the', 'cow', '[MASK]', 'grass', '[SEP]'];
const s = tokens.length;

/** A head where row i puts all its weight on column pick(i). */
function pointing(layer: number, head: number, pick: (i: number) => number): AttentionPanel {
  const w = new Float32Array(s * s);
  for (let i = 0; i < s; i++) w[i * s + pick(i)] = 1;
  return { layer, head, weights: w };
}

describe('summarizeAttention', () => {
  const previous = pointing(0, 0, (i) => Math.max(0, i - 1));
  const toSep = pointing(0, 1, () => s - 1);
  const uniform: AttentionPanel = { layer: 1, head: 0, weights: new Float32Array(s * s).fill(1 / s) };
  const [p, sep, u] = summarizeAttention([{ tokens, panels: [previous, toSep, uniform] }]);

  it('measures a previous-token head', () => {
    // Ordinary rows: the, cow, [MASK], grass. "the" points at [CLS] (structure: counted as [CLS], not as
    // previous), the other three at their previous ordinary token.
    expect(p).toMatchObject({ layer: 0, head: 0, cls: 0.25, sep: 0, self: 0, previous: 1, next: 0, ownSentence: 1 });
    expect(p!.maskNeighbours).toBe(1); // [MASK] -> cow
  });

  it('measures a [SEP] head and a uniform one', () => {
    expect(sep).toMatchObject({ cls: 0, sep: 1, self: 0, previous: 0, next: 0, maskNeighbours: 0 });
    expect(u!.cls).toBeCloseTo(1 / s, 6);
    expect(u!.previous).toBeCloseTo(1 / s, 6);
    expect(u!.maskNeighbours).toBeCloseTo(2 / s, 6);
  });

  it('averages over samples row by row and prints percentages', () => {
    const noMask = ['[CLS]', 'a', 'b', '[SEP]'];
    const n = noMask.length;
    const w = new Float32Array(n * n);
    for (let i = 0; i < n; i++) w[i * n + n - 1] = 1; // everything on [SEP]
    const [both] = summarizeAttention([
      { tokens, panels: [toSep] },
      { tokens: noMask, panels: [{ layer: 0, head: 1, weights: w }] },
    ]);
    expect(both!.sep).toBe(1);
    expect(both!.maskNeighbours).toBe(0); // from the one [MASK] row of the first sample
    const text = formatAttentionSummary([p!, sep!]);
    expect(text.split('\n')[0]).toMatch(/^layer\s+head\s+\[CLS\]\s+\[SEP\]\s+self\s+previous\s+next\s+\[MASK\]±1\s+own sentence$/);
    expect(text.split('\n')[1]).toMatch(/^0\s+0\s+25\.0%\s+0\.0%\s+0\.0%\s+100\.0%\s+0\.0%\s+100\.0%\s+100\.0%$/);
    expect(formatAttentionSummary([{ ...p!, ownSentence: Number.NaN }])).toMatch(/ -$/);
  });

  it('measures how much a head reads its own sentence of a pair', () => {
    // [CLS] a b [SEP] c d [SEP]: segments 0 0 0 0 1 1 1. Every row puts half on "a" and half on "c".
    const pair = ['[CLS]', 'a', 'b', '[SEP]', 'c', 'd', '[SEP]'];
    const n = pair.length;
    const w = new Float32Array(n * n);
    for (let i = 0; i < n; i++) [w[i * n + 1], w[i * n + 4]] = [0.5, 0.5];
    const [r] = summarizeAttention([{ tokens: pair, panels: [{ layer: 0, head: 0, weights: w }] }]);
    expect(r!.ownSentence).toBe(0.5);
    const within = new Float32Array(n * n);
    for (let i = 0; i < n; i++) within[i * n + (i < 4 ? 3 : 6)] = 1; // each token on its own [SEP]
    const [own] = summarizeAttention([{ tokens: pair, panels: [{ layer: 0, head: 0, weights: within }] }]);
    expect(own).toMatchObject({ ownSentence: 1, sep: 1 });
  });

  it('refuses samples whose heads differ', () => {
    expect(() => summarizeAttention([])).toThrow(/at least one sample/);
    expect(() =>
      summarizeAttention([
        { tokens, panels: [previous] },
        { tokens, panels: [uniform] },
      ]),
    ).toThrow(/sample 1 has layer 1 head 0, which sample 0 lacks/);
  });
});
