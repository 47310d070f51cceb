/**
 * Global-norm gradient clipping (torch.nn.utils.clip_grad_norm_):
 *   norm = sqrt(sum over all parameters and elements of g^2)
 *   if norm > maxNorm: every g *= maxNorm / (norm + 1e-6)
 * Clipping the whole gradient vector keeps its direction, only shortening a step that would be too long.
 */
import { dispatch } from '../autograd/dispatch.ts';
import { noGrad } from '../autograd/grad-mode.ts';
import { add } from '../ops/elementwise.ts';
import { scale } from '../ops/unary.ts';
import type { Tensor } from '../tensor/tensor.ts';

/**
 * [docs: grad-norm]
 * The global L2 norm of the gradients (parameters without a gradient count as zero). The sum of squares runs
 * through the kernel 'sumOfSquares': a gradient held on a GPU is squared and summed there, and the totals
 * of such gradients are read back once, at the end.
 */
export function gradNorm(params: Iterable<Tensor>): number {
  let sumSq = 0;
  let heldTotal: Tensor | null = null;
  for (const p of params) {
    if (!p.grad) continue;
    const s = dispatch('sumOfSquares', { x: p.grad }, { runningTotal: sumSq }, sumOfSquaresReference);
    if (typeof s === 'number') sumSq = s;
    else heldTotal = heldTotal === null ? s : noGrad(() => add(heldTotal!, s));
  }
  if (heldTotal !== null) sumSq += heldTotal.item();
  return Math.sqrt(sumSq);
}

/**
 * The reference of kernel 'sumOfSquares': runningTotal + sum_i x_i^2, continuing one running sum over every
 * gradient (a kernel may instead return a one-element tensor of the sum of x's squares alone).
 */
export function sumOfSquaresReference({ x }: { x: Tensor }, { runningTotal }: { runningTotal: number }): number | Tensor {
  const g = x.data;
  let total = runningTotal;
  for (let i = 0; i < g.length; i++) total += g[i] * g[i];
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
