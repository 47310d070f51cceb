/**
 * Numerically stable softmax over rows: softmax(x)_j = exp(x_j - max(x)) / sum_i exp(x_i - max(x)).
 * Subtracting the row maximum changes nothing mathematically but keeps exp() from overflowing, so
 * softmax([1000, 1000]) is [0.5, 0.5] rather than NaN. A row that is entirely -Infinity (every position
 * masked) gives zeros rather than NaN.
 */
import type { FloatArray } from '../kernels.ts';

export function softmaxRows(x: FloatArray, out: FloatArray, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let max = -Infinity;
    for (let j = 0; j < cols; j++) if (x[o + j] > max) max = x[o + j];
    if (max === -Infinity) {
      out.fill(0, o, o + cols);
      continue;
    }
    let sum = 0;
    for (let j = 0; j < cols; j++) {
      const e = Math.exp(x[o + j] - max);
      out[o + j] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let j = 0; j < cols; j++) out[o + j] *= inv;
  }
}
