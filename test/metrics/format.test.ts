/**
 * Text and SVG renderings of a classification report and a confusion matrix.
 */
import { describe, expect, it } from 'vitest';
import {
  classificationReport,
  confusionMatrixSvg,
  formatClassificationReport,
  formatConfusionMatrix,
  formatMetricsTable,
} from '../../src/metrics/index.ts';

// 4 samples: yTrue 0 0 1 1, yPred 0 1 1 1.
// class 0: tp 1, pred 1, true 2 -> P 1, R 0.5, F1 2/3;  class 1: tp 2, pred 3, true 2 -> P 2/3, R 1, F1 0.8
// macro P 5/6, R 3/4, F1 11/15; weighted (supports 2, 2) the same; accuracy 3/4
const report = classificationReport([0, 0, 1, 1], [0, 1, 1, 1]);

describe('formatClassificationReport', () => {
  it('renders the scikit-learn layout with aligned columns', () => {
    const text = formatClassificationReport(report, { labelNames: ['neg', 'pos'] });
    expect(text).toBe(
      [
        '                precision    recall    f1-score    support',
        '',
        '         neg       1.0000    0.5000      0.6667          2',
        '         pos       0.6667    1.0000      0.8000          2',
        '',
        '    accuracy                             0.7500          4',
        '   macro avg       0.8333    0.7500      0.7333          4',
        'weighted avg       0.8333    0.7500      0.7333          4',
        '',
      ].join('\n'),
    );
  });

  it('names default to the class ids; digits is honoured', () => {
    const text = formatClassificationReport(report, { digits: 2 });
    expect(text).toMatch(/^\s+0\s+1\.00\s+0\.50\s+0\.67\s+2$/m);
    expect(text).toMatch(/^\s+1\s+0\.67\s+1\.00\s+0\.80\s+2$/m);
  });

  it('labelNames are indexed by class id, so a label subset keeps the right names', () => {
    const r = classificationReport([0, 2, 2], [0, 2, 1], { labels: [2, 0] });
    const text = formatClassificationReport(r, { labelNames: ['zero', 'one', 'two'] });
    const rows = text.split('\n').slice(2, 4).map((l) => l.trim().split(/\s+/)[0]);
    expect(rows).toEqual(['two', 'zero']);
  });
});

describe('formatConfusionMatrix and formatMetricsTable', () => {
  it('aligns counts under their column names', () => {
    expect(formatConfusionMatrix(report.confusionMatrix, ['neg', 'positive'])).toBe(
      ['true \\ predicted  neg  positive', '             neg    1         1', '        positive    0         2', ''].join('\n'),
    );
    expect(() => formatConfusionMatrix([[1]], ['a', 'b'])).toThrow(/expected 1 label names for a 1x1 matrix, got 2/);
  });

  it('formatMetricsTable is the report followed by the matrix', () => {
    const opts = { labelNames: ['neg', 'pos'] };
    const text = formatMetricsTable(report, opts);
    expect(text.startsWith(formatClassificationReport(report, opts))).toBe(true);
    expect(text).toContain('confusion matrix (rows: true class, columns: predicted class)\n');
    expect(text.endsWith(formatConfusionMatrix(report.confusionMatrix, ['neg', 'pos']))).toBe(true);
  });
});

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
    const withZero = confusionMatrixSvg([[0, 1], [1, 0]], ['a', 'b']);
    expect(withZero).toContain('fill="rgb(255,255,255)"');
    // colorBy 'row': 1 of 1 and 5 of 10 -> the first row's only count is darkest
    const byRow = confusionMatrixSvg([[1, 0], [5, 5]], ['a', 'b'], { colorBy: 'row' });
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
