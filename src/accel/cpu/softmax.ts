/**
 * Numerically stable softmax over rows: softmax(x)_j = exp(x_j - max(x)) / sum_i exp(x_i - max(x)).
 * Subtracting the row maximum changes nothing mathematically but keeps exp() from overflowing, so
 * softmax([1000, 1000]) is [0.5, 0.5] rather than NaN. A row that is entirely -Infinity (every position
 * masked) gives zeros rather than NaN. A row holding +Infinity or NaN gives NaN everywhere (see
 * tensor/softmax-input.ts for the whole convention).
 */
import { isFullyMasked } from '../../tensor/softmax-input.ts';
import type { FloatArray, ScaledMaskedSoftmaxArgs, SoftmaxBackwardArgs } from '../kernels.ts';

export function softmaxRows(x: FloatArray, out: FloatArray, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) softmaxRow(x, out, r * cols, cols);
}

/** Softmax of the row x[o .. o + cols) into out[o .. o + cols); x and out may be the same array. */
function softmaxRow(x: FloatArray, out: FloatArray, o: number, cols: number): void {
  let max = -Infinity;
  for (let j = 0; j < cols; j++) if (x[o + j] > max) max = x[o + j];
  if (max === -Infinity) {
    // Fully masked: zeros. NaN beside -Infinity also leaves max at -Infinity ('>' never picks NaN): NaN.
    out.fill(isFullyMasked(x, o, cols) ? 0 : NaN, o, o + cols);
    return;
  }
  // A +Infinity max or a NaN entry makes the sum NaN, and so every entry below: no check needed here.
  let sum = 0;
  for (let j = 0; j < cols; j++) {
    const e = Math.exp(x[o + j] - max);
    out[o + j] = e;
    sum += e;
  }
  const inv = 1 / sum;
  for (let j = 0; j < cols; j++) out[o + j] *= inv;
}

/**
 * out = softmax(scale * x + mask) over rows, the attention probabilities in one kernel. Each row is first
 * written to `out` as scale * x, then plus its mask row - each step rounded by the store exactly as the
 * separate scale and add ops would round it - and then normalised in place while it is still in cache.
 * The result equals softmax(add(scale(x), mask)) bit for bit, without two intermediate arrays.
 */
export function scaledMaskedSoftmaxRows({ x, scale, mask, maskRowOffsets, out, rows, cols }: ScaledMaskedSoftmaxArgs): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let j = 0; j < cols; j++) out[o + j] = x[o + j] * scale;
    if (mask && maskRowOffsets) {
      const mo = maskRowOffsets[r];
      for (let j = 0; j < cols; j++) out[o + j] = out[o + j] + mask[mo + j];
    }
    softmaxRow(out, out, o, cols);
  }
}

/**
 * Backward of y = softmax(scale * x + mask): with z = scale * x + mask, dL/dz = y * (g - sum_j g_j y_j)
 * (dy_i/dz_j = y_i (delta_ij - y_j)), and dL/dx = scale * dL/dz. dL/dz is stored before it is scaled, as
 * the unfused ops would store it, so the result matches them bit for bit (scale = 1: plain softmax).
 */
export function softmaxRowsBackward({ y, gradY, gradX, scale, rows, cols }: SoftmaxBackwardArgs): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let dot = 0;
    for (let j = 0; j < cols; j++) dot += gradY[o + j] * y[o + j];
    for (let j = 0; j < cols; j++) gradX[o + j] = y[o + j] * (gradY[o + j] - dot);
    if (scale !== 1) for (let j = 0; j < cols; j++) gradX[o + j] = gradX[o + j] * scale;
  }
}
