/**
 * LayerNorm kernels. For each row x of length H:
 *   mu = mean(x),  var = mean((x - mu)^2),  rstd = 1 / sqrt(var + eps),  xhat = (x - mu) * rstd,
 *   out = xhat * weight + bias
 * Backward, with g = dL/dout and d = g * weight:
 *   gradX = rstd * (d - mean(d) - xhat * mean(d * xhat)),  gradWeight += sum_rows g * xhat,  gradBias += sum_rows g
 *
 * Only mean and rstd (two float64 per row) are kept for the backward, which recomputes xhat = (x - mu) * rstd
 * from x: the same float64 operations on the same operands as the forward, so the same values as storing
 * xhat would give, without writing and re-reading a float64 array as large as x.
 */
import type { LayerNormArgs, LayerNormBackwardArgs } from '../kernels.ts';

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
