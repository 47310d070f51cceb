/**
 * Matthews correlation coefficient, multiclass form (Gorodkin's R_K), as scikit-learn computes it.
 */
import { confusionMatrix } from './confusion.ts';
import type { LabelIds } from './labels.ts';

/**
 * MCC from a K x K confusion matrix C (rows true, columns predicted). With
 *   s = N = sum of all cells,  c = trace(C) (correct predictions),
 *   t_k = row sums (true counts),  p_k = column sums (predicted counts):
 *
 *   MCC = (c s - sum_k p_k t_k) / sqrt((s^2 - sum_k p_k^2) (s^2 - sum_k t_k^2))
 *
 * and 0 when the denominator is 0 (all predictions, or all truths, in one class). For K = 2 this is the
 * familiar (TP TN - FP FN) / sqrt((TP+FP)(TP+FN)(TN+FP)(TN+FN)).
 * @returns a number in [-1, 1]
 */
export function mccFromConfusion(matrix: number[][]): number {
  const k = matrix.length;
  const t = new Array<number>(k).fill(0);
  const p = new Array<number>(k).fill(0);
  let s = 0;
  let c = 0;
  for (let i = 0; i < k; i++) {
    const row = matrix[i]!;
    if (row.length !== k) throw new Error(`mccFromConfusion: expected a ${k}x${k} matrix, row ${i} has ${row.length} entries`);
    for (let j = 0; j < k; j++) {
      t[i]! += row[j]!;
      p[j]! += row[j]!;
      s += row[j]!;
    }
    c += row[i]!;
  }
  let pt = 0;
  let pp = 0;
  let tt = 0;
  for (let i = 0; i < k; i++) {
    pt += p[i]! * t[i]!;
    pp += p[i]! * p[i]!;
    tt += t[i]! * t[i]!;
  }
  const covYtYp = c * s - pt;
  const covYpYp = s * s - pp;
  const covYtYt = s * s - tt;
  if (covYpYp * covYtYt === 0) return 0;
  return covYtYp / Math.sqrt(covYtYt * covYpYp);
}

/**
 * Matthews correlation coefficient of predicted vs true class ids (scikit-learn's `matthews_corrcoef`).
 * @param yTrue true class ids, length N
 * @param yPred predicted class ids, length N
 * @returns a number in [-1, 1]; 1 perfect, 0 no better than chance, 0 also when either side is constant
 */
export function matthewsCorrcoef(yTrue: LabelIds, yPred: LabelIds): number {
  return mccFromConfusion(confusionMatrix(yTrue, yPred));
}
