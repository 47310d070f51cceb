/**
 * Principal component analysis, computed here: the directions along which a set of vectors varies most,
 * used to draw 64- or 768-dimensional word vectors on a page.
 *
 *   X        the n rows, each minus the mean row                         [n, d]
 *   C        = Xᵀ X / (n - 1), the covariance                            [d, d]
 *   C v = λ v  the eigenpairs, largest λ first: v is a principal direction, λ the variance along it
 *   scores   = X v, each row's coordinate along v                        [n]
 *
 * The eigenpairs come from the cyclic Jacobi method (rotate away the largest off-diagonal entries until the
 * matrix is diagonal): slower than LAPACK, but exact to rounding, deterministic and thirty lines long.
 * When there are fewer rows than dimensions (40 words of 768 numbers) the same directions come from the
 * smaller Gram matrix G = X Xᵀ / (n - 1) [n, n]: if G u = λ u then C (Xᵀ u) = λ (Xᵀ u).
 *
 * An eigenvector's sign is arbitrary (v and -v are both eigenvectors), so a picture could flip between two
 * runs for no reason. The convention here: each direction's largest-magnitude entry is positive (the first
 * such entry on a tie).
 */

export interface PcaResult {
  /** The mean row that was subtracted, [d]. */
  mean: number[];
  /**
   * The k principal directions, unit length, largest variance first: [k][d]. (With fewer rows than
   * dimensions, a direction beyond the n - 1 that carry variance is all zeros: there is nothing to point at.)
   */
  components: number[][];
  /** Variance along each direction (the eigenvalue), [k]. */
  variances: number[];
  /** Each direction's share of the total variance, [k]. */
  varianceRatios: number[];
  /** Each row's coordinates along the directions: [n][k]. */
  scores: number[][];
}

/**
 * Eigenvalues and eigenvectors of a symmetric matrix by cyclic Jacobi rotations.
 * @param a symmetric [m][m]; not modified
 * @returns values (unsorted) and vectors[j] = the unit eigenvector of values[j]
 */
export function symmetricEigen(a: readonly (readonly number[])[]): { values: number[]; vectors: number[][] } {
  const m = a.length;
  a.forEach((row, i) => {
    if (row.length !== m) throw new Error(`symmetricEigen: expected a ${m}x${m} matrix, row ${i} has ${row.length} entries`);
  });
  const s = a.map((row) => Float64Array.from(row));
  const v = Array.from({ length: m }, (_, i) => Float64Array.from({ length: m }, (_, j) => (i === j ? 1 : 0))); // columns: eigenvectors
  const scale = Math.max(1e-300, ...s.map((row) => Math.max(...Array.from(row, Math.abs))));
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < m; p++) for (let q = p + 1; q < m; q++) off = Math.max(off, Math.abs(s[p]![q]!));
    if (off <= 1e-15 * scale) break;
    for (let p = 0; p < m; p++) {
      for (let q = p + 1; q < m; q++) {
        const apq = s[p]![q]!;
        if (Math.abs(apq) <= 1e-300) continue;
        // The rotation by angle θ in the (p, q) plane that zeroes s[p][q]: tan 2θ = 2 a_pq / (a_qq - a_pp),
        // with t = tan θ taken as the smaller root for stability.
        const theta = (s[q]![q]! - s[p]![p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const sn = t * c;
        for (let k = 0; k < m; k++) {
          // Rows/columns p and q of S <- Jᵀ S J, and V <- V J.
          const skp = s[k]![p]!;
          const skq = s[k]![q]!;
          s[k]![p] = c * skp - sn * skq;
          s[k]![q] = sn * skp + c * skq;
        }
        for (let k = 0; k < m; k++) {
          const spk = s[p]![k]!;
          const sqk = s[q]![k]!;
          s[p]![k] = c * spk - sn * sqk;
          s[q]![k] = sn * spk + c * sqk;
        }
        for (let k = 0; k < m; k++) {
          const vkp = v[k]![p]!;
          const vkq = v[k]![q]!;
          v[k]![p] = c * vkp - sn * vkq;
          v[k]![q] = sn * vkp + c * vkq;
        }
      }
    }
  }
  return {
    values: Array.from({ length: m }, (_, j) => s[j]![j]!),
    vectors: Array.from({ length: m }, (_, j) => Array.from({ length: m }, (_, k) => v[k]![j]!)),
  };
}

/** Flip `v` so that its largest-magnitude entry (the first one on a tie) is positive. */
function fixSign(v: number[]): number[] {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (Math.abs(v[i]!) > Math.abs(v[best]!) + 1e-12) best = i;
  return v[best]! < 0 ? v.map((x) => -x) : v;
}

/**
 * The top `k` principal components of `rows`.
 * @param rows [n][d], n >= 2, every row the same length, finite
 * @param k how many directions (default 2), at most d
 */
export function pca(rows: readonly ArrayLike<number>[], k = 2): PcaResult {
  const n = rows.length;
  if (n < 2) throw new Error(`pca: expected at least 2 rows, got ${n}`);
  const d = rows[0]!.length;
  if (!(Number.isInteger(k) && k >= 1 && k <= d)) throw new Error(`pca: expected 1 <= k <= ${d} (the row length), got ${k}`);
  rows.forEach((r, i) => {
    if (r.length !== d) throw new Error(`pca: expected every row to have ${d} values (like row 0), row ${i} has ${r.length}`);
    for (let j = 0; j < d; j++) if (!Number.isFinite(r[j]!)) throw new Error(`pca: row ${i} value ${j} is ${r[j]}, expected a finite number`);
  });
  // With n < d the Gram route below finds n directions at most (n - 1 of them with variance).
  if (k > n) throw new Error(`pca: ${n} rows have at most ${n} principal directions, asked for k = ${k}`);
  const mean = Array.from({ length: d }, (_, j) => rows.reduce((acc, r) => acc + r[j]!, 0) / n);
  const x = rows.map((r) => Array.from({ length: d }, (_, j) => r[j]! - mean[j]!)); // [n][d], centred
  const dot = (a: readonly number[], b: readonly number[]) => a.reduce((acc, ai, i) => acc + ai * b[i]!, 0);

  let pairs: { value: number; vector: number[] }[];
  if (d <= n) {
    const cov = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => x.reduce((acc, r) => acc + r[i]! * r[j]!, 0) / (n - 1)));
    const eig = symmetricEigen(cov);
    pairs = eig.values.map((value, j) => ({ value, vector: eig.vectors[j]! }));
  } else {
    const gram = x.map((a) => x.map((b) => dot(a, b) / (n - 1)));
    const eig = symmetricEigen(gram);
    pairs = eig.values.map((value, j) => {
      const u = eig.vectors[j]!;
      const w = Array.from({ length: d }, (_, c) => x.reduce((acc, r, i) => acc + r[c]! * u[i]!, 0)); // Xᵀ u
      const norm = Math.sqrt(dot(w, w));
      return { value, vector: norm > 0 ? w.map((wi) => wi / norm) : w };
    });
  }
  // Largest variance first; equal variances keep the solver's order, which is itself deterministic.
  pairs = pairs.map((p, i) => ({ ...p, i })).sort((a, b) => b.value - a.value || a.i - b.i);
  const top = pairs.slice(0, k).map((p) => ({ value: Math.max(0, p.value), vector: fixSign(p.vector) }));
  const total = x.reduce((acc, r) => acc + dot(r, r), 0) / (n - 1);
  return {
    mean,
    components: top.map((p) => p.vector),
    variances: top.map((p) => p.value),
    varianceRatios: top.map((p) => (total > 0 ? p.value / total : 0)),
    scores: x.map((r) => top.map((p) => dot(r, p.vector))),
  };
}
