/**
 * softmax and logSoftmax along an axis, numerically stable (the row maximum is subtracted first).
 *
 * For y = softmax(x) along a row: dy_i/dx_j = y_i (delta_ij - y_j), so
 *   dL/dx = y * (g - sum_j g_j y_j).
 * For z = logSoftmax(x) = x - logsumexp(x): dL/dx = g - softmax(x) * sum_j g_j.
 */
import { record } from '../autograd/record.ts';
import { kernel } from '../backend/registry.ts';
import type { FloatArray } from '../backend/kernels.ts';
import { allocate } from '../tensor/dtype.ts';
import { normalizeAxis } from '../tensor/shape.ts';
import { Tensor } from '../tensor/tensor.ts';
import { assertFloat } from './checks.ts';
import { transpose } from './shape.ts';

/** Run a last-axis function on any axis by swapping that axis to the end and back. */
function onAxis(x: Tensor, axis: number, op: string, lastAxisFn: (t: Tensor) => Tensor): Tensor {
  const a = normalizeAxis(axis, x.rank, op);
  if (a === x.rank - 1) return lastAxisFn(x);
  return transpose(lastAxisFn(transpose(x, a, -1)), a, -1);
}

/** softmax(x)_i = exp(x_i - max x) / sum_j exp(x_j - max x) along `axis` (default last). */
export function softmax(x: Tensor, axis = -1): Tensor {
  assertFloat('softmax', x);
  if (x.rank === 0) throw new Error('softmax: expected a tensor of rank >= 1, got a scalar');
  return onAxis(x, axis, 'softmax', softmaxLast);
}

function softmaxLast(x: Tensor): Tensor {
  const cols = x.shape[x.rank - 1];
  const rows = cols === 0 ? 0 : x.size / cols;
  const y = allocate(x.dtype, x.size) as FloatArray;
  kernel('softmaxRows')(x.data as FloatArray, y, rows, cols);
  return record(new Tensor(y, x.shape), [x], 'softmax', (g) => {
    const gd = g.data;
    const dx = allocate(x.dtype, x.size);
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      let dot = 0;
      for (let j = 0; j < cols; j++) dot += gd[o + j] * y[o + j];
      for (let j = 0; j < cols; j++) dx[o + j] = y[o + j] * (gd[o + j] - dot);
    }
    return [new Tensor(dx, x.shape)];
  });
}

/** logSoftmax(x)_i = x_i - max x - log sum_j exp(x_j - max x) along `axis` (default last). */
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
