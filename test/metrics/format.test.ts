/**
 * Text renderings of a classification report and a confusion matrix (the SVG one: test/viz/confusion.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { classificationReport, formatClassificationReport, formatConfusionMatrix, formatMetricsTable } from '../../src/metrics/index.ts';

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
    const rows = text
      .split('\n')
      .slice(2, 4)
      .map((l) => l.trim().split(/\s+/)[0]);
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
