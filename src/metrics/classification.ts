/**
 * Single-label classification scores, defined as scikit-learn defines them (with `zero_division=0`).
 *
 * For each class c, counting over the N samples:
 *   tp_c   = #{ i : yTrue[i] = c and yPred[i] = c }
 *   pred_c = #{ i : yPred[i] = c }        (tp + false positives)
 *   true_c = #{ i : yTrue[i] = c }        (tp + false negatives; the "support")
 *   precision_c = tp_c / pred_c,   recall_c = tp_c / true_c,
 *   F1_c = 2 P R / (P + R) = 2 tp_c / (pred_c + true_c)      (the count form is what scikit-learn evaluates)
 * A ratio whose denominator is 0 is defined as 0 ("zero_division = 0").
 *
 * Averages over the label set (see labels.ts):
 *   macro    = plain mean of the per-class values
 *   weighted = mean weighted by support true_c (0 when every support is 0)
 *   micro    = the formulas above on the summed counts  sum tp, sum pred, sum true.
 * For single-label data where the label set covers every id, micro P = micro R = micro F1 = accuracy.
 */
import { confusionMatrix } from './confusion.ts';
import { checkLabelArrays, resolveLabels, type LabelIds, type LabelOptions } from './labels.ts';

/** Precision, recall and F1, each in [0, 1]. */
export interface PRF {
  precision: number;
  recall: number;
  f1: number;
}

/** Per-class arrays, index k belongs to `labels[k]`. */
export interface PerClassPRF {
  precision: number[];
  recall: number[];
  f1: number[];
  /** Number of samples whose true class is this class. */
  support: number[];
}

/** Everything `precisionRecallF1` computes. */
export interface PrecisionRecallF1 {
  /** The label set, length L, in the order of the per-class arrays. */
  labels: number[];
  perClass: PerClassPRF;
  macro: PRF;
  micro: PRF;
  weighted: PRF;
}

/** A full single-label classification report: scores plus the confusion matrix. */
export interface ClassificationReport extends PrecisionRecallF1 {
  accuracy: number;
  /** Number of samples N. */
  total: number;
  /** L x L, rows true class, columns predicted class, in `labels` order. */
  confusionMatrix: number[][];
}

/** a / b, or 0 when b is 0 (scikit-learn's zero_division=0). */
function safeDivide(a: number, b: number): number {
  return b === 0 ? 0 : a / b;
}

/**
 * Fraction of samples whose prediction equals the truth.
 * @param yTrue true class ids, length N >= 1
 * @param yPred predicted class ids, length N
 * @returns a number in [0, 1]
 */
export function accuracy(yTrue: LabelIds, yPred: LabelIds): number {
  checkLabelArrays(yTrue, yPred, 'accuracy');
  if (yTrue.length === 0) throw new Error('accuracy: expected at least one sample, got 0');
  let correct = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) correct++;
  return correct / yTrue.length;
}

/** Per-class counts tp, pred, true (see the file comment), each of length L. */
export interface ClassCounts {
  labels: number[];
  tp: number[];
  pred: number[];
  true: number[];
}

/** Count tp_c, pred_c and true_c for every class c of the label set. */
export function classCounts(yTrue: LabelIds, yPred: LabelIds, options: LabelOptions = {}): ClassCounts {
  checkLabelArrays(yTrue, yPred, 'classCounts');
  const labels = resolveLabels(yTrue, yPred, options, 'classCounts');
  const index = new Map(labels.map((l, i) => [l, i]));
  const tp = new Array<number>(labels.length).fill(0);
  const pred = new Array<number>(labels.length).fill(0);
  const tru = new Array<number>(labels.length).fill(0);
  for (let k = 0; k < yTrue.length; k++) {
    const i = index.get(yTrue[k]!);
    const j = index.get(yPred[k]!);
    if (i !== undefined) tru[i]!++;
    if (j !== undefined) pred[j]!++;
    if (i !== undefined && yTrue[k] === yPred[k]) tp[i]!++;
  }
  return { labels, tp, pred, true: tru };
}

/** Precision, recall and F1 from the three counts, with zero_division 0. */
export function prfFromCounts(tp: number, pred: number, tru: number): PRF {
  return { precision: safeDivide(tp, pred), recall: safeDivide(tp, tru), f1: safeDivide(2 * tp, pred + tru) };
}

function mean(xs: number[]): number {
  return xs.length === 0 ? 0 : xs.reduce((s, x) => s + x, 0) / xs.length;
}

function weightedMean(xs: number[], ws: number[]): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    num += xs[i]! * ws[i]!;
    den += ws[i]!;
  }
  return safeDivide(num, den);
}

function sum(xs: number[]): number {
  return xs.reduce((s, x) => s + x, 0);
}

/**
 * Per-class, macro, micro and weighted precision / recall / F1 (scikit-learn's
 * `precision_recall_fscore_support` with `zero_division=0`, for each `average`).
 * @param yTrue true class ids, length N
 * @param yPred predicted class ids, length N
 * @param options the label set: `labels` or `numLabels`, default the sorted union of both arrays
 */
export function precisionRecallF1(yTrue: LabelIds, yPred: LabelIds, options: LabelOptions = {}): PrecisionRecallF1 {
  const c = classCounts(yTrue, yPred, options);
  const per = c.labels.map((_, k) => prfFromCounts(c.tp[k]!, c.pred[k]!, c.true[k]!));
  const perClass: PerClassPRF = {
    precision: per.map((p) => p.precision),
    recall: per.map((p) => p.recall),
    f1: per.map((p) => p.f1),
    support: c.true.slice(),
  };
  return {
    labels: c.labels,
    perClass,
    macro: { precision: mean(perClass.precision), recall: mean(perClass.recall), f1: mean(perClass.f1) },
    micro: prfFromCounts(sum(c.tp), sum(c.pred), sum(c.true)),
    weighted: {
      precision: weightedMean(perClass.precision, c.true),
      recall: weightedMean(perClass.recall, c.true),
      f1: weightedMean(perClass.f1, c.true),
    },
  };
}

/**
 * Precision, recall and F1 of one positive class (scikit-learn's `average='binary'`, default `pos_label=1`).
 * Like scikit-learn it refuses data with more than two classes, and data with two classes of which none is
 * `posLabel`.
 * @param yTrue true class ids, length N
 * @param yPred predicted class ids, length N
 */
export function binaryPrecisionRecallF1(yTrue: LabelIds, yPred: LabelIds, posLabel = 1): PRF {
  checkLabelArrays(yTrue, yPred, 'binaryPrecisionRecallF1');
  const present = resolveLabels(yTrue, yPred, {}, 'binaryPrecisionRecallF1');
  if (present.length > 2) {
    throw new Error(
      `binaryPrecisionRecallF1: expected at most 2 classes, found ${present.length} (${present.join(', ')}); ` + 'use precisionRecallF1 for multiclass data',
    );
  }
  if (present.length === 2 && !present.includes(posLabel)) {
    throw new Error(`binaryPrecisionRecallF1: posLabel ${posLabel} is not one of the classes present (${present.join(', ')})`);
  }
  const c = classCounts(yTrue, yPred, { labels: [posLabel] });
  return prfFromCounts(c.tp[0]!, c.pred[0]!, c.true[0]!);
}

/** F1 of the positive class `posLabel` (default 1); see `binaryPrecisionRecallF1`. */
export function binaryF1(yTrue: LabelIds, yPred: LabelIds, posLabel = 1): number {
  return binaryPrecisionRecallF1(yTrue, yPred, posLabel).f1;
}

/**
 * Accuracy, per-class and averaged precision/recall/F1 and the confusion matrix in one object; the input of
 * `formatClassificationReport` and `formatMetricsTable`.
 * @param yTrue true class ids, length N >= 1
 * @param yPred predicted class ids, length N
 */
export function classificationReport(yTrue: LabelIds, yPred: LabelIds, options: LabelOptions = {}): ClassificationReport {
  const prf = precisionRecallF1(yTrue, yPred, options);
  return {
    ...prf,
    accuracy: accuracy(yTrue, yPred),
    total: yTrue.length,
    confusionMatrix: confusionMatrix(yTrue, yPred, { labels: prf.labels }),
  };
}
