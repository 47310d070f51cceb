import { describe, expect, it } from 'vitest';
import { defaultDecays } from '../../src/optim/index.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { AdamW as AdamWDirect } from '../../src/optim/adamw.ts';
import { clipGradNorm as clipDirect, gradNorm as gradNormDirect } from '../../src/optim/clip.ts';
import { linearWarmupDecay as scheduleDirect } from '../../src/optim/schedule.ts';

function param(values: number[], name: string): Tensor {
  const t = new Tensor(Float64Array.from(values), [values.length], true);
  t.name = name;
  return t;
}

function setGrad(p: Tensor, values: number[]): void {
  p.grad = new Tensor(Float64Array.from(values), [values.length]);
}

describe('linear warmup then decay', () => {
  it('matches get_linear_schedule_with_warmup (warmup 2, total 6)', () => {
    // The reference record uses lr 0, 0.5, 1, 0.75 times the base rate for steps 0..3.
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((s) => scheduleDirect(s, 2, 6))).toEqual([0, 0.5, 1, 0.75, 0.5, 0.25, 0, 0]);
  });
  it('rejects a warmup longer than the run', () => {
    expect(() => scheduleDirect(0, 10, 5)).toThrow(/warmup must be in \[0, 5\], got 10/);
  });
});

describe('global-norm clipping', () => {
  it('returns the pre-clip norm and scales every gradient by maxNorm / (norm + 1e-6)', () => {
    const a = param([0, 0], 'a');
    const b = param([0], 'b');
    setGrad(a, [3, 0]);
    setGrad(b, [4]);
    expect(gradNormDirect([a, b])).toBeCloseTo(5, 12);
    const norm = clipDirect([a, b], 1);
    expect(norm).toBeCloseTo(5, 12);
    const coef = 1 / (5 + 1e-6);
    expect(a.grad!.data[0]).toBeCloseTo(3 * coef, 12);
    expect(b.grad!.data[0]).toBeCloseTo(4 * coef, 12);
  });
  it('leaves small gradients alone', () => {
    const a = param([0], 'a');
    setGrad(a, [0.5]);
    expect(clipDirect([a], 1)).toBeCloseTo(0.5, 12);
    expect(a.grad!.data[0]).toBe(0.5);
  });
});

describe('AdamW', () => {
  it('skips weight decay for biases and LayerNorm weights only', () => {
    expect(defaultDecays('bert.encoder.layer.0.attention.self.query.weight')).toBe(true);
    expect(defaultDecays('bert.encoder.layer.0.attention.self.query.bias')).toBe(false);
    expect(defaultDecays('bert.embeddings.LayerNorm.weight')).toBe(false);
    expect(defaultDecays('cls.predictions.bias')).toBe(false);
  });

  it('follows the PyTorch AdamW update step by step (float64 reference written out by hand)', () => {
    const p = param([1, -2, 0.5], 'w');
    const opt = new AdamWDirect([['w', p]], { lr: 0.1, betas: [0.9, 0.999], eps: 1e-6, weightDecay: 0.01 });
    const grads = [
      [0.3, -1, 2],
      [0.1, 0.2, -0.3],
      [-0.5, 0.5, 1],
    ];
    let w = [1, -2, 0.5];
    let m = [0, 0, 0];
    let v = [0, 0, 0];
    grads.forEach((g, t0) => {
      const t = t0 + 1;
      const lr = [0.1, 0.05, 0][t0];
      setGrad(p, g);
      opt.step(lr);
      w = w.map((wi, i) => {
        m[i] = 0.9 * m[i] + 0.1 * g[i];
        v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
        const mhat = m[i] / (1 - 0.9 ** t);
        const vhat = v[i] / (1 - 0.999 ** t);
        return wi * (1 - lr * 0.01) - (lr * mhat) / (Math.sqrt(vhat) + 1e-6);
      });
      m = [...m];
      v = [...v];
      w.forEach((wi, i) => expect(p.data[i]).toBeCloseTo(wi, 12));
    });
    expect(opt.stepCount).toBe(3);
  });

  it('the original BERT update has no bias correction and adds the decay to the update', () => {
    const p = param([2], 'w');
    const opt = new AdamWDirect([['w', p]], { lr: 0.1, eps: 1e-6, weightDecay: 0.01, biasCorrection: false });
    setGrad(p, [0.4]);
    opt.step();
    const m = 0.1 * 0.4;
    const v = 0.001 * 0.16;
    expect(p.data[0]).toBeCloseTo(2 - 0.1 * (m / (Math.sqrt(v) + 1e-6) + 0.01 * 2), 12);
  });

  it('state round trip resumes identically', () => {
    const make = () => param([1, 2], 'w');
    const a = make();
    const b = make();
    const optA = new AdamWDirect([['w', a]], { lr: 0.05 });
    setGrad(a, [1, -1]);
    optA.step();
    const saved = optA.getState();
    b.data.set(a.data);
    const optB = new AdamWDirect([['w', b]], { lr: 0.05 });
    optB.setState(saved);
    setGrad(a, [0.2, 0.3]);
    setGrad(b, [0.2, 0.3]);
    optA.step();
    optB.step();
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
  });

  it('refuses a saved state with the wrong sizes', () => {
    const p = param([1, 2], 'w');
    const opt = new AdamWDirect([['w', p]]);
    expect(() => opt.setState({ step: 1, moments: { w: { m: new Float64Array(3), v: new Float64Array(3) } } })).toThrow(
      /moments of w have 3 elements, the parameter has 2/,
    );
  });
});
