/**
 * Which class ids a classification metric looks at, and in what order.
 *
 * scikit-learn's rule: if the caller names the labels, use exactly those, in the order given; otherwise use
 * the sorted union of the ids that occur in `yTrue` and `yPred`. A class that occurs in neither array is then
 * absent from the report, which changes a macro average. Passing `numLabels` (ids 0..numLabels-1) keeps every
 * class of a model's head in the report even when the evaluation set never mentions it.
 */

/** Class ids: a plain array or a typed array such as Int32Array. */
export type LabelIds = ArrayLike<number>;

/** How to choose the label set; at most one of the two may be given. */
export interface LabelOptions {
  /**
   * The class ids to report, in this order (scikit-learn's `labels=`). As in scikit-learn, the confusion
   * matrix skips samples whose true or predicted id is not listed, while the precision/recall/F1 of a listed
   * class still counts every sample (a sample of an unlisted true class predicted as a listed class is a
   * false positive of that class); micro averages sum over the listed classes only.
   */
  labels?: LabelIds;
  /**
   * Shorthand for `labels = [0, 1, ..., numLabels-1]`, but strict: an id outside that range is an error
   * (a model with `numLabels` outputs cannot predict it, so it means the arrays are wrong).
   */
  numLabels?: number;
}

/** Throws unless both arrays have the same length and hold integers. */
export function checkLabelArrays(yTrue: LabelIds, yPred: LabelIds, fn: string): void {
  if (yTrue.length !== yPred.length) {
    throw new Error(`${fn}: yTrue and yPred must have the same length, got ${yTrue.length} and ${yPred.length}`);
  }
  for (const [name, ys] of [
    ['yTrue', yTrue],
    ['yPred', yPred],
  ] as const) {
    for (let i = 0; i < ys.length; i++) {
      if (!Number.isInteger(ys[i])) throw new Error(`${fn}: ${name}[${i}] must be an integer class id, got ${ys[i]}`);
    }
  }
}

/**
 * The label list a metric reports on (see the file comment for the rule).
 * @returns class ids, length L; row/column i of a confusion matrix belongs to `labels[i]`.
 */
export function resolveLabels(yTrue: LabelIds, yPred: LabelIds, options: LabelOptions = {}, fn = 'resolveLabels'): number[] {
  const { labels, numLabels } = options;
  if (labels !== undefined && numLabels !== undefined) {
    throw new Error(`${fn}: pass either labels or numLabels, not both`);
  }
  if (numLabels !== undefined) {
    if (!Number.isInteger(numLabels) || numLabels < 1) {
      throw new Error(`${fn}: numLabels must be a positive integer, got ${numLabels}`);
    }
    for (const [name, ys] of [
      ['yTrue', yTrue],
      ['yPred', yPred],
    ] as const) {
      for (let i = 0; i < ys.length; i++) {
        if (ys[i]! < 0 || ys[i]! >= numLabels) {
          throw new Error(`${fn}: ${name}[${i}] = ${ys[i]} is outside 0..${numLabels - 1} (numLabels = ${numLabels})`);
        }
      }
    }
    return Array.from({ length: numLabels }, (_, i) => i);
  }
  if (labels !== undefined) {
    const list = Array.from(labels);
    if (list.length === 0) throw new Error(`${fn}: labels must not be empty`);
    const seen = new Set<number>();
    for (const [i, l] of list.entries()) {
      if (!Number.isInteger(l)) throw new Error(`${fn}: labels[${i}] must be an integer, got ${l}`);
      if (seen.has(l)) throw new Error(`${fn}: labels[${i}] = ${l} appears twice`);
      seen.add(l);
    }
    return list;
  }
  const union = new Set<number>();
  for (let i = 0; i < yTrue.length; i++) union.add(yTrue[i]!);
  for (let i = 0; i < yPred.length; i++) union.add(yPred[i]!);
  return [...union].sort((a, b) => a - b);
}
