/**
 * Global-norm gradient clipping (torch.nn.utils.clip_grad_norm_):
 *   norm = sqrt(sum over all parameters and elements of g^2)
 *   if norm > maxNorm: every g *= maxNorm / (norm + 1e-6)
 * Clipping the whole gradient vector keeps its direction, only shortening a step that would be too long.
 */
import { dispatch } from '../autograd/dispatch.ts';
import { noGrad } from '../autograd/grad-mode.ts';
import { scale } from '../ops/unary.ts';
import type { Tensor } from '../tensor/tensor.ts';

/**
 * [docs: grad-norm]
 * The global L2 norm of the gradients (parameters without a gradient count as zero). The sum of squares of
 * all of them is one call of the kernel 'sumOfSquares' (gradients g0, g1, ...): gradients held on a GPU are
 * squared and summed there, a few at a time, and the total is read back once.
 */
export function gradNorm(params: Iterable<Tensor>): number {
  const grads: Record<string, Tensor> = {};
  let count = 0;
  for (const p of params) if (p.grad) grads[`g${count++}`] = p.grad;
  if (count === 0) return 0;
  const s = dispatch('sumOfSquares', grads, { count }, sumOfSquaresReference);
  return Math.sqrt(typeof s === 'number' ? s : s.item());
}

/**
 * The reference of kernel 'sumOfSquares': sum over the gradients g0 .. g{count-1}, in order, of sum_i g_i^2,
 * one running sum (a kernel may instead return a one-element tensor of the total).
 */
export function sumOfSquaresReference(grads: Record<string, Tensor | null | undefined>, { count }: { count: number }): number | Tensor {
  let total = 0;
  for (let k = 0; k < count; k++) {
    const g = grads[`g${k}`]!.data;
    for (let i = 0; i < g.length; i++) total += g[i] * g[i];
  }
  return total;
}

/**
 * Scale all gradients so that their global norm is at most `maxNorm`.
 * @returns the norm before clipping (what training logs report). A non-finite norm is returned as is and
 *   the gradients are left untouched, so the caller can stop with a clear message.
 */
export function clipGradNorm(params: Tensor[], maxNorm: number): number {
  const norm = gradNorm(params);
  if (!Number.isFinite(norm)) return norm;
  // [docs: clip-grad-norm] if norm > maxNorm, every g *= maxNorm / (norm + 1e-6): the direction is kept.
  const coef = maxNorm / (norm + 1e-6);
  if (coef < 1) {
    noGrad(() => {
      for (const p of params) if (p.grad) p.grad = scale(p.grad, coef);
    });
  }
  return norm;
}
