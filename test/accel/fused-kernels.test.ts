/**
 * The fused cpu kernels behind the ops, each against the plain computation it replaces:
 *   gelu / biasGelu           the core's loops (reference backend) vs a loop over scalar-math's gelu, and
 *                             the active backend's biasGelu vs its gelu(add(x, bias))         (bit for bit)
 *                             (the cpu backend's wasm gelu against the core: wasm-gelu.test.ts)
 *   scaledMaskedSoftmax       the core's, vs softmax(add(scale(x, c), mask)), forward and both gradients
 *                             (bit for bit; the cpu backend's float32 wasm kernel: wasm-softmax.test.ts)
 *   layerNorm kernels         vs the loops that stored xhat in float64                       (bit for bit)
 *   adamwUpdateLoop           vs the optimizer's loops written out here                      (bit for bit)
 * plus float64 references where the fused kernel sums differently (bias gradients).
 */
import fc from 'fast-check';
import { describe, expect, it, onTestFinished } from 'vitest';
import { getBackend, setBackend } from '../../src/autograd/dispatch.ts';
import { geluDerivativeFloat32, geluFloat32 } from '../../src/ops/erf-float32.ts';
import {
  add,
  adamwUpdateLoop,
  biasGelu,
  gelu,
  geluScalar,
  geluDerivative,
  layerNormBackward,
  layerNormForward,
  Rng,
  scale,
  scaledMaskedSoftmax,
  softmax,
  sum,
  Tensor,
  type DType,
  type FloatArray,
} from '../../src/index.ts';

const floatDType = fc.constantFrom<DType>('float32', 'float64');

function randomTensor(shape: number[], dtype: DType, rng: Rng, lo = -4, hi = 4, requiresGrad = false): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = rng.uniform(lo, hi);
  return new Tensor(data, shape, requiresGrad);
}

/** Index of the first element that differs bit for bit (NaN equals NaN), or -1. */
function firstDifference(x: ArrayLike<number>, y: ArrayLike<number>): number {
  if (x.length !== y.length) return Math.min(x.length, y.length);
  for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return i;
  return -1;
}

/** Gradients of sum(f(...inputs) * weights) for fresh leaf copies of `inputs`. */
function gradsOf(f: (...t: Tensor[]) => Tensor, inputs: Tensor[], weights: Tensor): { out: Tensor; grads: (Tensor | null)[] } {
  const leaves = inputs.map((t) => new Tensor(t.data.slice(), t.shape, t.requiresGrad));
  const out = f(...leaves);
  out.backward(weights); // the gradient of sum(out * weights) with respect to out is weights

  return { out, grads: leaves.map((t) => t.grad) };
}

const shapeArb = fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 9 }));

describe('gelu kernels', () => {
  it("the core's gelu equals the plain loop over scalar gelu, and its gradient the loop over geluDerivative, bit for bit (float32: their float32 forms)", () => {
    const active = getBackend();
    setBackend('reference');
    onTestFinished(() => setBackend(active));
    fc.assert(
      fc.property(shapeArb, floatDType, fc.integer({ min: 0, max: 1e6 }), ([a, b, c], dtype, seed) => {
        const rng = new Rng(seed);
        const x = randomTensor([a, b, c], dtype, rng, -7, 7, true);
        const g = randomTensor([a, b, c], dtype, rng);
        const { out, grads } = gradsOf((t) => gelu(t), [x], g);
        const [scalarGelu, scalarDerivative] = dtype === 'float32' ? [geluFloat32, geluDerivativeFloat32] : [geluScalar, geluDerivative];
        const plainOut = x.data.map((v) => scalarGelu(v));
        const plainGrad = x.data.map((v, i) => g.data[i] * scalarDerivative(v));
        expect(firstDifference(out.data, plainOut)).toBe(-1);
        expect(firstDifference(grads[0]!.data, plainGrad)).toBe(-1);
      }),
      { numRuns: 25, seed: 7 },
    );
  });

  it('biasGelu(x, b) equals gelu(add(x, b)) bit for bit, with the gradient of x; the bias gradient is the float64 column sum', () => {
    fc.assert(
      fc.property(shapeArb, floatDType, fc.integer({ min: 0, max: 1e6 }), ([a, b, c], dtype, seed) => {
        const rng = new Rng(seed);
        const x = randomTensor([a, b, c], dtype, rng, -5, 5, true);
        const bias = randomTensor([c], dtype, rng, -2, 2, true);
        const g = randomTensor([a, b, c], dtype, rng);
        const fused = gradsOf((t, u) => biasGelu(t, u), [x, bias], g);
        const plain = gradsOf((t, u) => gelu(add(t, u)), [x, bias], g);
        expect(firstDifference(fused.out.data, plain.out.data)).toBe(-1);
        expect(firstDifference(fused.grads[0]!.data, plain.grads[0]!.data)).toBe(-1);
        // Column sums of the x gradient, in float64, then rounded once to the dtype.
        const gx = fused.grads[0]!.data;
        for (let j = 0; j < c; j++) {
          let s = 0;
          for (let i = j; i < gx.length; i += c) s += gx[i];
          const expected = dtype === 'float32' ? Math.fround(s) : s;
          expect(Math.abs(fused.grads[1]!.data[j] - expected)).toBeLessThanOrEqual(dtype === 'float64' ? 1e-12 * (1 + Math.abs(s)) : 0);
        }
      }),
      { numRuns: 25, seed: 8 },
    );
  });

  it('biasGelu names the shapes it expected when the bias does not fit', () => {
    const x = new Tensor(new Float32Array(6), [2, 3]);
    expect(() => biasGelu(x, new Tensor(new Float32Array(2), [2]))).toThrow(/biasGelu: expected x \[\.\.\., H\] and bias \[H\], got x \[2,3\] and bias \[2\]/);
  });
});

describe('scaledMaskedSoftmax', () => {
  // Scores [B, h, S, S] with masks of every broadcast form: [B, 1, 1, S], [S], [h, S, S], [B, 1, S, 1], a scalar, or none.
  const maskShapes = (B: number, h: number, S: number): number[][] => [[B, 1, 1, S], [S], [h, S, S], [B, 1, S, 1], [], [B, h, S, S]];
  const arb = fc.record({
    B: fc.integer({ min: 1, max: 2 }),
    h: fc.integer({ min: 1, max: 3 }),
    S: fc.integer({ min: 1, max: 6 }),
    maskKind: fc.integer({ min: -1, max: 5 }),
    maskGrad: fc.boolean(),
    dtype: floatDType,
    seed: fc.integer({ min: 0, max: 1e6 }),
  });

  it("the core's kernel equals softmax(add(scale(x, c), mask)) bit for bit, forward and the gradients of scores and mask", () => {
    const active = getBackend();
    setBackend('reference'); // the cpu backend's float32 kernel is wasm-softmax.test.ts's
    onTestFinished(() => setBackend(active));
    fc.assert(
      fc.property(arb, ({ B, h, S, maskKind, maskGrad, dtype, seed }) => {
        const rng = new Rng(seed);
        const c = 1 / Math.sqrt(1 + (seed % 64));
        const scores = randomTensor([B, h, S, S], dtype, rng, -6, 6, true);
        const g = randomTensor([B, h, S, S], dtype, rng);
        if (maskKind < 0) {
          const fused = gradsOf((x) => scaledMaskedSoftmax(x, c), [scores], g);
          const plain = gradsOf((x) => softmax(scale(x, c), -1), [scores], g);
          expect(firstDifference(fused.out.data, plain.out.data)).toBe(-1);
          expect(firstDifference(fused.grads[0]!.data, plain.grads[0]!.data)).toBe(-1);
          return;
        }
        const mask = randomTensor(maskShapes(B, h, S)[maskKind], dtype, rng, -3, 0, maskGrad);
        // Some masked positions, as an attention mask has (large negative bias).
        for (let i = 0; i < mask.size; i += 3) mask.data[i] = -1e9;
        const fused = gradsOf((x, m) => scaledMaskedSoftmax(x, c, m), [scores, mask], g);
        const plain = gradsOf((x, m) => softmax(add(scale(x, c), m), -1), [scores, mask], g);
        expect(firstDifference(fused.out.data, plain.out.data)).toBe(-1);
        expect(firstDifference(fused.grads[0]!.data, plain.grads[0]!.data)).toBe(-1);
        if (maskGrad) expect(firstDifference(fused.grads[1]!.data, plain.grads[1]!.data)).toBe(-1);
        else expect(fused.grads[1]).toBeNull();
      }),
      { numRuns: 60, seed: 9 },
    );
  });

  it('rows are probability distributions, and a fully masked (-Infinity) row is all zeros', () => {
    const scores = new Tensor(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]);
    const mask = new Tensor(Float32Array.from([0, 0, -Infinity, -Infinity, -Infinity, -Infinity]), [2, 3]);
    const y = scaledMaskedSoftmax(scores, 0.5, mask);
    expect(sum(y).item()).toBeCloseTo(1, 6);
    expect(Array.from(y.data.subarray(3))).toEqual([0, 0, 0]);
    expect(y.data[2]).toBe(0);
    expect(y.data[0]).toBeCloseTo(1 / (1 + Math.exp(0.5)), 6);
  });

  it('a mask that does not broadcast to the scores is an error naming both shapes', () => {
    const scores = new Tensor(new Float32Array(12), [2, 2, 3]);
    expect(() => scaledMaskedSoftmax(scores, 1, new Tensor(new Float32Array(4), [4]))).toThrow(
      /scaledMaskedSoftmax: shapes \[2,2,3\] and \[4\] cannot be broadcast/,
    );
    expect(() => scaledMaskedSoftmax(scores, 1, new Tensor(new Float32Array(24), [2, 2, 2, 3]))).toThrow(
      /the mask \[2,2,2,3\] must broadcast to the scores \[2,2,3\]/,
    );
  });
});

/** The layerNorm loops as they were before the kernels: xhat stored in float64 for the backward. */
function layerNormPlain(x: FloatArray, w: FloatArray, b: FloatArray, g: FloatArray, rows: number, H: number, eps: number) {
  const y = new (x.constructor as Float64ArrayConstructor)(x.length);
  const xhat = new Float64Array(x.length);
  const rstd = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const o = r * H;
    let mu = 0;
    for (let j = 0; j < H; j++) mu += x[o + j];
    mu /= H;
    let v = 0;
    for (let j = 0; j < H; j++) v += (x[o + j] - mu) * (x[o + j] - mu);
    const rs = 1 / Math.sqrt(v / H + eps);
    rstd[r] = rs;
    for (let j = 0; j < H; j++) {
      xhat[o + j] = (x[o + j] - mu) * rs;
      y[o + j] = xhat[o + j] * w[j] + b[j];
    }
  }
  const dx = new (x.constructor as Float64ArrayConstructor)(x.length);
  const dw = new Float64Array(H);
  const db = new Float64Array(H);
  for (let r = 0; r < rows; r++) {
    const o = r * H;
    let meanD = 0;
    let meanDX = 0;
    for (let j = 0; j < H; j++) {
      const d = g[o + j] * w[j];
      meanD += d;
      meanDX += d * xhat[o + j];
      dw[j] += g[o + j] * xhat[o + j];
      db[j] += g[o + j];
    }
    meanD /= H;
    meanDX /= H;
    for (let j = 0; j < H; j++) dx[o + j] = rstd[r] * (g[o + j] * w[j] - meanD - xhat[o + j] * meanDX);
  }
  return { y, dx, dw, db };
}

describe('layerNorm kernels', () => {
  it('recomputing xhat from mean and rstd gives bit for bit what storing it gave', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 40 }), floatDType, fc.integer({ min: 0, max: 1e6 }), (rows, H, dtype, seed) => {
        const rng = new Rng(seed);
        const [x, w, b, g] = [[rows, H], [H], [H], [rows, H]].map((s) => randomTensor(s, dtype, rng, -3, 3).data as FloatArray);
        const plain = layerNormPlain(x, w, b, g, rows, H, 1e-12);
        const y = new (x.constructor as Float64ArrayConstructor)(x.length);
        const mean = new Float64Array(rows);
        const rstd = new Float64Array(rows);
        layerNormForward({ x, weight: w, bias: b, out: y, mean, rstd, rows, cols: H, eps: 1e-12 });
        const dx = new (x.constructor as Float64ArrayConstructor)(x.length);
        const dw = new Float64Array(H);
        const db = new Float64Array(H);
        layerNormBackward({ x, weight: w, gradOut: g, mean, rstd, gradX: dx, gradWeight: dw, gradBias: db, rows, cols: H });
        expect(firstDifference(y, plain.y)).toBe(-1);
        expect(firstDifference(dx, plain.dx)).toBe(-1);
        expect(firstDifference(dw, plain.dw)).toBe(-1);
        expect(firstDifference(db, plain.db)).toBe(-1);
      }),
      { numRuns: 40, seed: 10 },
    );
  });
});

describe('adamwUpdateLoop', () => {
  it('is the optimizer loop (both conventions, decayed or not) bit for bit over several steps', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.boolean(),
        fc.boolean(),
        floatDType,
        fc.integer({ min: 0, max: 1e6 }),
        (n, biasCorrection, decayed, dtype, seed) => {
          const rng = new Rng(seed);
          const [w0, ...grads] = [0, 1, 2, 3].map(() => randomTensor([n], dtype, rng, -1, 1).data as FloatArray);
          const [lr, beta1, beta2, eps, wd] = [1e-3, 0.9, 0.999, 1e-6, decayed ? 0.01 : 0];
          const make = () => (dtype === 'float32' ? new Float32Array(n) : new Float64Array(n));
          const [w, m, v] = [w0.slice(), make(), make()];
          const [wp, mp, vp] = [w0.slice(), make(), make()];
          for (let t = 1; t <= grads.length; t++) {
            const g = grads[t - 1];
            adamwUpdateLoop(w, g, m, v, { lr, beta1, beta2, eps, weightDecay: wd, step: t, biasCorrection });
            // The plain loops, as src/optim/adamw.ts had them.
            const c1 = biasCorrection ? 1 - beta1 ** t : 1;
            const c2 = biasCorrection ? 1 - beta2 ** t : 1;
            for (let i = 0; i < n; i++) {
              mp[i] = beta1 * mp[i] + (1 - beta1) * g[i];
              vp[i] = beta2 * vp[i] + (1 - beta2) * g[i] * g[i];
              if (biasCorrection) wp[i] = wp[i] * (1 - lr * wd) - ((lr / c1) * mp[i]) / (Math.sqrt(vp[i]) / Math.sqrt(c2) + eps);
              else wp[i] -= lr * (mp[i] / (Math.sqrt(vp[i]) + eps) + wd * wp[i]);
            }
          }
          expect(firstDifference(w, wp)).toBe(-1);
          expect(firstDifference(m, mp)).toBe(-1);
          expect(firstDifference(v, vp)).toBe(-1);
        },
      ),
      { numRuns: 30, seed: 12 },
    );
  });
});
