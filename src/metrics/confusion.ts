/**
 * The confusion matrix, the table every single-label classification metric is computed from.
 */
import { checkLabelArrays, resolveLabels, type LabelIds, type LabelOptions } from './labels.ts';

/** A confusion matrix with the labels its rows and columns stand for. */
export interface LabeledConfusionMatrix {
  /** Class ids, length L, in row/column order. */
  labels: number[];
  /** L x L counts: `matrix[i][j]` = samples whose true class is `labels[i]` and predicted class `labels[j]`. */
  matrix: number[][];
}

/**
 * Confusion matrix like scikit-learn's `confusion_matrix`: rows are true classes, columns predicted classes.
 * Samples whose true or predicted id is not in the label set are skipped (only possible with `labels`).
 * @param yTrue true class ids, length N
 * @param yPred predicted class ids, length N
 * @returns L x L counts (L = number of labels, see `resolveLabels`)
 */
export function confusionMatrix(yTrue: LabelIds, yPred: LabelIds, options: LabelOptions = {}): number[][] {
  return labeledConfusionMatrix(yTrue, yPred, options).matrix;
}

/** `confusionMatrix` together with the label order it used. */
export function labeledConfusionMatrix(yTrue: LabelIds, yPred: LabelIds, options: LabelOptions = {}): LabeledConfusionMatrix {
  checkLabelArrays(yTrue, yPred, 'confusionMatrix');
  const labels = resolveLabels(yTrue, yPred, options, 'confusionMatrix');
  const index = new Map(labels.map((l, i) => [l, i]));
  const matrix = labels.map(() => new Array<number>(labels.length).fill(0));
  for (let k = 0; k < yTrue.length; k++) {
    const i = index.get(yTrue[k]!);
    const j = index.get(yPred[k]!);
    if (i !== undefined && j !== undefined) matrix[i]![j]!++;
  }
  return { labels, matrix };
}
