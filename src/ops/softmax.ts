/**
 * softmax and logSoftmax along an axis, numerically stable (the row maximum is subtracted first).
 *
 * For y = softmax(x) along a row: dy_i/dx_j = y_i (delta_ij - y_j), so
 *   dL/dx = y * (g - sum_j g_j y_j).
 * For z = logSoftmax(x) = x - logsumexp(x): dL/dx = g - softmax(x) * sum_j g_j.
 *
 * softmax and scaledMaskedSoftmax are the kernels 'softmax' and 'scaledMaskedSoftmax' (autograd/dispatch.ts);
 * their references, and the row loops they share, are below.
 */
import { dispatch } from '../autograd/dispatch.ts';
import { record, recordResult, type OpResult } from '../autograd/record.ts';
import { allocate } from '../tensor/dtype.ts';
import { broadcastShapes, broadcastStrides, normalizeAxis, sameShape, shapeToString, sizeOf } from '../tensor/shape.ts';
import { isFullyMasked } from './softmax-input.ts';
import { Tensor } from '../tensor/tensor.ts';
import type { FloatArray } from './matmul.ts';
import { assertFloat, assertSameDType } from './checks.ts';
import { sumToShape } from './elementwise.ts';
import { broadcastTo, transpose } from './shape.ts';

/** Run a last-axis function on any axis by swapping that axis to the end and back. */
function onAxis(x: Tensor, axis: number, op: string, lastAxisFn: (t: Tensor) => Tensor): Tensor {
  const a = normalizeAxis(axis, x.rank, op);
  if (a === x.rank - 1) return lastAxisFn(x);
  return transpose(lastAxisFn(transpose(x, a, -1)), a, -1);
}

/**
 * softmax(x)_i = exp(x_i - max x) / sum_j exp(x_j - max x) along `axis` (default last).
 * A row that is entirely -Infinity (every position masked) has no distribution; by the convention of the
 * 'softmaxRows' kernel (shared with scaledMaskedSoftmax, so fused and unfused attention agree) it gives
 * all zeros, and its gradient is zero too. A large finite mask such as -1e9 instead gives a uniform row.
 * A row holding +Infinity or NaN (an overflow upstream) has no distribution and gives NaN everywhere, never
 * zeros or other valid-looking numbers (see softmax-input.ts).
 */
export function softmax(x: Tensor, axis = -1): Tensor {
  assertFloat('softmax', x);
  if (x.rank === 0) throw new Error('softmax: expected a tensor of rank >= 1, got a scalar');
  return onAxis(x, axis, 'softmax', softmaxLast);
}

function softmaxLast(x: Tensor): Tensor {
  const cols = x.shape[x.rank - 1];
  const rows = cols === 0 ? 0 : x.size / cols;
  return recordResult(dispatch('softmax', { x }, { rows, cols }, softmaxReference), [x], 'softmax');
}

/** The reference of kernel 'softmax': softmax over rows of `cols`, and its backward. */
export function softmaxReference({ x }: { x: Tensor }, { rows, cols }: { rows: number; cols: number }): OpResult {
  const y = allocate(x.dtype, x.size) as FloatArray;
  softmaxRows(x.data as FloatArray, y, rows, cols);
  return {
    output: new Tensor(y, x.shape),
    backward: (g) => {
      const dx = allocate(x.dtype, x.size) as FloatArray;
      softmaxRowsBackward({ y, gradY: g.data as FloatArray, gradX: dx, scale: 1, rows, cols });
      return [new Tensor(dx, x.shape)];
    },
  };
}

/**
 * softmax(scale * scores + mask) along the last axis: attention probabilities in one kernel
 * ('scaledMaskedSoftmaxRows'), equal bit for bit to softmax(add(scale(scores, c), mask)) without the two
 * intermediate arrays. The mask (an additive bias such as 0 / -1e9 for padding) broadcasts to scores and is
 * read in place: a [batch, 1, 1, S] mask serves every head and query row of [batch, heads, S, S] scores.
 * As for softmax, a row of scale * scores + mask that is entirely -Infinity gives zeros, and one holding
 * +Infinity or NaN gives NaN.
 * Backward: with y the output and g its gradient, dL/dz = y * (g - sum_j g_j y_j) for z = scale * scores + mask,
 * so dL/dscores = scale * dL/dz and dL/dmask = dL/dz summed over the broadcast axes.
 * @param scores [..., S]
 * @param scale the factor on scores (attention: 1 / sqrt(headDim))
 * @param mask broadcastable to scores, or null/undefined for none
 * @returns [..., S]
 */
export function scaledMaskedSoftmax(scores: Tensor, scale: number, mask?: Tensor | null): Tensor {
  assertFloat('scaledMaskedSoftmax', scores);
  if (scores.rank === 0) throw new Error('scaledMaskedSoftmax: expected scores of rank >= 1, got a scalar');
  const cols = scores.shape[scores.rank - 1];
  const rows = cols === 0 ? 0 : scores.size / cols;
  let maskIn: Tensor | null = null;
  let maskRowOffsets: Int32Array | null = null;
  if (mask) {
    assertSameDType('scaledMaskedSoftmax', scores, mask);
    if (!sameShape(broadcastShapes(scores.shape, mask.shape, 'scaledMaskedSoftmax'), scores.shape)) {
      throw new Error(`scaledMaskedSoftmax: the mask ${shapeToString(mask.shape)} must broadcast to the scores ${shapeToString(scores.shape)}`);
    }
    // A mask whose last axis is broadcast (size 1) is widened to S once: rows are read contiguously.
    maskIn = mask.rank > 0 && mask.shape[mask.rank - 1] === cols ? mask : broadcastTo(mask, [...mask.shape.slice(0, -1), cols]);
    maskRowOffsets = rowOffsets(maskIn.shape, scores.shape);
  }
  const inputs = mask ? [scores, mask] : [scores];
  const result = dispatch('scaledMaskedSoftmax', { scores, mask: mask ?? null, maskIn }, { scale, maskRowOffsets, rows, cols }, scaledMaskedSoftmaxReference);
  return recordResult(result, inputs, 'scaledMaskedSoftmax');
}

/** The attributes of kernel 'scaledMaskedSoftmax'. */
export interface ScaledMaskedSoftmaxAttrs {
  scale: number;
  /** For each row of scores, where its mask row starts in maskIn (null without a mask). */
  maskRowOffsets: Int32Array | null;
  rows: number;
  cols: number;
}

/**
 * The reference of kernel 'scaledMaskedSoftmax'. `mask` is the op's mask argument (for its gradient),
 * `maskIn` the same values with the last axis widened to the scores' (read through maskRowOffsets).
 */
export function scaledMaskedSoftmaxReference(
  inputs: { scores: Tensor; mask: Tensor | null; maskIn: Tensor | null },
  attrs: ScaledMaskedSoftmaxAttrs,
): OpResult {
  return scaledMaskedSoftmaxWithRows(inputs, attrs, scaledMaskedSoftmaxRows);
}

/**
 * Kernel 'scaledMaskedSoftmax' with `forwardRows` computing the probabilities (the reference passes
 * scaledMaskedSoftmaxRows; a backend may pass a faster loop with the same contract) and the core's backward.
 */
export function scaledMaskedSoftmaxWithRows(
  { scores, mask, maskIn }: { scores: Tensor; mask: Tensor | null; maskIn: Tensor | null },
  { scale, maskRowOffsets, rows, cols }: ScaledMaskedSoftmaxAttrs,
  forwardRows: (args: ScaledMaskedSoftmaxArgs) => void,
): OpResult {
  const y = allocate(scores.dtype, scores.size) as FloatArray;
  forwardRows({ x: scores.data as FloatArray, scale, mask: maskIn ? (maskIn.data as FloatArray) : null, maskRowOffsets, out: y, rows, cols });
  const backward = (g: Tensor): (Tensor | null)[] => {
    const gd = g.data as FloatArray;
    const gScores = allocate(scores.dtype, scores.size) as FloatArray;
    if (!mask?.requiresGrad) {
      softmaxRowsBackward({ y, gradY: gd, gradX: gScores, scale, rows, cols });
      return mask ? [new Tensor(gScores, scores.shape), null] : [new Tensor(gScores, scores.shape)];
    }
    const gz = allocate(scores.dtype, scores.size) as FloatArray; // dL/dz, also the mask's gradient before summing
    softmaxRowsBackward({ y, gradY: gd, gradX: gz, scale: 1, rows, cols });
    for (let i = 0; i < gz.length; i++) gScores[i] = gz[i] * scale;
    return [new Tensor(gScores, scores.shape), sumToShape(new Tensor(gz, scores.shape), mask.shape)];
  };
  return { output: new Tensor(y, scores.shape), backward };
}

/** For each row of `target` (all axes but the last), the offset of the row of `shape` that broadcasts onto it. */
function rowOffsets(shape: readonly number[], target: readonly number[]): Int32Array {
  const strides = broadcastStrides(shape, target);
  const lead = target.length - 1;
  const rows = sizeOf(target.slice(0, lead));
  const out = new Int32Array(rows);
  const index = new Array<number>(lead).fill(0);
  let offset = 0;
  for (let r = 0; r < rows; r++) {
    out[r] = offset;
    // Advance the multi-index over the leading axes like an odometer.
    for (let d = lead - 1; d >= 0; d--) {
      index[d]++;
      offset += strides[d];
      if (index[d] < target[d]) break;
      offset -= strides[d] * target[d];
      index[d] = 0;
    }
  }
  return out;
}

/**
 * logSoftmax(x)_i = x_i - max x - log sum_j exp(x_j - max x) along `axis` (default last).
 * A row that is entirely -Infinity gives -Infinity everywhere: the log of softmax's all-zero row (see
 * softmax), where x - logsumexp(x) would be -Infinity - (-Infinity) = NaN. Its gradient is then
 * g - 0 * sum(g) = g, finite, as for a single -Infinity entry in a row that is not fully masked.
 * A row holding +Infinity or NaN gives NaN everywhere, as for softmax.
 */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  assertFloat('logSoftmax', x);
  if (x.rank === 0) throw new Error('logSoftmax: expected a tensor of rank >= 1, got a scalar');
  return onAxis(x, axis, 'logSoftmax', logSoftmaxLast);
}

function logSoftmaxLast(x: Tensor): Tensor {
  const cols = x.shape[x.rank - 1];
  const rows = cols === 0 ? 0 : x.size / cols;
  const xd = x.data;
  const z = allocate(x.dtype, x.size);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let max = -Infinity;
    for (let j = 0; j < cols; j++) if (xd[o + j] > max) max = xd[o + j];
    if (max === -Infinity) {
      // Fully masked row: log of softmax's zeros. NaN beside -Infinity also leaves max at -Infinity: NaN.
      z.fill(isFullyMasked(xd, o, cols) ? -Infinity : NaN, o, o + cols);
      continue;
    }
    // A +Infinity max or a NaN entry makes sum, lse and so the whole row NaN.
    let sum = 0;
    for (let j = 0; j < cols; j++) sum += Math.exp(xd[o + j] - max);
    const lse = max + Math.log(sum);
    for (let j = 0; j < cols; j++) z[o + j] = xd[o + j] - lse;
  }
  // [docs: log-softmax-backward] dL/dx = g - softmax(x) * sum_j g_j, with softmax(x) = exp(z).
  return record(new Tensor(z, x.shape), [x], 'logSoftmax', (g) => {
    const gd = g.data;
    const dx = allocate(x.dtype, x.size);
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      let total = 0;
      for (let j = 0; j < cols; j++) total += gd[o + j];
      for (let j = 0; j < cols; j++) dx[o + j] = gd[o + j] - Math.exp(z[o + j]) * total;
    }
    return [new Tensor(dx, x.shape)];
  });
}

// The row loops. Numerically stable: softmax(x)_j = exp(x_j - max(x)) / sum_i exp(x_i - max(x)). Subtracting
// the row maximum changes nothing mathematically but keeps exp() from overflowing, so softmax([1000, 1000])
// is [0.5, 0.5] rather than NaN. Rows follow softmax-input.ts's convention for -Infinity, +Infinity and NaN.

/** out[r, :] = softmax(x[r, :]) for rows of `cols` values. */
export function softmaxRows(x: FloatArray, out: FloatArray, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) softmaxRow(x, out, r * cols, cols);
}

/** Softmax of the row x[o .. o + cols) into out[o .. o + cols); x and out may be the same array. [docs: softmax-row] */
export function softmaxRow(x: FloatArray, out: FloatArray, o: number, cols: number): void {
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

/** The arrays of scaledMaskedSoftmaxRows: y[r, j] = softmax_j(scale x[r, j] + mask[maskRowOffsets[r] + j]). */
export interface ScaledMaskedSoftmaxArgs {
  x: FloatArray;
  scale: number;
  /** null for no mask; else read through one offset per row, so a [batch, 1, 1, S] mask serves every row. */
  mask: FloatArray | null;
  maskRowOffsets: Int32Array | null;
  out: FloatArray;
  rows: number;
  cols: number;
}

/**
 * [docs: scaled-masked-softmax]
 * out = softmax(scale * x + mask) over rows, the attention probabilities in one pass per row. Each row is
 * first written to `out` as scale * x, then plus its mask row - each step rounded by the store exactly as
 * the separate scale and add ops would round it - and then normalised in place while it is still in cache.
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

/** The arrays of softmaxRowsBackward; gradX is overwritten. */
export interface SoftmaxBackwardArgs {
  y: FloatArray;
  gradY: FloatArray;
  gradX: FloatArray;
  scale: number;
  rows: number;
  cols: number;
}

/**
 * [docs: softmax-backward]
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
