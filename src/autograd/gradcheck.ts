/**
 * Gradient checking by central finite differences, in float64.
 *
 * For a scalar function f of tensors, the analytic gradient from backward() must agree with
 *   df/dx_i ~ (f(x + h e_i) - f(x - h e_i)) / (2h)
 * whose error is O(h^2). Non-scalar outputs are reduced to a scalar with fixed random weights
 * (f -> sum(w * f(x))), which tests every output's gradient at once.
 */
import { Tensor } from '../tensor/tensor.ts';
import { noGrad } from './grad-mode.ts';
import { backward } from './backward.ts';

export interface GradcheckOptions {
  /** Step h. Default 1e-6. */
  eps?: number;
  /** Pass when |analytic - numeric| <= atol + rtol * |numeric| for every element. Defaults 1e-6 and 1e-6. */
  atol?: number;
  rtol?: number;
  /** Weights for non-scalar outputs are drawn from this seed. */
  seed?: number;
}

export interface GradcheckResult {
  ok: boolean;
  /** Largest |analytic - numeric| / (atol + rtol * |numeric|); <= 1 passes. */
  worstRatio: number;
  /** Where the worst element is, readable. */
  worst: string;
}

/** Weights w in [0.5, 1.5) from a small deterministic generator (no need for seedrandom here). [docs: gradcheck-weights] */
function weightsFor(size: number, seed: number): Float64Array {
  const w = new Float64Array(size);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    w[i] = 0.5 + s / 2 ** 32;
  }
  return w;
}

/**
 * Compare backward() with central differences for every element of every float64 input that requires a
 * gradient. `fn` must be deterministic (no dropout) and build a fresh graph on each call.
 */
export function gradcheck(fn: (...inputs: Tensor[]) => Tensor, inputs: Tensor[], opts: GradcheckOptions = {}): GradcheckResult {
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-6;
  const rtol = opts.rtol ?? 1e-6;
  for (const [i, t] of inputs.entries()) {
    if (t.requiresGrad && t.dtype !== 'float64') throw new Error(`gradcheck: input ${i} must be float64 to be checked, got ${t.dtype}`);
  }
  let weights: Float64Array | null = null;
  const scalarOf = (out: Tensor): number => {
    if (out.size === 1) return out.data[0];
    weights ??= weightsFor(out.size, opts.seed ?? 7);
    let s = 0;
    for (let i = 0; i < out.size; i++) s += weights[i] * out.data[i];
    return s;
  };

  for (const t of inputs) t.grad = null;
  const out = fn(...inputs);
  if (out.dtype !== 'float64') throw new Error(`gradcheck: the function must return float64, got ${out.dtype}`);
  if (!out.requiresGrad) throw new Error('gradcheck: the output does not depend on any input that requires a gradient');
  const w = out.size === 1 ? null : (weights ??= weightsFor(out.size, opts.seed ?? 7));
  backward(out, w ? new Tensor(Float64Array.from(w), out.shape) : undefined);

  let worstRatio = 0;
  let worst = 'none';
  noGrad(() => {
    inputs.forEach((t, ti) => {
      if (!t.requiresGrad) return;
      const analytic = t.grad?.data ?? new Float64Array(t.size);
      for (let i = 0; i < t.size; i++) {
        const orig = t.data[i];
        t.data[i] = orig + eps;
        const plus = scalarOf(fn(...inputs));
        t.data[i] = orig - eps;
        const minus = scalarOf(fn(...inputs));
        t.data[i] = orig;
        // [docs: gradcheck-central-difference] numeric = (f(x + h e_i) - f(x - h e_i)) / 2h; pass if the ratio <= 1.
        const numeric = (plus - minus) / (2 * eps);
        const ratio = Math.abs(analytic[i] - numeric) / (atol + rtol * Math.abs(numeric));
        if (!(ratio <= worstRatio)) {
          worstRatio = Number.isNaN(ratio) ? Infinity : ratio;
          worst = `input ${ti} element ${i}: analytic ${analytic[i]}, numeric ${numeric}`;
        }
      }
    });
  });
  return { ok: worstRatio <= 1, worstRatio, worst };
}
