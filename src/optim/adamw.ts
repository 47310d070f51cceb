/**
 * Adam with decoupled weight decay (AdamW), with Hugging Face's conventions, and the original BERT
 * optimizer (google-research/bert's AdamWeightDecayOptimizer) as an option.
 *
 * For each parameter p with gradient g, at step t (counting from 1), learning rate lr:
 *   m = beta1 m + (1 - beta1) g                 first moment (running mean of g)
 *   v = beta2 v + (1 - beta2) g^2               second moment (running mean of g^2)
 * AdamW (PyTorch / transformers, biasCorrection = true):
 *   p = p - lr * wd * p                         decoupled weight decay, applied to the weights directly
 *   p = p - lr * mhat / (sqrt(vhat) + eps)      with mhat = m / (1 - beta1^t), vhat = v / (1 - beta2^t)
 * Original BERT (biasCorrection = false):
 *   p = p - lr * (m / (sqrt(v) + eps) + wd * p)
 *
 * Weight decay is skipped for biases and LayerNorm weights (`decays(name)`), as both reference
 * implementations do: shrinking a bias or a normalisation gain toward 0 does not regularise anything useful.
 */
import { dispatch } from '../autograd/dispatch.ts';
import type { FloatArray } from '../ops/matmul.ts';
import { Tensor } from '../tensor/tensor.ts';

export interface AdamWOptions {
  /** Base learning rate; a schedule may scale it per step (see `step(lr)`). Default 1e-3. */
  lr?: number;
  betas?: [number, number];
  /** Added to sqrt(v) to avoid division by zero. Default 1e-6 (BERT's value; PyTorch defaults to 1e-8). */
  eps?: number;
  /** Decoupled weight decay coefficient. Default 0.01. */
  weightDecay?: number;
  /** true: PyTorch/transformers AdamW; false: the original BERT optimizer without bias correction. */
  biasCorrection?: boolean;
  /** Whether the parameter of this name is decayed. Default: not biases, not LayerNorm weights. */
  decays?: (name: string) => boolean;
}

/** The default no-decay rule: names ending in "bias" or containing "LayerNorm.weight". [docs: adamw-no-decay] */
export function defaultDecays(name: string): boolean {
  return !(name.endsWith('bias') || name.includes('LayerNorm.weight'));
}

/** What a checkpoint stores to resume the optimizer exactly. */
export interface AdamWState {
  step: number;
  /** Per parameter name: first and second moments. */
  moments: Record<string, { m: Float32Array | Float64Array; v: Float32Array | Float64Array }>;
}

export class AdamW {
  readonly params: [string, Tensor][];
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly biasCorrection: boolean;
  private readonly decays: (name: string) => boolean;
  /** Number of steps taken so far. */
  stepCount = 0;
  /**
   * The first and second moments of each parameter, as tensors of its shape: the update kernel may return
   * new ones held where it computed them (the speed layer keeps a GPU's there between steps).
   */
  private m = new Map<string, Tensor>();
  private v = new Map<string, Tensor>();

  /** @param params [name, parameter] pairs, e.g. `model.namedParameters()`. */
  constructor(params: [string, Tensor][], opts: AdamWOptions = {}) {
    this.params = params;
    this.lr = opts.lr ?? 1e-3;
    [this.beta1, this.beta2] = opts.betas ?? [0.9, 0.999];
    this.eps = opts.eps ?? 1e-6;
    this.weightDecay = opts.weightDecay ?? 0.01;
    this.biasCorrection = opts.biasCorrection ?? true;
    this.decays = opts.decays ?? defaultDecays;
    for (const [name, p] of params) {
      if (p.dtype === 'int32') throw new Error(`AdamW: parameter ${name} is int32; only float parameters can be optimised`);
      const Ctor = p.dtype === 'float64' ? Float64Array : Float32Array;
      this.m.set(name, new Tensor(new Ctor(p.size), p.shape));
      this.v.set(name, new Tensor(new Ctor(p.size), p.shape));
    }
  }

  /**
   * One update of every parameter that has a gradient, in place.
   * @param lr the learning rate for this step (a schedule's value); defaults to the base rate.
   */
  step(lr = this.lr): void {
    this.stepCount++;
    for (const [name, p] of this.params) {
      if (!p.grad) continue;
      const attrs: AdamWUpdateAttrs = {
        lr,
        beta1: this.beta1,
        beta2: this.beta2,
        eps: this.eps,
        weightDecay: this.decays(name) ? this.weightDecay : 0,
        step: this.stepCount,
        biasCorrection: this.biasCorrection,
      };
      const moments = dispatch('adamwUpdate', { param: p, grad: p.grad, m: this.m.get(name)!, v: this.v.get(name)! }, attrs, adamwUpdateReference);
      this.m.set(name, moments.m);
      this.v.set(name, moments.v);
    }
  }

  /** Drop every parameter's gradient (call before the next accumulation of gradients). */
  zeroGrad(): void {
    for (const [, p] of this.params) p.grad = null;
  }

  /** The moments and step count, for a checkpoint. The arrays are copies. */
  getState(): AdamWState {
    const moments: AdamWState['moments'] = {};
    for (const [name] of this.params) {
      moments[name] = { m: this.m.get(name)!.data.slice() as FloatArray, v: this.v.get(name)!.data.slice() as FloatArray };
    }
    return { step: this.stepCount, moments };
  }

  /** Restore `getState()`; every parameter must be present with the right size. */
  setState(state: AdamWState): void {
    for (const [name, p] of this.params) {
      const s = state.moments[name];
      if (!s) throw new Error(`AdamW.setState: the saved state has no moments for parameter ${name}`);
      if (s.m.length !== p.size || s.v.length !== p.size) {
        throw new Error(`AdamW.setState: moments of ${name} have ${s.m.length} elements, the parameter has ${p.size}`);
      }
      const Ctor = p.dtype === 'float64' ? Float64Array : Float32Array;
      this.m.set(name, new Tensor(Ctor.from(s.m), p.shape));
      this.v.set(name, new Tensor(Ctor.from(s.v), p.shape));
    }
    this.stepCount = state.step;
  }
}

/** The hyperparameters of one AdamW update (kernel 'adamwUpdate'). */
export interface AdamWUpdateAttrs {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** 0 for parameters that are not decayed. */
  weightDecay: number;
  /** The step number t, counting from 1. */
  step: number;
  /** true: PyTorch/transformers AdamW; false: the original BERT optimizer. */
  biasCorrection: boolean;
}

/**
 * The reference of kernel 'adamwUpdate': the update of one parameter, in place, with the formulas of this
 * file's header. Returns the moments (the same tensors, updated in place).
 */
export function adamwUpdateReference(
  { param, grad, m, v }: { param: Tensor; grad: Tensor; m: Tensor; v: Tensor },
  attrs: AdamWUpdateAttrs,
): { m: Tensor; v: Tensor } {
  adamwUpdateLoop(param.data as FloatArray, grad.data as FloatArray, m.data as FloatArray, v.data as FloatArray, attrs);
  param.markHostChanged(); // a copy of the old values held elsewhere is given the new ones
  m.markHostChanged();
  v.markHostChanged();
  return { m, v };
}

/**
 * [docs: adamw-update]
 * The element loop of one update, in place, at step t with learning rate lr:
 *   m = beta1 m + (1 - beta1) g,   v = beta2 v + (1 - beta2) g^2
 *   bias correction (transformers):  w = w (1 - lr wd) - (lr / (1 - beta1^t)) m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 *   original BERT:                   w = w - lr (m / (sqrt(v) + eps) + wd w)
 * (The first is the header's formula with the bias corrections folded into two constants.)
 */
export function adamwUpdateLoop(
  w: FloatArray,
  g: FloatArray,
  m: FloatArray,
  v: FloatArray,
  { lr, beta1, beta2, eps, weightDecay: wd, step: t, biasCorrection }: AdamWUpdateAttrs,
): void {
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
