/**
 * The attention heatmap (src/viz/attention.ts): well-formed SVG, one panel per (layer, head), every token
 * on both axes of every panel with its `##` and escaped, shades that follow the weights, clear errors.
 */
import { describe, expect, it } from 'vitest';
import { attentionSvg, heat, type AttentionPanel } from '../../src/viz/index.ts';
import { checkXml, texts } from './xml.ts';

const tokens = ['[CLS]', 'walk', '##ing', '<dog>', '&', '[MASK]', '[SEP]'];
const s = tokens.length;

/** A head that puts `focus` on the previous token (the first token on itself) and spreads the rest evenly. */
function previousTokenHead(layer: number, head: number, focus: number): AttentionPanel {
  const w = new Float32Array(s * s);
  for (let i = 0; i < s; i++) for (let j = 0; j < s; j++) w[i * s + j] = j === Math.max(0, i - 1) ? focus + (1 - focus) / s : (1 - focus) / s;
  return { layer, head, weights: w };
}

describe('attentionSvg', () => {
  const panels = [0, 1].flatMap((layer) => [0, 1, 2].map((head) => previousTokenHead(layer, head, 0.5 + 0.1 * head)));
  const svg = attentionSvg(tokens, panels, { title: 'a <b> & "c"', highlight: [5] });

  it('is well-formed XML with one panel, titled by layer and head, per head', () => {
    const elements = checkXml(svg);
    expect(elements.get('svg')).toBe(1);
    expect([...svg.matchAll(/<g class="panel"/g)]).toHaveLength(6);
    const titles = texts(svg).filter((t) => t.startsWith('layer '));
    expect(titles).toEqual(['layer 0, head 0', 'layer 0, head 1', 'layer 0, head 2', 'layer 1, head 0', 'layer 1, head 1', 'layer 1, head 2']);
    // s x s cells per panel (tooltips are on for this small input, one <title> per cell)
    expect([...svg.matchAll(/<g><title>/g)]).toHaveLength(6 * s * s);
  });

  it('writes every token on both axes of every panel, WordPiece pieces as they are, escaped', () => {
    const labels = texts(svg);
    for (const t of tokens) expect(labels.filter((l) => l === t)).toHaveLength(2 * 6);
    expect(svg).toContain('>##ing</text>');
    expect(svg).toContain('&lt;dog&gt;');
    expect(svg).toContain('>&amp;</text>');
    expect(svg).not.toContain('<dog>');
    expect(svg).toContain('<title>a &lt;b&gt; &amp; &quot;c&quot;</title>');
  });

  it('shades cells by weight on the legend scale, darkest at the largest weight', () => {
    // Largest weight: head 2, 0.7 + 0.3 / 7 = 0.743, so the scale runs to 0.8 and the legend says so.
    expect(svg).toContain('attention weight (darkest: 0.8 or more)');
    const largest = 0.7 + 0.3 / s;
    expect(svg).toContain(`fill="${heat(largest / 0.8)}"`);
    expect(svg).toContain(`fill="${heat(0.5 / s / 0.8)}"`); // head 0's background weight, (1 - 0.5) / 7
    expect(texts(svg)).toEqual(expect.arrayContaining(['0', '0.2', '0.4', '0.6', '0.8']));
    // The [MASK] row (index 5) is outlined in every panel.
    expect([...svg.matchAll(/<rect [^>]*fill="none" stroke="#1f5fd6"/g)]).toHaveLength(6);
  });

  it('draws a one-head picture with big cells and the weights written in them', () => {
    const one = attentionSvg(tokens, [previousTokenHead(3, 1, 0.9)]);
    checkXml(one);
    expect([...one.matchAll(/<g class="panel"/g)]).toHaveLength(1);
    expect(one).toContain('>.91</text>'); // 0.9 + 0.1 / 7 = 0.914
    expect(one).toMatch(/width="32" height="32"/);
  });

  it('stays a reasonable size for 64 tokens and 12 heads (faint cells left to the background)', () => {
    const many = Array.from({ length: 64 }, (_, i) => (i === 0 ? '[CLS]' : i === 63 ? '[SEP]' : `w${i}`));
    const n = many.length;
    const heads = Array.from({ length: 12 }, (_, h) => {
      const w = new Float32Array(n * n);
      for (let i = 0; i < n; i++) w[i * n + ((i + h) % n)] = 1;
      return { layer: 0, head: h, weights: w };
    });
    const big = attentionSvg(many, heads);
    const elements = checkXml(big);
    expect([...big.matchAll(/<g class="panel"/g)]).toHaveLength(12);
    expect(big).not.toContain('<g><title>'); // 49152 cells: no per-cell tooltips
    expect(elements.get('rect')).toBeLessThan(12 * n + 200); // only the 64 nonzero cells of each head
    expect(big).toMatch(/font-size="(7|8|9|10|11|12)"/);
  });

  it('cuts a heading longer than the panels, keeping the whole of it in <title>', () => {
    const long = 'the owl is most awake at night . '.repeat(10).trim();
    const svg = attentionSvg(tokens, [previousTokenHead(0, 0, 0.5)], { title: long });
    const width = Number(svg.match(/^<svg [^>]*width="([\d.]+)"/)![1]);
    const heading = texts(svg).find((t) => t.startsWith('the owl'))!;
    expect(heading.endsWith('…')).toBe(true);
    expect(heading.length * 16 * 0.6).toBeLessThanOrEqual(width - 24);
    expect(svg).toContain(`<title>${long}</title>`);
  });

  it('names the panel and the position of bad input', () => {
    expect(() => attentionSvg([], panels)).toThrow(/at least one token/);
    expect(() => attentionSvg(tokens, [])).toThrow(/at least one \(layer, head\) panel/);
    expect(() => attentionSvg(tokens, [{ layer: 2, head: 1, weights: new Float32Array(10) }])).toThrow(
      /layer 2 head 1: expected 7x7 = 49 weights for 7 tokens, got 10/,
    );
    const bad = previousTokenHead(1, 0, 0.5);
    (bad.weights as Float32Array)[2 * s + 3] = Number.NaN;
    expect(() => attentionSvg(tokens, [bad])).toThrow(/layer 1 head 0: weight \[2\]\[3\] = NaN, expected a probability in \[0, 1\]/);
    expect(() => attentionSvg(tokens, panels, { maxWeight: 0 })).toThrow(/maxWeight must be in \(0, 1\], got 0/);
  });
});

describe('checkXml (the test helper) rejects what a browser would', () => {
  it('fails on a raw <, a bare &, an unclosed or crossed tag, an unquoted attribute', () => {
    expect(() => checkXml('<svg><text>a < b</text></svg>')).toThrow(/raw < in text|attributes/);
    expect(() => checkXml('<svg><text>a & b</text></svg>')).toThrow(/& that starts no entity/);
    expect(() => checkXml('<svg><g></svg>')).toThrow(/does not close/);
    expect(() => checkXml('<svg><g>')).toThrow(/never closed/);
    expect(() => checkXml('<svg><rect x=1/></svg>')).toThrow(/name="value"/);
    expect(checkXml('<svg><text x="1">a &amp; b &#233;</text><rect/></svg>').get('rect')).toBe(1);
  });
});
