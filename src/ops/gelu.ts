/**
 * GELU, exact (erf) form, optionally with a bias added first (a Linear layer's bias feeding the activation,
 * so that x + bias needs no pass and no array of its own):
 *   forward   h = x + bias[j],  out = gelu(h) = h * Phi(h) = h/2 * (1 + erf(h / sqrt 2))
 *   backward  gradX = gradOut * gelu'(h),  gelu'(h) = Phi(h) + h * phi(h),  phi(h) = exp(-h^2/2) / sqrt(2 pi)
 *             gradBias[j] += sum over rows of gradX[., j]
 * float64 arrays use tensor/scalar-math.ts's exact erf (gradients are checked against finite differences
 * there); float32 arrays use erf-float32.ts's rational approximation, exact to float32 precision and about
 * ten times faster. gelu and biasGelu both run these loops, so fused and unfused results agree bit for bit.
 *
 * The op is the kernel 'gelu' (autograd/dispatch.ts). The loops work on a range of elements, so that the
 * speed layer can share one array between threads, every element computed the same way whoever computes it.
 */
import { dispatch } from '../autograd/dispatch.ts';
import { recordResult, type OpResult } from '../autograd/record.ts';
import { allocate } from '../tensor/dtype.ts';
import { gelu as geluScalar, geluDerivative } from '../tensor/scalar-math.ts';
import { shapeToString } from '../tensor/shape.ts';
import { Tensor } from '../tensor/tensor.ts';
import { assertFloat, assertSameDType } from './checks.ts';
import { geluDerivativeFloat32, geluFloat32 } from './erf-float32.ts';
import type { FloatArray } from './matmul.ts';

/** GELU, exact erf form: x * Phi(x). d/dx = Phi(x) + x phi(x). */
export function gelu(x: Tensor): Tensor {
  assertFloat('gelu', x);
  return recordResult(dispatch('gelu', { x, bias: null }, null, geluReference), [x], 'gelu');
}

/**
 * gelu(x + bias), fused: a Linear layer's bias and the activation in one pass, with no x + bias array.
 * Equal bit for bit to gelu(add(x, bias)); the bias gradient is summed in float64.
 * @param x [..., H]
 * @param bias [H]
 * @returns [..., H]
 */
export function biasGelu(x: Tensor, bias: Tensor): Tensor {
  assertFloat('biasGelu', x);
  assertSameDType('biasGelu', x, bias);
  const H = x.rank === 0 ? 0 : x.shape[x.rank - 1];
  if (x.rank === 0 || bias.rank !== 1 || bias.shape[0] !== H) {
    throw new Error(`biasGelu: expected x [..., H] and bias [H], got x ${shapeToString(x.shape)} and bias ${shapeToString(bias.shape)}`);
  }
  return recordResult(dispatch('gelu', { x, bias }, null, geluReference), [x, bias], 'biasGelu');
}

/** The reference of kernel 'gelu': gelu(x + bias) (no bias: gelu(x)) with the loops below, on one thread. */
export function geluReference({ x, bias }: { x: Tensor; bias: Tensor | null }): OpResult {
  return geluWithLoops(x, bias, geluLoops, geluBackwardLoops);
}

/**
 * gelu(x + bias) and its backward computed by the given whole-array loops (the reference's, or the speed
 * layer's threaded ones, which must give the same values). The backward returns [dx] without a bias, else
 * [dx, dbias].
 */
export function geluWithLoops(x: Tensor, bias: Tensor | null, forward: (args: GeluArgs) => void, backwardLoops: (args: GeluBackwardArgs) => void): OpResult {
  const cols = bias ? bias.size : Math.max(1, x.size);
  const xd = x.data as FloatArray;
  const bd = bias ? (bias.data as FloatArray) : null;
  const out = allocate(x.dtype, x.size) as FloatArray;
  if (x.size > 0) forward({ x: xd, bias: bd, out, cols });
  const backward = (g: Tensor): (Tensor | null)[] => {
    const dx = allocate(x.dtype, x.size) as FloatArray;
    const dbias = bias?.requiresGrad ? new Float64Array(cols) : null;
    if (x.size > 0) backwardLoops({ x: xd, bias: bd, gradOut: g.data as FloatArray, gradX: dx, gradBias: dbias, cols });
    const gx = x.requiresGrad ? new Tensor(dx, x.shape) : null;
    if (!bias) return [gx];
    let gb: Tensor | null = null;
    if (dbias) {
      const gbData = allocate(x.dtype, cols);
      gbData.set(dbias);
      gb = new Tensor(gbData, bias.shape);
    }
    return [gx, gb];
  };
  return { output: new Tensor(out, x.shape), backward };
}

/** The arrays of the forward loops: out[i] = gelu(x[i] + bias[i % cols]); bias null means none. */
export interface GeluArgs {
  x: FloatArray;
  bias: FloatArray | null;
  out: FloatArray;
  /** Length of a row (the bias length; any positive divisor of x.length without a bias). */
  cols: number;
}

/** The arrays of the backward loops: gradX = gradOut * gelu'(x + bias); gradBias (float64 [cols], when given) += column sums. */
export interface GeluBackwardArgs {
  x: FloatArray;
  bias: FloatArray | null;
  gradOut: FloatArray;
  gradX: FloatArray;
  gradBias: Float64Array | null;
  cols: number;
}

/**
 * [docs: gelu-forward]
 * out[e] = gelu(x[e] + bias[e % cols]) for e in [start, end) (no bias: gelu(x[e])).
 * x + bias is first stored in `out`, which rounds it to the array's precision exactly as a separate add op
 * would, so the fused result equals gelu(add(x, bias)) bit for bit.
 */
export function geluRange(x: FloatArray, bias: FloatArray | null, out: FloatArray, cols: number, start: number, end: number): void {
  if (out instanceof Float32Array) {
    geluRangeFloat32(x, bias, out, cols, start, end);
    return;
  }
  if (!bias) {
    for (let e = start; e < end; e++) out[e] = geluScalar(x[e]);
    return;
  }
  for (let e = start, j = start % cols; e < end; e++) {
    out[e] = x[e] + bias[j];
    out[e] = geluScalar(out[e]);
    if (++j === cols) j = 0;
  }
}

/** gradX[e] = gradOut[e] * gelu'(x[e] + bias[e % cols]) for e in [start, end), h rounded as in the forward. [docs: gelu-backward] */
export function geluBackwardRange(
  x: FloatArray,
  bias: FloatArray | null,
  gradOut: FloatArray,
  gradX: FloatArray,
  cols: number,
  start: number,
  end: number,
): void {
  if (gradX instanceof Float32Array) {
    geluBackwardRangeFloat32(x, bias, gradOut, gradX, cols, start, end);
    return;
  }
  if (!bias) {
    for (let e = start; e < end; e++) gradX[e] = gradOut[e] * geluDerivative(x[e]);
    return;
  }
  for (let e = start, j = start % cols; e < end; e++) {
    gradX[e] = x[e] + bias[j];
    gradX[e] = gradOut[e] * geluDerivative(gradX[e]);
    if (++j === cols) j = 0;
  }
}

/** geluRange for float32 arrays: the same loop with geluFloat32 (a loop of its own keeps each call site monomorphic). */
function geluRangeFloat32(x: FloatArray, bias: FloatArray | null, out: Float32Array, cols: number, start: number, end: number): void {
  if (!bias) {
    for (let e = start; e < end; e++) out[e] = geluFloat32(x[e]);
    return;
  }
  for (let e = start, j = start % cols; e < end; e++) {
    out[e] = x[e] + bias[j];
    out[e] = geluFloat32(out[e]);
    if (++j === cols) j = 0;
  }
}

/** geluBackwardRange for float32 arrays, with geluDerivativeFloat32. */
function geluBackwardRangeFloat32(
  x: FloatArray,
  bias: FloatArray | null,
  gradOut: FloatArray,
  gradX: Float32Array,
  cols: number,
  start: number,
  end: number,
): void {
  if (!bias) {
    for (let e = start; e < end; e++) gradX[e] = gradOut[e] * geluDerivativeFloat32(x[e]);
    return;
  }
  for (let e = start, j = start % cols; e < end; e++) {
    gradX[e] = x[e] + bias[j];
    gradX[e] = gradOut[e] * geluDerivativeFloat32(gradX[e]);
    if (++j === cols) j = 0;
  }
}

/** gradBias[j] += sum over rows of g[., j] for g [rows, cols], rows in order (one thread: a fixed order). */
export function addColumnSums(g: FloatArray, gradBias: Float64Array, cols: number): void {
  for (let o = 0; o < g.length; o += cols) for (let j = 0; j < cols; j++) gradBias[j] += g[o + j];
}

/** out = gelu(x + bias) over the whole array, on one thread. */
export function geluLoops({ x, bias, out, cols }: GeluArgs): void {
  geluRange(x, bias, out, cols, 0, x.length);
}

/** gradX = gradOut * gelu'(x + bias), gradBias += its column sums, over the whole array, on one thread. */
export function geluBackwardLoops({ x, bias, gradOut, gradX, gradBias, cols }: GeluBackwardArgs): void {
  geluBackwardRange(x, bias, gradOut, gradX, cols, 0, x.length);
  if (gradBias) addColumnSums(gradX, gradBias, cols);
}
