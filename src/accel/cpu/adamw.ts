/**
 * The AdamW update of one parameter, in place (the formula, with both conventions, is explained in
 * src/optim/adamw.ts). At step t with learning rate lr:
 *   m = beta1 m + (1 - beta1) g,   v = beta2 v + (1 - beta2) g^2
 *   bias correction (transformers):  p = p (1 - lr wd) - (lr / (1 - beta1^t)) m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 *   original BERT:                   p = p - lr (m / (sqrt(v) + eps) + wd p)
 */
import type { AdamWUpdateArgs } from '../kernels.ts';

export function adamwUpdate({ param: w, grad: g, m, v, lr, beta1, beta2, eps, weightDecay: wd, step: t, biasCorrection }: AdamWUpdateArgs): void {
  if (biasCorrection) {
    const stepSize = lr / (1 - beta1 ** t);
    const sqrtC2 = Math.sqrt(1 - beta2 ** t);
    const decay = 1 - lr * wd;
    for (let i = 0; i < w.length; i++) {
      const gi = g[i];
      m[i] = beta1 * m[i] + (1 - beta1) * gi;
      v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
      w[i] = w[i] * decay - (stepSize * m[i]) / (Math.sqrt(v[i]) / sqrtC2 + eps);
    }
  } else {
    for (let i = 0; i < w.length; i++) {
      const gi = g[i];
      m[i] = beta1 * m[i] + (1 - beta1) * gi;
      v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
      w[i] -= lr * (m[i] / (Math.sqrt(v[i]) + eps) + wd * w[i]);
    }
  }
}
