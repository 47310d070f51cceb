/**
 * Numerical stability: large logits in softmax / logSoftmax / crossEntropy / bceWithLogits / sigmoid, masked
 * (-Infinity) attention scores, and layerNorm of a constant row. Results and gradients must be finite.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  add,
  bceWithLogits,
  crossEntropy,
  gather,
  gelu,
  layerNorm,
  logSoftmax,
  maskedFill,
  mul,
  neg,
  scale,
  scaledMaskedSoftmax,
  sigmoid,
  softmax,
  sum,
  Tensor,
  type DType,
} from './core.ts';
import { runs, shapeArb, sizeOfShape, values } from './helpers.ts';

const make = (dtype: DType, shape: readonly number[], vals: readonly number[], requiresGrad = false) =>
  new Tensor(dtype === 'float32' ? Float32Array.from(vals) : Float64Array.from(vals), shape, requiresGrad);

const allFinite = (t: Tensor) => Array.from(t.data).every(Number.isFinite);

/** Logits of magnitude up to 1e4 in float32 or float64, with an axis. */
const largeLogits = fc.tuple(shapeArb(1, 3), fc.constantFrom<DType>('float32', 'float64')).chain(([shape, dtype]) =>
  fc.tuple(values(sizeOfShape(shape), -1e4, 1e4), fc.integer({ min: -shape.length, max: shape.length - 1 })).map(([v, axis]) => ({
    x: make(dtype, shape, v, true),
    axis,
  })),
);

/** Sums along `axis` of a tensor, as a flat list. */
function sumsAlong(t: Tensor, axis: number): number[] {
  return Array.from(sum(t.detach(), axis).data);
}

describe('softmax and logSoftmax of large logits', () => {
  it('softmax of logits up to 1e4 in magnitude: no NaN, in [0, 1], sums to 1 along the axis; finite gradient', () => {
    fc.assert(
      fc.property(largeLogits, ({ x, axis }) => {
        const y = softmax(x, axis);
        expect(allFinite(y)).toBe(true);
        expect(Array.from(y.data).every((p) => p >= 0 && p <= 1)).toBe(true);
        for (const s of sumsAlong(y, axis)) expect(Math.abs(s - 1)).toBeLessThanOrEqual(x.dtype === 'float32' ? 1e-6 : 1e-12);
        sum(y).backward(make(x.dtype, [], [1]));
        expect(allFinite(x.grad!)).toBe(true);
      }),
      runs(30),
    );
  });

  it('logSoftmax of logits up to 1e4: finite, <= 0, exp sums to 1; finite gradient', () => {
    fc.assert(
      fc.property(largeLogits, ({ x, axis }) => {
        const z = logSoftmax(x, axis);
        expect(allFinite(z)).toBe(true);
        expect(Array.from(z.data).every((v) => v <= 0)).toBe(true);
        const p = new Tensor(Float64Array.from(z.data, Math.exp), z.shape);
        for (const s of sumsAlong(p, axis)) expect(Math.abs(s - 1)).toBeLessThanOrEqual(x.dtype === 'float32' ? 1e-5 : 1e-12);
        z.backward(make(x.dtype, z.shape, new Array<number>(z.size).fill(1)));
        expect(allFinite(x.grad!)).toBe(true);
      }),
      runs(30),
    );
  });

  it('hand-worked: softmax([1e4, 1e4, -1e4]) = [0.5, 0.5, 0]; logSoftmax gives [-ln 2, -ln 2, -2e4 - ln 2]', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const x = make(dtype, [3], [1e4, 1e4, -1e4]);
      expect(Array.from(softmax(x).data)).toEqual([0.5, 0.5, 0]);
      const expected = [-Math.LN2, -Math.LN2, -2e4 - Math.LN2];
      const z = Array.from(logSoftmax(x).data);
      z.forEach((v, i) => expect(Math.abs(v - expected[i])).toBeLessThanOrEqual(dtype === 'float32' ? 2e-3 : 1e-9));
    }
  });

  it('scaledMaskedSoftmax with scores up to 1e4 and masks of -1e9 / -Infinity: finite, rows sum to 1 (a fully -Infinity row is 0)', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const scores = make(dtype, [3, 4], [1e4, -1e4, 3, 0, 5e3, 5e3, -5e3, 1, 2, 3, 4, 5], true);
      const mask = make(dtype, [3, 4], [0, 0, -1e9, 0, -Infinity, 0, 0, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity]);
      const p = scaledMaskedSoftmax(scores, 0.125, mask);
      expect(allFinite(p)).toBe(true);
      expect(Array.from(p.data.subarray(0, 4))).toEqual([1, 0, 0, 0]);
      expect(Math.abs(p.data[5] + p.data[6] - 1)).toBeLessThanOrEqual(1e-6);
      expect(Array.from(p.data.subarray(8))).toEqual([0, 0, 0, 0]);
      sum(mul(p, make(dtype, [3, 4], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]))).backward();
      expect(allFinite(scores.grad!)).toBe(true);
    }
  });

  it('attention-style masking: scores filled with -Infinity get probability 0 and no gradient; a fully masked row is all 0', () => {
    const scores = make('float32', [2, 4], [3, 1e4, -2, 0.5, 1, 2, 3, 4], true);
    const mask = new Tensor(Int32Array.from([0, 1, 0, 1, 1, 1, 1, 1]), [2, 4]);
    const p = softmax(maskedFill(scores, mask, -Infinity));
    expect(allFinite(p)).toBe(true);
    expect(p.data[1]).toBe(0);
    expect(p.data[3]).toBe(0);
    expect(Math.abs(p.data[0] + p.data[2] - 1)).toBeLessThanOrEqual(1e-6);
    expect(Array.from(p.data.subarray(4))).toEqual([0, 0, 0, 0]);
    p.backward(make('float32', [2, 4], [1, 2, 3, 4, 5, 6, 7, 8]));
    expect(allFinite(scores.grad!)).toBe(true);
    expect([scores.grad!.data[1], scores.grad!.data[3], ...scores.grad!.data.subarray(4)]).toEqual([0, 0, 0, 0, 0, 0]);
  });
});

describe('a row that is entirely -Infinity (fully masked): defined values, finite gradients', () => {
  const NEG = -Infinity;

  it('softmax gives 0 and logSoftmax -Infinity along it, on the last axis or another; gradients are finite (regression: logSoftmax gave NaN)', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      // Row 1 of a [2, 3] tensor, and the same values as column 1 of its transpose (axis 0).
      for (const [shape, vals, axis] of [
        [[2, 3], [1, 2, 3, NEG, NEG, NEG], -1],
        [[3, 2], [1, NEG, 2, NEG, 3, NEG], 0],
      ] as const) {
        const masked = (i: number) => (axis === -1 ? i >= 3 : i % 2 === 1);
        const g = make(dtype, shape, [1, 2, 3, 4, 5, 6]);

        const x = make(dtype, shape, vals, true);
        const p = softmax(x, axis);
        p.backward(g);
        p.data.forEach((v, i) => expect(masked(i) ? v === 0 : v > 0).toBe(true));
        expect(allFinite(x.grad!)).toBe(true);
        x.grad!.data.forEach((v, i) => masked(i) && expect(v).toBe(0));

        const x2 = make(dtype, shape, vals, true);
        const z = logSoftmax(x2, axis);
        z.backward(g);
        z.data.forEach((v, i) => expect(masked(i) ? v === -Infinity : Number.isFinite(v)).toBe(true));
        // exp(logSoftmax) is softmax's 0 there, and the gradient is g - 0 * sum(g) = g.
        expect(allFinite(x2.grad!)).toBe(true);
        x2.grad!.data.forEach((v, i) => masked(i) && expect(v).toBe(g.data[i]));
      }
    }
  });

  it('crossEntropy of a fully -Infinity row is +Infinity (-log 0), not NaN; its gradient is finite and matches -logSoftmax', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const vals = [1, 2, 3, NEG, NEG, NEG, NEG, NEG, NEG];
      const targets = new Tensor(Int32Array.from([2, 0, -100]), [3]); // the third row is ignored
      const logits = make(dtype, [3, 3], vals, true);
      const losses = crossEntropy(logits, targets, { reduction: 'none' });
      expect(Number.isFinite(losses.data[0])).toBe(true);
      expect(losses.data[1]).toBe(Infinity);
      expect(losses.data[2]).toBe(0);
      sum(losses).backward();
      expect(Array.from(logits.grad!.data.subarray(3))).toEqual([-1, 0, 0, 0, 0, 0]);

      // The same loss through logSoftmax and gather over the two counted rows: equal values and gradients.
      const fused = make(dtype, [2, 3], vals.slice(0, 6), true);
      crossEntropy(fused, new Tensor(Int32Array.from([2, 0]), [2]), { reduction: 'sum' }).backward();
      const unfused = make(dtype, [2, 3], vals.slice(0, 6), true);
      const picked = gather(logSoftmax(unfused), 1, new Tensor(Int32Array.from([2, 0]), [2, 1]));
      expect(-picked.data[1]).toBe(losses.data[1]);
      sum(neg(picked)).backward();
      expect(Array.from(unfused.grad!.data.subarray(3))).toEqual(Array.from(fused.grad!.data.subarray(3)));
      unfused.grad!.data.subarray(0, 3).forEach((v, j) => expect(Math.abs(v - fused.grad!.data[j])).toBeLessThanOrEqual(1e-6));
    }
  });
});

describe('a row holding +Infinity or NaN (an overflow upstream): NaN throughout that row, never valid-looking numbers', () => {
  const INF = Infinity;
  const NEG = -Infinity;
  /** Rows with no distribution. The last three have max -Infinity, so they passed for fully masked rows. */
  const badRows = [
    [1, INF, 2],
    [INF, INF, INF],
    [INF, NEG, NaN],
    [NaN, 1, 2],
    [NaN, NaN, NaN],
    [NEG, NaN, NEG],
    [NaN, NEG, NEG],
  ];
  const good = [1, 2, 3];
  const isNaNRow = (v: ArrayLike<number>) => Array.from(v).every(Number.isNaN);

  it('softmax, logSoftmax, scaledMaskedSoftmax and crossEntropy: the bad row is NaN, the good row as computed alone (regression: NaN beside -Infinity gave 0, -Infinity and loss +Infinity)', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const targets1 = new Tensor(Int32Array.from([2]), [1]);
      const alone = {
        softmax: softmax(make(dtype, [1, 3], good)).data,
        logSoftmax: logSoftmax(make(dtype, [1, 3], good)).data,
        loss: crossEntropy(make(dtype, [1, 3], good), targets1, { reduction: 'none' }).data[0],
      };
      for (const bad of badRows) {
        const rows = [...good, ...bad];
        const y = softmax(make(dtype, [2, 3], rows)).data;
        expect(Array.from(y.subarray(0, 3))).toEqual(Array.from(alone.softmax));
        expect(isNaNRow(y.subarray(3))).toBe(true);
        // The same rows as columns (axis 0) give the same answer, transposed.
        const yT = softmax(make(dtype, [3, 2], [rows[0], rows[3], rows[1], rows[4], rows[2], rows[5]]), 0).data;
        expect([yT[0], yT[2], yT[4]]).toEqual(Array.from(alone.softmax));
        expect(isNaNRow([yT[1], yT[3], yT[5]])).toBe(true);
        const z = logSoftmax(make(dtype, [2, 3], rows)).data;
        expect(Array.from(z.subarray(0, 3))).toEqual(Array.from(alone.logSoftmax));
        expect(isNaNRow(z.subarray(3))).toBe(true);
        const p = scaledMaskedSoftmax(make(dtype, [2, 3], rows), 1).data;
        expect(Array.from(p)).toEqual(Array.from(y)); // toEqual takes NaN as equal to NaN

        const logits = make(dtype, [2, 3], rows, true);
        const losses = crossEntropy(logits, new Tensor(Int32Array.from([2, 0]), [2]), { reduction: 'none' });
        expect(losses.data[0]).toBe(alone.loss);
        expect(losses.data[1]).toBeNaN();
        sum(losses).backward();
        expect(allFinite(new Tensor(logits.grad!.data.subarray(0, 3), [3]))).toBe(true);
        expect(isNaNRow(logits.grad!.data.subarray(3))).toBe(true);
        // A mean over rows is NaN, which is what a training loop's non-finite-loss check looks for.
        expect(crossEntropy(make(dtype, [2, 3], rows), new Tensor(Int32Array.from([2, 0]), [2])).item()).toBeNaN();
        // A row whose target is ignored is not read.
        expect(crossEntropy(make(dtype, [2, 3], rows), new Tensor(Int32Array.from([2, -100]), [2])).item()).toBe(alone.loss);
      }
    }
  });

  it('a fully -Infinity row keeps its own convention beside them: softmax 0, logSoftmax -Infinity, loss +Infinity', () => {
    const x = make('float64', [2, 3], [NEG, NEG, NEG, NEG, NaN, NEG]);
    expect(Array.from(softmax(x).data)).toEqual([0, 0, 0, NaN, NaN, NaN]);
    expect(Array.from(logSoftmax(x).data)).toEqual([NEG, NEG, NEG, NaN, NaN, NaN]);
    expect(Array.from(crossEntropy(x, new Tensor(Int32Array.from([0, 0]), [2]), { reduction: 'none' }).data)).toEqual([INF, NaN]);
  });

  it('fused and unfused attention agree: +Infinity or NaN in the scores or the mask makes that row NaN in both', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      // Row 0 finite; row 1: +Infinity score; row 2: +Infinity score under a -Infinity mask (Inf - Inf = NaN);
      // row 3: NaN in a mask that is otherwise -Infinity (was 0 in both); row 4: a +Infinity score under the
      // model's finite padding mask.
      const scores = make(dtype, [5, 3], [1, 2, 3, 1, INF, 2, INF, 1, 2, 1, 2, 3, 1, 2, INF]);
      const mask = make(dtype, [5, 3], [0, 0, -3e38, 0, 0, 0, NEG, 0, 0, NEG, NaN, NEG, 0, 0, -3e38]);
      const fused = scaledMaskedSoftmax(scores, 0.5, mask).data;
      const plain = softmax(add(scale(scores, 0.5), mask)).data;
      expect(Array.from(fused)).toEqual(Array.from(plain));
      expect(allFinite(new Tensor(fused.subarray(0, 3), [3]))).toBe(true);
      for (let r = 1; r < 5; r++) expect(isNaNRow(fused.subarray(3 * r, 3 * r + 3))).toBe(true);
    }
  });
});

describe('losses and activations with huge logits', () => {
  it('crossEntropy of logits up to 1e4 (float32 and float64): finite loss and gradient, every reduction', () => {
    const arb = fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 2, max: 6 }), fc.constantFrom<DType>('float32', 'float64')).chain(([N, C, dtype]) =>
      fc.tuple(values(N * C, -1e4, 1e4), fc.array(fc.integer({ min: 0, max: C - 1 }), { minLength: N, maxLength: N })).map(([v, t]) => ({
        N,
        C,
        dtype,
        v,
        targets: new Tensor(Int32Array.from(t), [N]),
      })),
    );
    fc.assert(
      fc.property(arb, ({ N, C, dtype, v, targets }) => {
        for (const reduction of ['mean', 'sum', 'none'] as const) {
          const logits = make(dtype, [N, C], v, true);
          const loss = crossEntropy(logits, targets, { reduction });
          expect(allFinite(loss)).toBe(true);
          expect(Array.from(loss.data).every((l) => l >= 0)).toBe(true);
          (reduction === 'none' ? sum(loss) : loss).backward();
          expect(allFinite(logits.grad!)).toBe(true);
        }
      }),
      runs(25),
    );
  });

  it('crossEntropy hand-worked at 1e4: the wrong class costs the logit gap, the right one costs ~0', () => {
    const logits = make('float32', [2, 2], [1e4, -1e4, 1e4, -1e4]);
    const loss = crossEntropy(logits, new Tensor(Int32Array.from([0, 1]), [2]), { reduction: 'none' });
    expect(Array.from(loss.data)).toEqual([0, 2e4]);
  });

  it('bceWithLogits and sigmoid at |x| = 1e4 (and 1e30): finite, exact limits', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const x = make(dtype, [4], [1e4, -1e4, 1e30, -1e30], true);
      expect(Array.from(sigmoid(x).data)).toEqual([1, 0, 1, 0]);
      const y = make(dtype, [4], [1, 0, 0, 1]);
      const losses = bceWithLogits(x, y, 'none');
      expect(Array.from(losses.data)).toEqual([0, 0, dtype === 'float32' ? Math.fround(1e30) : 1e30, dtype === 'float32' ? Math.fround(1e30) : 1e30]);
      sum(losses).backward();
      expect(Array.from(x.grad!.data)).toEqual([0, 0, 1, -1]);
    }
  });

  it('gelu at large |x| is x or 0 with gradient 1 or 0', () => {
    const x = make('float64', [4], [50, -50, 1e4, -1e4], true);
    expect(Array.from(gelu(x).data)).toEqual([50, -0, 1e4, -0]);
    sum(gelu(x)).backward();
    expect(Array.from(x.grad!.data)).toEqual([1, 0, 1, 0]);
  });
});

describe('layerNorm of a constant row', () => {
  it('returns the bias and finite gradients, in float32 and float64, for small and large constants', () => {
    const arb = fc
      .tuple(
        fc.constantFrom<DType>('float32', 'float64'),
        fc.integer({ min: 1, max: 8 }),
        fc.oneof(fc.double({ min: -5, max: 5, noNaN: true }), fc.constantFrom(0, 1e4, -3e4)),
        fc.constantFrom(1e-12, 1e-5),
      )
      .chain(([dtype, H, c, eps]) => fc.tuple(values(H), values(H)).map(([w, b]) => ({ dtype, H, c, eps, w, b })));
    fc.assert(
      fc.property(arb, ({ dtype, H, c, eps, w, b }) => {
        const x = make(dtype, [2, H], new Array<number>(2 * H).fill(c), true);
        const weight = make(dtype, [H], w, true);
        const bias = make(dtype, [H], b, true);
        const y = layerNorm(x, weight, bias, eps);
        // The row mean of H copies of a float32 value can miss it by an ulp of float64, which eps = 1e-12 blows up
        // to at most ~1e-16 * |c| / 1e-6 relative to the bias: far below float32 precision.
        const biasF = Array.from(bias.data);
        Array.from(y.data).forEach((v, i) => expect(Math.abs(v - biasF[i % H])).toBeLessThanOrEqual(1e-6));
        y.backward(
          make(
            dtype,
            [2, H],
            Array.from({ length: 2 * H }, (_, i) => (i % 3) - 1),
          ),
        );
        for (const t of [x, weight, bias]) expect(allFinite(t.grad!)).toBe(true);
      }),
      runs(30),
    );
  });
});
