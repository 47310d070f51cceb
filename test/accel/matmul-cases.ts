/** Random matmul problems shared by the kernel tests (cpu, threads, wasm, gpujs). */
import type { FloatArray, MatmulArgs } from '../../src/accel/kernels.ts';
import { Rng } from '../../src/tensor/random.ts';

export interface MatmulCase {
  batch: number;
  m: number;
  n: number;
  k: number;
  transposeA: boolean;
  transposeB: boolean;
  /** One A (or B) matrix for the whole batch: batch stride 0. */
  broadcastA?: boolean;
  broadcastB?: boolean;
  seed: number;
}

/**
 * Operands uniform in [-1, 1) from `seed` (A first, then B), and `out` filled with NaN so that a kernel
 * that leaves an element unwritten fails.
 */
export function randomMatmulArgs(p: MatmulCase, dtype: 'float32' | 'float64' = 'float32'): MatmulArgs {
  const rng = new Rng(p.seed);
  const alloc = (n: number): FloatArray => (dtype === 'float32' ? new Float32Array(n) : new Float64Array(n));
  const fill = (arr: FloatArray) => {
    for (let i = 0; i < arr.length; i++) arr[i] = rng.uniform(-1, 1);
    return arr;
  };
  const a = fill(alloc((p.broadcastA ? 1 : p.batch) * p.m * p.k));
  const b = fill(alloc((p.broadcastB ? 1 : p.batch) * p.k * p.n));
  return {
    a,
    b,
    out: alloc(p.batch * p.m * p.n).fill(NaN),
    batch: p.batch,
    m: p.m,
    n: p.n,
    k: p.k,
    transposeA: p.transposeA,
    transposeB: p.transposeB,
    aBatchStride: p.broadcastA ? 0 : p.m * p.k,
    bBatchStride: p.broadcastB ? 0 : p.k * p.n,
  };
}

/** The definition: out[b, i, j] = sum_p A[b, i, p] B[b, p, j], in float64, p ascending; and sum_p |A||B|. */
export function float64Reference(args: MatmulArgs): { ref: Float64Array; sumAbs: Float64Array } {
  const { a, b, batch, m, n, k, transposeA, transposeB, aBatchStride, bBatchStride } = args;
  const ref = new Float64Array(batch * m * n);
  const sumAbs = new Float64Array(batch * m * n);
  for (let bi = 0; bi < batch; bi++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        let abs = 0;
        for (let p = 0; p < k; p++) {
          const av = transposeA ? a[bi * aBatchStride + p * m + i] : a[bi * aBatchStride + i * k + p];
          const bv = transposeB ? b[bi * bBatchStride + j * k + p] : b[bi * bBatchStride + p * n + j];
          s += av * bv;
          abs += Math.abs(av * bv);
        }
        ref[(bi * m + i) * n + j] = s;
        sumAbs[(bi * m + i) * n + j] = abs;
      }
    }
  }
  return { ref, sumAbs };
}

/**
 * [docs: float32-matmul-bound]
 * Every element of `args.out` within float32's error bound for a sum of k products, against the float64
 * reference: |c - exact| <= (k + 2) u sum_p |a_p b_p|, u = 2^-24 (each product and each addition rounded
 * once, plus the final store). Throws naming the first element outside it.
 */
export function expectWithinFloat32Bound(args: MatmulArgs): void {
  const { out, m, n, k } = args;
  const { ref, sumAbs } = float64Reference(args);
  for (let e = 0; e < ref.length; e++) {
    const bound = (k + 2) * 2 ** -24 * sumAbs[e];
    if (!(Math.abs(out[e] - ref[e]) <= bound)) {
      const z = Math.floor(e / (m * n));
      const i = Math.floor((e % (m * n)) / n);
      throw new Error(`C[${z}, ${i}, ${e % n}] = ${out[e]}, exact ${ref[e]}: error ${Math.abs(out[e] - ref[e])} above the float32 bound ${bound}`);
    }
  }
}
