/**
 * Layer normalisation over the last dimension, with a fused forward and backward.
 *
 * For each row x of length H:  mu = mean(x),  var = mean((x - mu)^2),  rstd = 1 / sqrt(var + eps),
 *   xhat = (x - mu) * rstd,   y = xhat * weight + bias.
 * Backward, with g = dL/dy and dxhat = g * weight:
 *   dL/dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))
 *   dL/dweight = sum over rows of g * xhat,   dL/dbias = sum over rows of g.
 * A constant row has var = 0 and gives y = bias (eps keeps rstd finite), never NaN.
 * The loops are the kernels layerNormForward / layerNormBackward (src/accel/cpu/layer-norm.ts).
 */
import { record } from '../autograd/record.ts';
import type { FloatArray } from '../accel/kernels.ts';
import { deviceLayerNorm, deviceLayerNormBackward, deviceOf, onDevice, type TensorDevice } from '../accel/device.ts';
import { kernel } from '../accel/registry.ts';
import '../accel/cpu/index.ts'; // registers the cpu kernels, every backend's fallback, when imported directly
import { allocate } from '../tensor/dtype.ts';
import { shapeToString } from '../tensor/shape.ts';
import { Tensor } from '../tensor/tensor.ts';
import { assertFloat, assertMinRank, assertSameDType } from './checks.ts';

/**
 * @param x [..., H]
 * @param weight [H] (gamma)
 * @param bias [H] (beta)
 * @param eps added to the variance (BERT: 1e-12)
 * @returns [..., H]
 */
export function layerNorm(x: Tensor, weight: Tensor, bias: Tensor, eps = 1e-12): Tensor {
  assertFloat('layerNorm', x);
  assertMinRank('layerNorm', x, 1);
  assertSameDType('layerNorm', x, weight);
  assertSameDType('layerNorm', x, bias);
  const H = x.shape[x.rank - 1];
  if (weight.rank !== 1 || weight.shape[0] !== H || bias.rank !== 1 || bias.shape[0] !== H) {
    throw new Error(`layerNorm: weight ${shapeToString(weight.shape)} and bias ${shapeToString(bias.shape)} must both be [${H}] for input ${shapeToString(x.shape)}`);
  }
  const rows = H === 0 ? 0 : x.size / H;
  const device = rows > 0 ? deviceOf(x, weight) ?? deviceOf(bias) : null;
  if (device) return layerNormOnDevice(device, x, weight, bias, rows, H, eps);
  const y = allocate(x.dtype, x.size) as FloatArray;
  const mean = new Float64Array(rows); // saved for backward, with rstd (the kernel recomputes xhat from them)
  const rstd = new Float64Array(rows);
  const xd = x.data as FloatArray;
  const w = weight.data as FloatArray;
  kernel('layerNormForward')({ x: xd, weight: w, bias: bias.data as FloatArray, out: y, mean, rstd, rows, cols: H, eps });
  return record(new Tensor(y, x.shape), [x, weight, bias], 'layerNorm', (g) => {
    const dx = allocate(x.dtype, x.size) as FloatArray;
    const dw = new Float64Array(H);
    const db = new Float64Array(H);
    kernel('layerNormBackward')({ x: xd, weight: w, gradOut: g.data as FloatArray, mean, rstd, gradX: dx, gradWeight: dw, gradBias: db, rows, cols: H });
    const gw = allocate(x.dtype, H);
    const gb = allocate(x.dtype, H);
    gw.set(dw);
    gb.set(db);
    return [new Tensor(dx, x.shape), new Tensor(gw, [H]), new Tensor(gb, [H])];
  });
}

/** layerNorm with its input on a device: the statistics, the output and every gradient computed there. */
function layerNormOnDevice(device: TensorDevice, x: Tensor, weight: Tensor, bias: Tensor, rows: number, H: number, eps: number): Tensor {
  const xs = onDevice(x, device);
  const ws = onDevice(weight, device);
  const { y, stats } = deviceLayerNorm(device, xs, ws, onDevice(bias, device), rows, H, eps);
  return record(Tensor.onDevice(y, x.shape, x.dtype), [x, weight, bias], 'layerNorm', (g) => {
    const { dx, dw, db } = deviceLayerNormBackward(device, xs, ws, onDevice(g, device), stats, rows, H);
    return [Tensor.onDevice(dx, x.shape, x.dtype), Tensor.onDevice(dw, [H], x.dtype), Tensor.onDevice(db, [H], x.dtype)];
  });
}
