/**
 * softmax and logSoftmax along an axis, numerically stable (the row maximum is subtracted first).
 *
 * For y = softmax(x) along a row: dy_i/dx_j = y_i (delta_ij - y_j), so
 *   dL/dx = y * (g - sum_j g_j y_j).
 * For z = logSoftmax(x) = x - logsumexp(x): dL/dx = g - softmax(x) * sum_j g_j.
 */
import { record } from '../autograd/record.ts';
import { deviceNoMask, deviceOf, deviceScaledMaskedSoftmax, deviceSoftmaxBackward, onDevice, type TensorDevice } from '../accel/device.ts';
import { kernel } from '../accel/registry.ts';
import type { FloatArray } from '../accel/kernels.ts';
import { allocate } from '../tensor/dtype.ts';
import { broadcastShapes, broadcastStrides, normalizeAxis, sameShape, shapeToString, sizeOf } from '../tensor/shape.ts';
import { isFullyMasked } from '../tensor/softmax-input.ts';
import { Tensor } from '../tensor/tensor.ts';
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
 * zeros or other valid-looking numbers (see tensor/softmax-input.ts).
 */
export function softmax(x: Tensor, axis = -1): Tensor {
  assertFloat('softmax', x);
  if (x.rank === 0) throw new Error('softmax: expected a tensor of rank >= 1, got a scalar');
  return onAxis(x, axis, 'softmax', softmaxLast);
}

function softmaxLast(x: Tensor): Tensor {
  const cols = x.shape[x.rank - 1];
  const rows = cols === 0 ? 0 : x.size / cols;
  const device = rows > 0 ? deviceOf(x) : null;
  if (device) return softmaxOnDevice(device, 'softmax', x, 1, null, null, rows, cols);
  const y = allocate(x.dtype, x.size) as FloatArray;
  kernel('softmaxRows')(x.data as FloatArray, y, rows, cols);
  return record(new Tensor(y, x.shape), [x], 'softmax', (g) => {
    const dx = allocate(x.dtype, x.size) as FloatArray;
    kernel('softmaxRowsBackward')({ y, gradY: g.data as FloatArray, gradX: dx, scale: 1, rows, cols });
    return [new Tensor(dx, x.shape)];
  });
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
  const device = rows > 0 && !mask?.requiresGrad ? deviceOf(scores, maskIn ?? undefined) : null;
  if (device) return softmaxOnDevice(device, 'scaledMaskedSoftmax', scores, scale, mask ?? null, maskIn && maskRowOffsets ? { mask: maskIn, rowOffsets: maskRowOffsets } : null, rows, cols);
  const y = allocate(scores.dtype, scores.size) as FloatArray;
  kernel('scaledMaskedSoftmaxRows')({ x: scores.data as FloatArray, scale, mask: maskIn ? (maskIn.data as FloatArray) : null, maskRowOffsets, out: y, rows, cols });
  const inputs = mask ? [scores, mask] : [scores];
  return record(new Tensor(y, scores.shape), inputs, 'scaledMaskedSoftmax', (g) => {
    const gd = g.data as FloatArray;
    const gScores = allocate(scores.dtype, scores.size) as FloatArray;
    if (!mask?.requiresGrad) {
      kernel('softmaxRowsBackward')({ y, gradY: gd, gradX: gScores, scale, rows, cols });
      return mask ? [new Tensor(gScores, scores.shape), null] : [new Tensor(gScores, scores.shape)];
    }
    const gz = allocate(scores.dtype, scores.size) as FloatArray; // dL/dz, also the mask's gradient before summing
    kernel('softmaxRowsBackward')({ y, gradY: gd, gradX: gz, scale: 1, rows, cols });
    for (let i = 0; i < gz.length; i++) gScores[i] = gz[i] * scale;
    return [new Tensor(gScores, scores.shape), sumToShape(new Tensor(gz, scores.shape), mask.shape)];
  });
}

/**
 * softmax(scale x + mask) over rows on a device (a mask that needs a gradient stays on the host path). The
 * mask's row offsets go up as floats (integers below 2^24 are exact); without a mask one row of zeros does.
 */
function softmaxOnDevice(
  device: TensorDevice,
  op: string,
  x: Tensor,
  scale: number,
  maskInput: Tensor | null,
  mask: { mask: Tensor; rowOffsets: Int32Array } | null,
  rows: number,
  cols: number,
): Tensor {
  const m = mask ? { mask: onDevice(mask.mask, device), maskRow: device.upload(Float32Array.from(mask.rowOffsets)) } : deviceNoMask(device, rows, cols);
  const y = deviceScaledMaskedSoftmax(device, onDevice(x, device), m.mask, m.maskRow, rows, cols, scale);
  const inputs = maskInput ? [x, maskInput] : [x];
  return record(Tensor.onDevice(y, x.shape, x.dtype), inputs, op, (g) => {
    const dx = Tensor.onDevice(deviceSoftmaxBackward(device, y, onDevice(g, device), rows, cols, scale), x.shape, x.dtype);
    return maskInput ? [dx, null] : [dx];
  });
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
