/**
 * The confusion matrix as an SVG heatmap (src/viz/confusion.ts, written by `bert evaluate`).
 */
import { describe, expect, it } from 'vitest';
import { confusionMatrixSvg } from '../../src/viz/index.ts';

describe('confusionMatrixSvg', () => {
  const matrix = [
    [22, 6, 2],
    [6, 28, 3],
    [1, 5, 30],
  ];
  const names = ['World', 'Sports', 'Sci/Tech <&>'];
  const svg = confusionMatrixSvg(matrix, names);

  it('is one svg element with a cell and its count for every pair', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    const cells = [...svg.matchAll(/<rect class="cell" x="([\d.]+)" y="([\d.]+)"[^>]*fill="([^"]+)"/g)];
    expect(cells.length).toBe(9);
    const counts = [...svg.matchAll(/<text [^>]*fill="(?:white|black)">(\d+)<\/text>/g)].map((m) => Number(m[1]));
    expect(counts).toEqual(matrix.flat());
    // row-major: x grows along a row, y down the rows
    expect(Number(cells[1]![1]) > Number(cells[0]![1])).toBe(true);
    expect(Number(cells[3]![2]) > Number(cells[0]![2])).toBe(true);
  });

  it('shades by count: the largest cell is darkest, an empty one white', () => {
    const fills = [...svg.matchAll(/class="cell"[^>]*fill="rgb\((\d+),(\d+),(\d+)\)"/g)].map((m) => Number(m[1]) + Number(m[2]) + Number(m[3]));
    const darkest = fills.indexOf(Math.min(...fills));
    expect(matrix.flat()[darkest]).toBe(30);
    const withZero = confusionMatrixSvg(
      [
        [0, 1],
        [1, 0],
      ],
      ['a', 'b'],
    );
    expect(withZero).toContain('fill="rgb(255,255,255)"');
    // colorBy 'row': 1 of 1 and 5 of 10 -> the first row's only count is darkest
    const byRow = confusionMatrixSvg(
      [
        [1, 0],
        [5, 5],
      ],
      ['a', 'b'],
      { colorBy: 'row' },
    );
    expect(byRow).toContain('fill="rgb(8,48,107)"'); // t = 1
  });

  it('escapes label names and titles; checks its input', () => {
    expect(svg).toContain('Sci/Tech &lt;&amp;&gt;');
    expect(svg).not.toContain('<&>');
    expect(confusionMatrixSvg([[1]], ['x'], { title: 'A "B" & C' })).toContain('<title>A &quot;B&quot; &amp; C</title>');
    expect(confusionMatrixSvg([[1]], [`<a href='x'>&</a>`])).toContain('&lt;a href=&apos;x&apos;&gt;&amp;&lt;/a&gt;');
    expect(() => confusionMatrixSvg(matrix, ['a', 'b'])).toThrow(/expected 3 label names for a 3x3 matrix, got 2/);
    expect(() => confusionMatrixSvg([[1, 2], [3]], ['a', 'b'])).toThrow(/row 1 has 1 entries/);
    expect(() => confusionMatrixSvg([[-1]], ['a'])).toThrow(/cell \[0\]\[0\] must be a count >= 0, got -1/);
  });
});
