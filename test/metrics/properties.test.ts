/**
 * Properties that any correct implementation satisfies, on random inputs (fast-check, fixed seed).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accuracy, confusionMatrix, matthewsCorrcoef, pearson, precisionRecallF1, spearman } from '../../src/metrics/index.ts';

const params = { numRuns: 200, seed: 20240601 };

/** Paired class-id arrays: N in 1..60, ids in 0..K-1 with K in 1..6. */
const labelPair = fc
  .tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 60 }))
  .chain(([k, n]) =>
    fc.tuple(
      fc.constant(k),
      fc.array(fc.integer({ min: 0, max: k - 1 }), { minLength: n, maxLength: n }),
      fc.array(fc.integer({ min: 0, max: k - 1 }), { minLength: n, maxLength: n }),
    ),
  );

/** Real vectors with at least two distinct values: multiples of 1/8 in [-125, 125] (no near-ties). */
const realVector = fc
  .array(fc.integer({ min: -1000, max: 1000 }), { minLength: 2, maxLength: 40 })
  .filter((xs) => new Set(xs).size >= 2)
  .map((xs) => xs.map((x) => x / 8));

const realPair = realVector.chain((x) =>
  fc
    .tuple(
      fc.constant(x),
      fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: x.length, maxLength: x.length }).map((ys) => ys.map((y) => y / 8)),
    )
    .filter(([, y]) => new Set(y).size >= 2),
);

describe('classification properties', () => {
  it('accuracy is in [0, 1] and equals micro P = micro R = micro F1 = weighted recall', () => {
    fc.assert(
      fc.property(labelPair, ([k, yTrue, yPred]) => {
        const acc = accuracy(yTrue, yPred);
        expect(acc).toBeGreaterThanOrEqual(0);
        expect(acc).toBeLessThanOrEqual(1);
        for (const opts of [{}, { numLabels: k }]) {
          const r = precisionRecallF1(yTrue, yPred, opts);
          expect(Math.abs(r.micro.precision - acc)).toBeLessThanOrEqual(1e-12);
          expect(Math.abs(r.micro.recall - acc)).toBeLessThanOrEqual(1e-12);
          expect(Math.abs(r.micro.f1 - acc)).toBeLessThanOrEqual(1e-12);
          expect(Math.abs(r.weighted.recall - acc)).toBeLessThanOrEqual(1e-12);
        }
      }),
      params,
    );
  });

  it('per-class F1 is the harmonic mean of P and R (0 when both are 0); averages lie in [0, 1]', () => {
    fc.assert(
      fc.property(labelPair, ([k, yTrue, yPred]) => {
        const r = precisionRecallF1(yTrue, yPred, { numLabels: k });
        r.labels.forEach((_, c) => {
          const p = r.perClass.precision[c]!;
          const q = r.perClass.recall[c]!;
          const harmonic = p + q === 0 ? 0 : (2 * p * q) / (p + q);
          expect(Math.abs(r.perClass.f1[c]! - harmonic)).toBeLessThanOrEqual(1e-12);
        });
        for (const avg of [r.macro, r.micro, r.weighted]) {
          for (const v of [avg.precision, avg.recall, avg.f1]) {
            expect(v).toBeGreaterThanOrEqual(0);
            expect(v).toBeLessThanOrEqual(1 + 1e-12);
          }
        }
      }),
      params,
    );
  });

  it('confusion matrix: sums to N, rows sum to the support, diagonal is the number correct', () => {
    fc.assert(
      fc.property(labelPair, ([k, yTrue, yPred]) => {
        const m = confusionMatrix(yTrue, yPred, { numLabels: k });
        const total = m.flat().reduce((a, b) => a + b, 0);
        expect(total).toBe(yTrue.length);
        const support = precisionRecallF1(yTrue, yPred, { numLabels: k }).perClass.support;
        expect(m.map((row) => row.reduce((a, b) => a + b, 0))).toEqual(support);
        const diag = m.reduce((a, row, i) => a + row[i]!, 0);
        expect(diag).toBe(yTrue.filter((t, i) => t === yPred[i]).length);
      }),
      params,
    );
  });

  it('MCC is in [-1, 1], symmetric in its arguments, and 1 for a perfect prediction of 2+ classes', () => {
    fc.assert(
      fc.property(labelPair, ([, yTrue, yPred]) => {
        const m = matthewsCorrcoef(yTrue, yPred);
        expect(Math.abs(m)).toBeLessThanOrEqual(1 + 1e-12);
        expect(Math.abs(m - matthewsCorrcoef(yPred, yTrue))).toBeLessThanOrEqual(1e-12);
        const perfect = matthewsCorrcoef(yTrue, yTrue);
        expect(perfect).toBe(new Set(yTrue).size >= 2 ? 1 : 0);
      }),
      params,
    );
  });
});

describe('correlation properties', () => {
  it('Pearson of x and a*x + b is sign(a)', () => {
    const ab = fc.tuple(
      fc
        .integer({ min: -400, max: 400 })
        .filter((a) => a !== 0)
        .map((a) => a / 16),
      fc.integer({ min: -1000, max: 1000 }).map((b) => b / 4),
    );
    fc.assert(
      fc.property(realVector, ab, (x, [a, b]) => {
        const y = x.map((v) => a * v + b);
        expect(Math.abs(pearson(x, y) - Math.sign(a))).toBeLessThanOrEqual(1e-12);
      }),
      params,
    );
  });

  it('Pearson and Spearman are symmetric and in [-1, 1]', () => {
    fc.assert(
      fc.property(realPair, ([x, y]) => {
        for (const f of [pearson, spearman]) {
          const r = f(x, y);
          expect(Math.abs(r)).toBeLessThanOrEqual(1);
          expect(Math.abs(r - f(y, x))).toBeLessThanOrEqual(1e-12);
        }
      }),
      params,
    );
  });

  it('Spearman is unchanged by increasing transforms and negated by decreasing ones', () => {
    fc.assert(
      fc.property(realPair, ([x, y]) => {
        const r = spearman(x, y);
        // strictly increasing on [-125, 125], and distinct inputs stay distinct doubles
        expect(
          spearman(
            x.map((v) => Math.exp(v / 50)),
            y,
          ),
        ).toBe(r);
        expect(
          spearman(
            x,
            y.map((v) => v * v * v + 3 * v),
          ),
        ).toBe(r);
        expect(
          Math.abs(
            spearman(
              x.map((v) => -2 * v),
              y,
            ) + r,
          ),
        ).toBeLessThanOrEqual(1e-12);
      }),
      params,
    );
  });
});
