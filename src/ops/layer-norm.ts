/**
 * Layer normalisation over the last dimension, with a fused forward and backward.
 *
 * For each row x of length H:  mu = mean(x),  var = mean((x - mu)^2),  rstd = 1 / sqrt(var + eps),
 *   xhat = (x - mu) * rstd,   y = xhat * weight + bias.
 * Backward, with g = dL/dy and dxhat = g * weight:
 *   dL/dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))
 *   dL/dweight = sum over rows of g * xhat,   dL/dbias = sum over rows of g.
 * A constant row has var = 0 and gives y = bias (eps keeps rstd finite), never NaN.
 */
import { record } from '../autograd/record.ts';
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
  const xd = x.data;
  const w = weight.data;
  const b = bias.data;
  const y = allocate(x.dtype, x.size);
  const xhat = new Float64Array(x.size); // saved for backward
  const rstd = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const o = r * H;
    let mu = 0;
    for (let j = 0; j < H; j++) mu += xd[o + j];
    mu /= H;
    let v = 0;
    for (let j = 0; j < H; j++) {
      const d = xd[o + j] - mu;
      v += d * d;
    }
    const rs = 1 / Math.sqrt(v / H + eps);
    rstd[r] = rs;
    for (let j = 0; j < H; j++) {
      const xh = (xd[o + j] - mu) * rs;
      xhat[o + j] = xh;
      y[o + j] = xh * w[j] + b[j];
    }
  }
  return record(new Tensor(y, x.shape), [x, weight, bias], 'layerNorm', (g) => {
    const gd = g.data;
    const dx = allocate(x.dtype, x.size);
    const dw = new Float64Array(H);
    const db = new Float64Array(H);
    for (let r = 0; r < rows; r++) {
      const o = r * H;
      let meanD = 0;
      let meanDX = 0;
      for (let j = 0; j < H; j++) {
        const d = gd[o + j] * w[j];
        meanD += d;
        meanDX += d * xhat[o + j];
        dw[j] += gd[o + j] * xhat[o + j];
        db[j] += gd[o + j];
      }
      meanD /= H;
      meanDX /= H;
      const rs = rstd[r];
      for (let j = 0; j < H; j++) dx[o + j] = rs * (gd[o + j] * w[j] - meanD - xhat[o + j] * meanDX);
    }
    const gw = allocate(x.dtype, H);
    const gb = allocate(x.dtype, H);
    gw.set(dw);
    gb.set(db);
    return [new Tensor(dx, x.shape), new Tensor(gw, [H]), new Tensor(gb, [H])];
  });
}
