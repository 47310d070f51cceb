/**
 * Plain-text renderings for the terminal: a classification report in scikit-learn's layout, a confusion
 * matrix, both together, and an entity-level (NER) report in seqeval's layout.
 */
import type { ClassificationReport } from './classification.ts';
import type { EntityScores } from './entities.ts';

/** Options shared by the text renderers. */
export interface MetricsFormatOptions {
  /**
   * Class names indexed by class id (like a model config's id2label): row `labels[k]` is printed as
   * `labelNames[labels[k]]`. Default: the id itself.
   */
  labelNames?: readonly string[];
  /** Digits after the decimal point (default 4). */
  digits?: number;
}

function nameOf(label: number, labelNames: readonly string[] | undefined): string {
  return labelNames?.[label] ?? String(label);
}

/** Rows of cells -> lines, every column right-aligned to its widest cell, columns `gap` spaces apart. */
function alignColumns(rows: string[][], gap = 2): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, j) => (widths[j] = Math.max(widths[j] ?? 0, cell.length)));
  return rows.map((row) =>
    row
      .map((cell, j) => cell.padStart(widths[j]!))
      .join(' '.repeat(gap))
      .trimEnd(),
  );
}

/**
 * scikit-learn's `classification_report` layout:
 *
 *                   precision    recall  f1-score   support
 *
 *         negative     0.7931    0.7931    0.7931        29
 *         positive     0.7857    0.7857    0.7857        28
 *
 *         accuracy                         0.7895        57
 *        macro avg     0.7894    0.7894    0.7894        57
 *     weighted avg     0.7895    0.7895    0.7895        57
 */
export function formatClassificationReport(report: ClassificationReport, options: MetricsFormatOptions = {}): string {
  const digits = options.digits ?? 4;
  const f = (x: number) => x.toFixed(digits);
  const header = ['', 'precision', 'recall', 'f1-score', 'support'];
  const classRows = report.labels.map((label, k) => [
    nameOf(label, options.labelNames),
    f(report.perClass.precision[k]!),
    f(report.perClass.recall[k]!),
    f(report.perClass.f1[k]!),
    String(report.perClass.support[k]!),
  ]);
  const support = report.perClass.support.reduce((a, b) => a + b, 0);
  const summary = [
    ['accuracy', '', '', f(report.accuracy), String(report.total)],
    ['macro avg', f(report.macro.precision), f(report.macro.recall), f(report.macro.f1), String(support)],
    ['weighted avg', f(report.weighted.precision), f(report.weighted.recall), f(report.weighted.f1), String(support)],
  ];
  const lines = alignColumns([header, ...classRows, ...summary], 4);
  const n = classRows.length;
  return [lines[0], '', ...lines.slice(1, 1 + n), '', ...lines.slice(1 + n)].join('\n') + '\n';
}

/**
 * A confusion matrix as an aligned table, rows = true class, columns = predicted class:
 *
 *     true \ predicted  negative  positive
 *             negative        23         6
 *             positive         6        22
 *
 * @param matrix L x L counts
 * @param labelNames L names, in row/column order (not indexed by id); default 0..L-1
 */
export function formatConfusionMatrix(matrix: readonly (readonly number[])[], labelNames?: readonly string[]): string {
  const n = matrix.length;
  if (labelNames !== undefined && labelNames.length !== n) {
    throw new Error(`formatConfusionMatrix: expected ${n} label names for a ${n}x${n} matrix, got ${labelNames.length}`);
  }
  const names = labelNames ?? matrix.map((_, i) => String(i));
  const rows = [['true \\ predicted', ...names], ...matrix.map((row, i) => [names[i]!, ...row.map(String)])];
  return alignColumns(rows, 2).join('\n') + '\n';
}

/**
 * The classification report followed by the confusion matrix, as `bert evaluate` prints them.
 */
export function formatMetricsTable(report: ClassificationReport, options: MetricsFormatOptions = {}): string {
  const names = report.labels.map((l) => nameOf(l, options.labelNames));
  return (
    formatClassificationReport(report, options) +
    '\nconfusion matrix (rows: true class, columns: predicted class)\n' +
    formatConfusionMatrix(report.confusionMatrix, names)
  );
}

/**
 * seqeval's entity report layout: one row per entity type, then micro / macro / weighted averages, all over
 * entities (support = gold entities of that type).
 */
export function formatEntityReport(scores: EntityScores, options: { digits?: number } = {}): string {
  const digits = options.digits ?? 4;
  const f = (x: number) => x.toFixed(digits);
  const header = ['', 'precision', 'recall', 'f1-score', 'support'];
  const typeRows = scores.types.map((t) => {
    const s = scores.perType[t]!;
    return [t, f(s.precision), f(s.recall), f(s.f1), String(s.support)];
  });
  const o = scores.overall;
  const summary = [
    ['micro avg', f(o.precision), f(o.recall), f(o.f1), String(o.support)],
    ['macro avg', f(scores.macro.precision), f(scores.macro.recall), f(scores.macro.f1), String(o.support)],
    ['weighted avg', f(scores.weighted.precision), f(scores.weighted.recall), f(scores.weighted.f1), String(o.support)],
  ];
  const lines = alignColumns([header, ...typeRows, ...summary], 4);
  const n = typeRows.length;
  return [lines[0], '', ...lines.slice(1, 1 + n), '', ...lines.slice(1 + n)].join('\n') + `\n\ntoken accuracy ${f(scores.tokenAccuracy)}\n`;
}
