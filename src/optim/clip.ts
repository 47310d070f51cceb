/**
 * Global-norm gradient clipping (torch.nn.utils.clip_grad_norm_):
 *   norm = sqrt(sum over all parameters and elements of g^2)
 *   if norm > maxNorm: every g *= maxNorm / (norm + 1e-6)
 * Clipping the whole gradient vector keeps its direction, only shortening a step that would be too long.
 */
import { Tensor } from '../tensor/tensor.ts';

/** The global L2 norm of the gradients (parameters without a gradient count as zero). */
export function gradNorm(params: Iterable<Tensor>): number {
  let sumSq = 0;
  for (const p of params) {
    const g = p.grad?.data;
    if (!g) continue;
    for (let i = 0; i < g.length; i++) sumSq += g[i] * g[i];
  }
  return Math.sqrt(sumSq);
}

/**
 * Scale all gradients so that their global norm is at most `maxNorm`.
 * @returns the norm before clipping (what training logs report). A non-finite norm is returned as is and
 *   the gradients are left untouched, so the caller can stop with a clear message.
 */
export function clipGradNorm(params: Tensor[], maxNorm: number): number {
  const norm = gradNorm(params);
  if (!Number.isFinite(norm)) return norm;
  const coef = maxNorm / (norm + 1e-6);
  if (coef < 1) {
    for (const p of params) {
      if (!p.grad) continue;
      const scaled = p.grad.data.slice();
      for (let i = 0; i < scaled.length; i++) scaled[i] *= coef;
      p.grad = new Tensor(scaled, p.grad.shape);
    }
  }
  return norm;
}
