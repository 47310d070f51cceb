/**
 * Layer normalisation over the last dimension, with a fused forward and backward.
 *
 * For each row x of length H:  mu = mean(x),  var = mean((x - mu)^2),  rstd = 1 / sqrt(var + eps),
 *   xhat = (x - mu) * rstd,   y = xhat * weight + bias.
 * Backward, with g = dL/dy and dxhat = g * weight:
 *   dL/dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))
 *   dL/dweight = sum over rows of g * xhat,   dL/dbias = sum over rows of g.
 * A constant row has var = 0 and gives y = bias (eps keeps rstd finite), never NaN.
 *
 * Only mean and rstd (two float64 per row) are kept for the backward, which recomputes xhat = (x - mu) * rstd
 * from x: the same float64 operations on the same operands as the forward, so the same values as storing
 * xhat would give, without writing and re-reading a float64 array as large as x.
 * The op is the kernel 'layerNorm' (autograd/dispatch.ts); its reference and the row loops are below (a
 * backend may pass its own loops to layerNormWithLoops).
 */
import { dispatch } from '../autograd/dispatch.ts';
import { recordResult, type OpResult } from '../autograd/record.ts';
import { allocate } from '../tensor/dtype.ts';
import { shapeToString } from '../tensor/shape.ts';
import { Tensor } from '../tensor/tensor.ts';
import { assertFloat, assertMinRank, assertSameDType } from './checks.ts';
import type { FloatArray } from './matmul.ts';

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
    throw new Error(
      `layerNorm: weight ${shapeToString(weight.shape)} and bias ${shapeToString(bias.shape)} must both be [${H}] for input ${shapeToString(x.shape)}`,
    );
  }
  const rows = H === 0 ? 0 : x.size / H;
  return recordResult(dispatch('layerNorm', { x, weight, bias }, { rows, cols: H, eps }, layerNormReference), [x, weight, bias], 'layerNorm');
}

/** The reference of kernel 'layerNorm': y, and the backward from the saved row statistics. */
export function layerNormReference(inputs: { x: Tensor; weight: Tensor; bias: Tensor }, attrs: { rows: number; cols: number; eps: number }): OpResult {
  return layerNormWithLoops(inputs, attrs, layerNormForward, layerNormBackward);
}

/**
 * Kernel 'layerNorm' with the row loops given: the reference passes layerNormForward and layerNormBackward;
 * a backend may pass faster loops with the same contracts (LayerNormArgs, LayerNormBackwardArgs).
 */
export function layerNormWithLoops(
  { x, weight, bias }: { x: Tensor; weight: Tensor; bias: Tensor },
  { rows, cols, eps }: { rows: number; cols: number; eps: number },
  forwardRows: (args: LayerNormArgs) => void,
  backwardRows: (args: LayerNormBackwardArgs) => void,
): OpResult {
  const y = allocate(x.dtype, x.size) as FloatArray;
  const mean = new Float64Array(rows);
  const rstd = new Float64Array(rows);
  const xd = x.data as FloatArray;
  const w = weight.data as FloatArray;
  forwardRows({ x: xd, weight: w, bias: bias.data as FloatArray, out: y, mean, rstd, rows, cols, eps });
  const backward = (g: Tensor): Tensor[] => {
    const dx = allocate(x.dtype, x.size) as FloatArray;
    const dw = new Float64Array(cols);
    const db = new Float64Array(cols);
    backwardRows({ x: xd, weight: w, gradOut: g.data as FloatArray, mean, rstd, gradX: dx, gradWeight: dw, gradBias: db, rows, cols });
    const gw = allocate(x.dtype, cols);
    const gb = allocate(x.dtype, cols);
    gw.set(dw);
    gb.set(db);
    return [new Tensor(dx, x.shape), new Tensor(gw, [cols]), new Tensor(gb, [cols])];
  };
  return { output: new Tensor(y, x.shape), backward };
}

/** x, out [rows, cols]; weight, bias [cols]; mean, rstd [rows] (written, for the backward). */
export interface LayerNormArgs {
  x: FloatArray;
  weight: FloatArray;
  bias: FloatArray;
  out: FloatArray;
  mean: Float64Array;
  rstd: Float64Array;
  rows: number;
  cols: number;
  eps: number;
}

/** out = (x - mean) * rstd * weight + bias for each row, writing mean and rstd per row. [docs: layer-norm-forward] */
export function layerNormForward({ x, weight, bias, out, mean, rstd, rows, cols, eps }: LayerNormArgs): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let mu = 0;
    for (let j = 0; j < cols; j++) mu += x[o + j];
    mu /= cols;
    let v = 0;
    for (let j = 0; j < cols; j++) {
      const d = x[o + j] - mu;
      v += d * d;
    }
    const rs = 1 / Math.sqrt(v / cols + eps);
    mean[r] = mu;
    rstd[r] = rs;
    for (let j = 0; j < cols; j++) out[o + j] = (x[o + j] - mu) * rs * weight[j] + bias[j];
  }
}

/** gradX [rows, cols] is overwritten; gradWeight and gradBias (float64 [cols]) are added to. */
export interface LayerNormBackwardArgs {
  x: FloatArray;
  weight: FloatArray;
  gradOut: FloatArray;
  mean: Float64Array;
  rstd: Float64Array;
  gradX: FloatArray;
  gradWeight: Float64Array;
  gradBias: Float64Array;
  rows: number;
  cols: number;
}

/**
 * [docs: layer-norm-backward]
 * gradX = rstd * (d - mean(d) - xhat * mean(d * xhat)) with d = g * weight, for each row;
 * gradWeight += sum over rows of g * xhat, gradBias += sum over rows of g.
 */
export function layerNormBackward({ x, weight, gradOut, mean, rstd, gradX, gradWeight, gradBias, rows, cols }: LayerNormBackwardArgs): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const mu = mean[r];
    const rs = rstd[r];
    let meanD = 0;
    let meanDX = 0;
    for (let j = 0; j < cols; j++) {
      const g = gradOut[o + j];
      const xhat = (x[o + j] - mu) * rs;
      const d = g * weight[j];
      meanD += d;
      meanDX += d * xhat;
      gradWeight[j] += g * xhat;
      gradBias[j] += g;
    }
    meanD /= cols;
    meanDX /= cols;
    for (let j = 0; j < cols; j++) {
      const xhat = (x[o + j] - mu) * rs;
      gradX[o + j] = rs * (gradOut[o + j] * weight[j] - meanD - xhat * meanDX);
    }
  }
}
