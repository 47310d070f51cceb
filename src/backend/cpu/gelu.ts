/**
 * GELU kernels, exact (erf) form, optionally with a bias added first (a Linear layer's bias feeding the
 * activation, so that x + bias needs no pass and no array of its own):
 *   forward   h = x + bias[j],  out = gelu(h) = h * Phi(h) = h/2 * (1 + erf(h / sqrt 2))
 *   backward  gradX = gradOut * gelu'(h),  gelu'(h) = Phi(h) + h * phi(h),  phi(h) = exp(-h^2/2) / sqrt(2 pi)
 *             gradBias[j] += sum over rows of gradX[., j]
 * The scalar functions are scalar-math.ts's, so the results equal the unfused ops' bit for bit.
 * (Unrolling erf's polynomials by hand was measured and bought nothing: V8 already does as well.)
 */
import { gelu, geluDerivative } from '../../tensor/scalar-math.ts';
import type { GeluArgs, GeluBackwardArgs } from '../kernels.ts';

/**
 * out[i] = gelu(x[i] + bias[i % cols]) (no bias: gelu(x[i])).
 * x + bias is first stored in `out`, which rounds it to the array's precision exactly as a separate add op
 * would, so the fused result equals gelu(add(x, bias)) bit for bit.
 */
export function geluForward({ x, bias, out, cols }: GeluArgs): void {
  const size = x.length;
  if (!bias) {
    for (let i = 0; i < size; i++) out[i] = gelu(x[i]);
    return;
  }
  for (let o = 0; o < size; o += cols) {
    for (let j = 0; j < cols; j++) {
      out[o + j] = x[o + j] + bias[j];
      out[o + j] = gelu(out[o + j]);
    }
  }
}

/** gradX = gradOut * gelu'(x + bias) (h rounded as in the forward); gradBias (float64 [cols]) += column sums. */
export function geluBackward({ x, bias, gradOut, gradX, gradBias, cols }: GeluBackwardArgs): void {
  const size = x.length;
  if (!bias) {
    for (let i = 0; i < size; i++) gradX[i] = gradOut[i] * geluDerivative(x[i]);
  } else {
    for (let o = 0; o < size; o += cols) {
      for (let j = 0; j < cols; j++) {
        gradX[o + j] = x[o + j] + bias[j];
        gradX[o + j] = gradOut[o + j] * geluDerivative(gradX[o + j]);
      }
    }
  }
  if (gradBias) {
    for (let o = 0; o < size; o += cols) for (let j = 0; j < cols; j++) gradBias[j] += gradX[o + j];
  }
}
