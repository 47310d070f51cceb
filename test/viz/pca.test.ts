/**
 * PCA (src/viz/pca.ts) against answers worked out by hand, the Gram-matrix route against the covariance
 * route, the sign convention, and the Jacobi eigensolver's reconstruction.
 */
import { describe, expect, it } from 'vitest';
import { pca, symmetricEigen } from '../../src/viz/index.ts';
import { Rng } from '../../src/tensor/random.ts';

describe('pca', () => {
  it('finds the hand-computed directions of a covariance [[2, 1], [1, 2]]', () => {
    // Points ±(a, a) and ±(b, -b) with a² = 2.25, b² = 0.75 have mean 0 and covariance (over n - 1 = 3)
    // diagonal (2a² + 2b²) / 3 = 2 and off-diagonal (2a² - 2b²) / 3 = 1. Its eigenvalues are 3 along
    // (1, 1)/√2 and 1 along (1, -1)/√2 (sign: the first of two equal-magnitude entries is positive).
    const a = 1.5;
    const b = Math.sqrt(0.75);
    const r = pca([
      [a, a],
      [-a, -a],
      [b, -b],
      [-b, b],
    ]);
    expect(r.mean).toEqual([0, 0]);
    expect(r.variances[0]).toBeCloseTo(3, 12);
    expect(r.variances[1]).toBeCloseTo(1, 12);
    expect(r.varianceRatios[0]).toBeCloseTo(0.75, 12);
    expect(r.components[0]![0]).toBeCloseTo(Math.SQRT1_2, 12);
    expect(r.components[0]![1]).toBeCloseTo(Math.SQRT1_2, 12);
    expect(r.components[1]![0]).toBeCloseTo(Math.SQRT1_2, 12);
    expect(r.components[1]![1]).toBeCloseTo(-Math.SQRT1_2, 12);
    // Scores: (a, a) lies a√2 = 2.1213 along the first direction and 0 along the second.
    expect(r.scores[0]![0]).toBeCloseTo(a * Math.SQRT2, 12);
    expect(r.scores[0]![1]).toBeCloseTo(0, 12);
    expect(r.scores[2]![1]).toBeCloseTo(b * Math.SQRT2, 12);
  });

  it('centres the data: points on the line (1, 2, 2) t + (5, 5, 5) have one direction, (1, 2, 2)/3', () => {
    const rows = [-2, -1, 0, 1, 2].map((t) => [5 + t, 5 + 2 * t, 5 + 2 * t]);
    const r = pca(rows);
    expect(r.mean).toEqual([5, 5, 5]);
    r.components[0]!.forEach((v, i) => expect(v).toBeCloseTo([1 / 3, 2 / 3, 2 / 3][i]!, 12));
    // Variance along it: |(1,2,2)|² = 9 times var(t) = 10 / 4 = 2.5.
    expect(r.variances[0]).toBeCloseTo(22.5, 10);
    expect(r.varianceRatios[0]).toBeCloseTo(1, 12);
    expect(r.variances[1]).toBeCloseTo(0, 10);
    expect(r.scores.map((s) => s[0])).toEqual([-6, -3, 0, 3, 6].map((v) => expect.closeTo(v, 10)));
  });

  it('gives the same answer through the Gram matrix when there are fewer rows than dimensions', () => {
    const rng = new Rng('pca-gram');
    const small = Array.from({ length: 30 }, () => Array.from({ length: 6 }, () => rng.normal()));
    const wide = small.map((r) => [...r, ...Array.from({ length: 40 }, () => 0)]); // 30 rows, 46 dimensions
    const viaCov = pca(small, 3);
    const viaGram = pca(wide, 3);
    for (let k = 0; k < 3; k++) {
      expect(viaGram.variances[k]).toBeCloseTo(viaCov.variances[k]!, 10);
      viaCov.components[k]!.forEach((v, i) => expect(viaGram.components[k]![i]).toBeCloseTo(v, 9));
      expect(viaGram.components[k]!.slice(6).every((v) => Math.abs(v) < 1e-12)).toBe(true);
      viaCov.scores.forEach((s, i) => expect(viaGram.scores[i]![k]).toBeCloseTo(s[k]!, 9));
    }
  });

  it("fixes each direction's sign: negating the data flips the scores, not the components", () => {
    const rows = [
      [3, 1, 0],
      [-1, 2, 1],
      [0, -2, 4],
      [1, 1, 1],
      [-3, 0, -2],
    ];
    const r = pca(rows);
    const neg = pca(rows.map((row) => row.map((v) => -v)));
    for (let k = 0; k < 2; k++) {
      const c = r.components[k]!;
      const big = c.reduce((best, v, i) => (Math.abs(v) > Math.abs(c[best]!) ? i : best), 0);
      expect(c[big]).toBeGreaterThan(0);
      c.forEach((v, i) => expect(neg.components[k]![i]).toBeCloseTo(v, 12));
      r.scores.forEach((s, i) => expect(neg.scores[i]![k]).toBeCloseTo(-s[k]!, 12));
    }
  });

  it('rejects input it cannot project, saying why', () => {
    expect(() => pca([[1, 2]])).toThrow(/at least 2 rows, got 1/);
    expect(() => pca([[1, 2], [3]])).toThrow(/every row to have 2 values \(like row 0\), row 1 has 1/);
    expect(() =>
      pca([
        [1, 2],
        [3, Number.NaN],
      ]),
    ).toThrow(/row 1 value 1 is NaN/);
    expect(() =>
      pca(
        [
          [1, 2],
          [3, 4],
        ],
        3,
      ),
    ).toThrow(/1 <= k <= 2/);
    expect(() =>
      pca(
        [
          [1, 2, 3],
          [3, 4, 5],
        ],
        3,
      ),
    ).toThrow(/2 rows have at most 2 principal directions/);
  });
});

describe('symmetricEigen (cyclic Jacobi)', () => {
  it('reconstructs a symmetric matrix as V diag(λ) Vᵀ with orthonormal V', () => {
    const rng = new Rng('jacobi');
    const m = 7;
    const a = Array.from({ length: m }, () => new Array<number>(m).fill(0));
    for (let i = 0; i < m; i++) for (let j = i; j < m; j++) a[i]![j] = a[j]![i] = rng.normal();
    const { values, vectors } = symmetricEigen(a);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < m; j++) {
        const back = values.reduce((acc, l, k) => acc + l * vectors[k]![i]! * vectors[k]![j]!, 0);
        expect(back).toBeCloseTo(a[i]![j]!, 10);
        const dot = vectors[i]!.reduce((acc, v, k) => acc + v * vectors[j]![k]!, 0);
        expect(dot).toBeCloseTo(i === j ? 1 : 0, 10);
      }
    }
    expect(() => symmetricEigen([[1, 2], [3]])).toThrow(/expected a 2x2 matrix, row 1 has 1 entries/);
  });
});
