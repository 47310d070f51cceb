/**
 * GELU kernels, exact (erf) form, optionally with a bias added first (a Linear layer's bias feeding the
 * activation, so that x + bias needs no pass and no array of its own):
 *   forward   h = x + bias[j],  out = gelu(h) = h * Phi(h) = h/2 * (1 + erf(h / sqrt 2))
 *   backward  gradX = gradOut * gelu'(h),  gelu'(h) = Phi(h) + h * phi(h),  phi(h) = exp(-h^2/2) / sqrt(2 pi)
 *             gradBias[j] += sum over rows of gradX[., j]
 * float64 arrays use scalar-math.ts's exact erf (gradients are checked against finite differences there);
 * float32 arrays use erf-float32.ts's rational approximation, exact to float32 precision and about ten times
 * faster. The unfused ops go through these same kernels, so fused and unfused results agree bit for bit.
 *
 * These are the single-threaded loops, over a range of elements so that threads can share an array
 * (gelu-threaded.ts splits big arrays; every element is computed the same way whoever computes it).
 */
import { geluDerivativeFloat32, geluFloat32 } from '../../tensor/erf-float32.ts';
import { gelu, geluDerivative } from '../../tensor/scalar-math.ts';
import type { FloatArray, GeluArgs, GeluBackwardArgs } from '../kernels.ts';

/**
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
    for (let e = start; e < end; e++) out[e] = gelu(x[e]);
    return;
  }
  for (let e = start, j = start % cols; e < end; e++) {
    out[e] = x[e] + bias[j];
    out[e] = gelu(out[e]);
    if (++j === cols) j = 0;
  }
}

/** gradX[e] = gradOut[e] * gelu'(x[e] + bias[e % cols]) for e in [start, end), h rounded as in the forward. */
export function geluBackwardRange(x: FloatArray, bias: FloatArray | null, gradOut: FloatArray, gradX: FloatArray, cols: number, start: number, end: number): void {
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
function geluBackwardRangeFloat32(x: FloatArray, bias: FloatArray | null, gradOut: FloatArray, gradX: Float32Array, cols: number, start: number, end: number): void {
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

/** The gelu kernel on one thread. */
export function geluForwardSerial({ x, bias, out, cols }: GeluArgs): void {
  geluRange(x, bias, out, cols, 0, x.length);
}

/** The geluBackward kernel on one thread. */
export function geluBackwardSerial({ x, bias, gradOut, gradX, gradBias, cols }: GeluBackwardArgs): void {
  geluBackwardRange(x, bias, gradOut, gradX, cols, 0, x.length);
  if (gradBias) addColumnSums(gradX, gradBias, cols);
}
