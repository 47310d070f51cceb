/**
 * The labelled scatter plot and the embeddings picture (src/viz/scatter.ts, src/viz/embeddings.ts).
 */
import { describe, expect, it } from 'vitest';
import { CATEGORY_COLOURS, embeddingsSvg, scatterSvg } from '../../src/viz/index.ts';
import { checkXml, texts } from './xml.ts';

const circles = (svg: string) =>
  [...svg.matchAll(/<circle class="point" cx="([-\d.]+)" cy="([-\d.]+)" r="4" fill="([^"]+)" stroke="([^"]+)"/g)].map((m) => ({
    x: Number(m[1]),
    y: Number(m[2]),
    fill: m[3],
    stroke: m[4],
  }));

describe('scatterSvg', () => {
  const points = [
    { x: 0, y: 0, label: 'cow', group: 'animals' },
    { x: 2, y: 0, label: 'grass & <hay>', group: 'foods' },
    { x: 0, y: 1, label: 'el ##ep', group: 'animals', hollow: true },
  ];
  const svg = scatterSvg(points, { title: 'T', xLabel: 'pc 1', yLabel: 'pc 2', hollowNote: 'averaged' });

  it('is well-formed, with one marker and one label per point and a legend entry per group', () => {
    checkXml(svg);
    const dots = circles(svg);
    expect(dots).toHaveLength(3);
    const labels = texts(svg);
    for (const p of points) expect(labels.filter((l) => l === p.label)).toHaveLength(1);
    expect(svg).toContain('grass &amp; &lt;hay&gt;');
    expect(labels).toEqual(expect.arrayContaining(['animals', 'foods', 'averaged', 'pc 1', 'pc 2']));
    // Colours by group in order of appearance; the hollow point is a ring in its group's colour.
    expect(dots[0]!.fill).toBe(CATEGORY_COLOURS[0]);
    expect(dots[1]!.fill).toBe(CATEGORY_COLOURS[1]);
    expect(dots[2]!).toMatchObject({ fill: 'white', stroke: CATEGORY_COLOURS[0] });
  });

  it('keeps one scale on both axes, and y up', () => {
    const [a, b, c] = circles(svg);
    const xUnit = b!.x - a!.x; // 2 data units
    const yUnit = a!.y - c!.y; // 1 data unit, upwards on the page
    expect(yUnit).toBeGreaterThan(0);
    expect(xUnit / 2).toBeCloseTo(yUnit, 1);
  });

  it('places labels so that none overlaps another in a crowded cluster', () => {
    const crowd = Array.from({ length: 12 }, (_, i) => ({ x: (i % 4) * 0.01, y: Math.floor(i / 4) * 0.01, label: `word${i}` }));
    crowd.push({ x: 1, y: 1, label: 'far' });
    const dense = scatterSvg(crowd);
    const boxes = [...dense.matchAll(/<text x="([-\d.]+)" y="([-\d.]+)" text-anchor="middle" fill="#222">([^<]*)<\/text>/g)].map((m) => {
      const w = m[3]!.length * 12 * 0.6;
      return { x0: Number(m[1]) - w / 2, x1: Number(m[1]) + w / 2, y0: Number(m[2]) - 10, y1: Number(m[2]) + 2 };
    });
    expect(boxes).toHaveLength(13);
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const [p, q] = [boxes[i]!, boxes[j]!];
        const apart = p.x1 <= q.x0 + 0.01 || q.x1 <= p.x0 + 0.01 || p.y1 <= q.y0 + 0.01 || q.y1 <= p.y0 + 0.01;
        expect(apart, `labels ${i} and ${j} overlap`).toBe(true);
      }
    }
  });

  it('rejects no points and non-finite coordinates', () => {
    expect(() => scatterSvg([])).toThrow(/at least one point/);
    expect(() => scatterSvg([{ x: 1, y: Number.NaN, label: 'cow' }])).toThrow(/point 0 \("cow"\) has x = 1, y = NaN/);
  });
});

describe('embeddingsSvg', () => {
  it("projects vectors with PCA and reports each axis's share of the variance", () => {
    // Two clusters far apart along one axis, a little spread along another: PC 1 separates them.
    const words = [
      { label: 'a1', vector: [10, 0, 1], group: 'a' },
      { label: 'a2', vector: [10, 0.5, 0.9], group: 'a' },
      { label: 'b1', vector: [-10, 0, 1.1], group: 'b' },
      { label: 'b2', vector: [-10, -0.5, 1], group: 'b', averaged: true },
    ];
    const { svg, pca } = embeddingsSvg(words);
    checkXml(svg);
    expect(pca.varianceRatios[0]).toBeGreaterThan(0.99);
    expect(svg).toMatch(/principal component 1 \(99\.\d% of the variance\)/);
    expect(svg).toContain('mean of its WordPiece pieces');
    const dots = circles(svg);
    expect(Math.sign(dots[0]!.x - dots[2]!.x)).toBe(Math.sign(pca.scores[0]![0]! - pca.scores[2]![0]!));
    expect(() => embeddingsSvg(words.slice(0, 2))).toThrow(/at least 3 words/);
  });
});
