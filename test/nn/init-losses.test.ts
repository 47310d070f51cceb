import { describe, expect, it } from 'vitest';
import {
  ACTIVATION_NAMES,
  BCEWithLogitsLoss,
  CrossEntropyLoss,
  Embedding,
  LayerNorm,
  Linear,
  MSELoss,
  Module,
  Rng,
  Tensor,
  getActivation,
  initWeights,
  tensor,
  zeros,
} from '../../src/index.ts';

class Net extends Module {
  readonly emb = this.registerModule('emb', new Embedding(300, 40, 1));
  readonly lin = this.registerModule('lin', new Linear(40, 50));
  readonly ln = this.registerModule('ln', new LayerNorm(50));
  readonly extra = this.registerParameter('extra', zeros([5]));
}

function std(a: ArrayLike<number>): number {
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < a.length; i++) {
    s += a[i];
    s2 += a[i] * a[i];
  }
  const m = s / a.length;
  return Math.sqrt(s2 / a.length - m * m);
}

describe('initWeights (Hugging Face rules)', () => {
  it('draws Normal(0, std) for Linear and Embedding, zeros biases and the padding row, 1/0 for LayerNorm', () => {
    const n = new Net();
    n.ln.weight.data.fill(7);
    n.lin.bias!.data.fill(7);
    n.extra.data.fill(7);
    initWeights(n, new Rng(0), 0.02);
    expect(std(n.emb.weight.data)).toBeGreaterThan(0.019);
    expect(std(n.emb.weight.data)).toBeLessThan(0.021);
    expect(std(n.lin.weight.data)).toBeGreaterThan(0.019);
    expect(Array.from(n.emb.weight.data.subarray(40, 80)).every((v) => v === 0)).toBe(true);
    expect(n.emb.weight.data[0]).not.toBe(0);
    expect(n.lin.bias!.data.every((v) => v === 0)).toBe(true);
    expect(n.ln.weight.data.every((v) => v === 1)).toBe(true);
    expect(n.extra.data.every((v) => v === 0)).toBe(true);
  });

  it('is reproducible from the seed and can be limited to some modules', () => {
    const a = new Net();
    const b = new Net();
    initWeights(a, new Rng('s'), 0.02);
    initWeights(b, new Rng('s'), 0.02);
    expect(Array.from(a.lin.weight.data)).toEqual(Array.from(b.lin.weight.data));
    const c = new Net();
    initWeights(c, new Rng('s'), 0.02, (path) => path === 'lin');
    expect(c.emb.weight.data.every((v) => v === 0)).toBe(true);
    expect(std(c.lin.weight.data)).toBeGreaterThan(0.015);
  });
});

describe('activations', () => {
  it('knows the Hugging Face names and refuses others', () => {
    expect(ACTIVATION_NAMES).toContain('gelu');
    expect(() => getActivation('gelu_fancy')).toThrow(/unknown activation "gelu_fancy"; expected one of: gelu, gelu_new/);
    const x = tensor([-1, 0, 0.5, 2]);
    const exact = getActivation('gelu')(x).data;
    const approx = getActivation('gelu_new')(x).data;
    // gelu(2) = 2 * Phi(2) = 1.9544997; the tanh form gives 1.9545977
    expect(exact[3]).toBeCloseTo(1.9544997, 5);
    expect(approx[3]).toBeCloseTo(1.9545977, 5);
    expect(Array.from(getActivation('relu')(x).data)).toEqual([0, 0, 0.5, 2]);
    expect(getActivation('silu')(x).data[3]).toBeCloseTo(2 / (1 + Math.exp(-2)), 6);
  });
});

describe('losses', () => {
  it('CrossEntropyLoss ignores -100 and flattens [B, S, C]', () => {
    const logits = tensor([
      [
        [0, 0],
        [1, 0],
      ],
      [
        [0, 2],
        [5, 5],
      ],
    ]);
    const targets = new Tensor(Int32Array.from([0, -100, 1, 0]), [2, 2]);
    const loss = new CrossEntropyLoss().forward(logits, targets).item();
    const expected = (Math.log(2) + Math.log(1 + Math.exp(-2)) + Math.log(2)) / 3;
    expect(loss).toBeCloseTo(expected, 6);
    expect(() => new CrossEntropyLoss().forward(logits, new Tensor(Int32Array.from([0, 1, 2]), [3]))).toThrow(/3 targets/);
  });

  it('MSELoss and BCEWithLogitsLoss', () => {
    expect(new MSELoss().forward(tensor([1, 2]), tensor([0, 0])).item()).toBeCloseTo(2.5, 6);
    const bce = new BCEWithLogitsLoss().forward(tensor([0, 100]), tensor([1, 1])).item();
    expect(bce).toBeCloseTo(Math.log(2) / 2, 6);
  });
});
