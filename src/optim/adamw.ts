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
import type { FloatArray } from '../accel/kernels.ts';
import { deviceOf, hostValuesChanged, onDevice, type TensorDevice } from '../accel/device.ts';
import type { DeviceStorage } from '../tensor/device-storage.ts';
import { kernel } from '../accel/registry.ts';
import '../accel/cpu/index.ts'; // registers the cpu kernels, every backend's fallback, when imported directly
import type { Tensor } from '../tensor/tensor.ts';

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

/** The default no-decay rule: names ending in "bias" or containing "LayerNorm.weight". */
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
  private m = new Map<string, Float32Array | Float64Array>();
  private v = new Map<string, Float32Array | Float64Array>();
  /**
   * The moments of parameters updated on a device, kept there between steps. While a name is here its host
   * arrays in m and v are stale: getState reads these back first.
   */
  private deviceMoments = new Map<string, { m: DeviceStorage; v: DeviceStorage }>();

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
      this.m.set(name, new Ctor(p.size));
      this.v.set(name, new Ctor(p.size));
    }
  }

  /**
   * One update of every parameter that has a gradient, in place.
   * @param lr the learning rate for this step (a schedule's value); defaults to the base rate.
   */
  step(lr = this.lr): void {
    this.stepCount++;
    const update = kernel('adamwUpdate'); // the loop over the elements (src/accel/cpu/adamw.ts)
    for (const [name, p] of this.params) {
      if (!p.grad) continue;
      // A parameter and gradient both on a device are updated there (host copies of them, if something read
      // them, do not matter): nothing crosses to the host.
      // (deviceOf refuses two different devices, so a device here holds both.)
      const device = p.deviceStorage && p.grad.deviceStorage ? deviceOf(p, p.grad) : null;
      if (device) {
        this.stepOnDevice(device, name, p, p.grad, lr);
        continue;
      }
      this.syncMomentsToHost(name);
      const g = p.grad.data;
      update({
        param: p.data as FloatArray,
        grad: g as FloatArray,
        m: this.m.get(name)!,
        v: this.v.get(name)!,
        lr,
        beta1: this.beta1,
        beta2: this.beta2,
        eps: this.eps,
        weightDecay: this.decays(name) ? this.weightDecay : 0,
        step: this.stepCount,
        biasCorrection: this.biasCorrection,
      });
      hostValuesChanged(p); // a device copy of the old values is replaced by the new ones
    }
  }

  /** The update of one parameter on a device (the same formulas as src/accel/cpu/adamw.ts, in float32). */
  private stepOnDevice(device: TensorDevice, name: string, p: Tensor, grad: Tensor, lr: number): void {
    let moments = this.deviceMoments.get(name);
    if (!moments) {
      moments = { m: device.upload(Float32Array.from(this.m.get(name)!)), v: device.upload(Float32Array.from(this.v.get(name)!)) };
    }
    const g = onDevice(grad, device);
    const n = p.size;
    const m = device.run('adamMoment', [moments.m, g], n, {}, [this.beta1]);
    const v = device.run('adamMoment2', [moments.v, g], n, {}, [this.beta2]);
    const wd = this.decays(name) ? this.weightDecay : 0;
    const t = this.stepCount;
    const updated = this.biasCorrection
      ? device.run('adamParam', [p.deviceStorage!, m, v], n, {}, [1 - lr * wd, lr / (1 - this.beta1 ** t), Math.sqrt(1 - this.beta2 ** t), this.eps])
      : device.run('adamParamBert', [p.deviceStorage!, m, v], n, {}, [lr, this.eps, wd]);
    p.setDeviceValues(updated);
    this.deviceMoments.set(name, { m, v });
  }

  /** Bring a parameter's moments back from the device into the host arrays (before a host update or a save). */
  private syncMomentsToHost(name: string): void {
    const moments = this.deviceMoments.get(name);
    if (!moments) return;
    this.m.get(name)!.set(moments.m.download());
    this.v.get(name)!.set(moments.v.download());
    this.deviceMoments.delete(name);
  }

  /** Drop every parameter's gradient (call before the next accumulation of gradients). */
  zeroGrad(): void {
    for (const [, p] of this.params) p.grad = null;
  }

  /** The moments and step count, for a checkpoint. The arrays are copies. */
  getState(): AdamWState {
    for (const [name] of this.params) this.syncMomentsToHost(name);
    const moments: AdamWState['moments'] = {};
    for (const [name] of this.params) moments[name] = { m: this.m.get(name)!.slice(), v: this.v.get(name)!.slice() };
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
      this.m.get(name)!.set(s.m);
      this.v.get(name)!.set(s.v);
      this.deviceMoments.delete(name); // the next device step uploads the restored moments
    }
    this.stepCount = state.step;
  }
}
