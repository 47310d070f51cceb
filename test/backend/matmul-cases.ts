/** Random matmul problems shared by the kernel tests (cpu, threads, wasm, gpujs). */
import type { FloatArray, MatmulArgs } from '../../src/backend/kernels.ts';
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
    a, b, out: alloc(p.batch * p.m * p.n).fill(NaN), batch: p.batch, m: p.m, n: p.n, k: p.k,
    transposeA: p.transposeA, transposeB: p.transposeB,
    aBatchStride: p.broadcastA ? 0 : p.m * p.k,
    bBatchStride: p.broadcastB ? 0 : p.k * p.n,
  };
}

/**
 * Every element of `args.out` within float32's error bound for a sum of k products, against a float64 loop:
 * |c - exact| <= (k + 2) u sum_p |a_p b_p|, u = 2^-24 (each product and each addition rounded once, plus the
 * final store). Throws naming the first element outside it.
 */
export function expectWithinFloat32Bound(args: MatmulArgs): void {
  const { a, b, out, batch, m, n, k, transposeA, transposeB, aBatchStride, bBatchStride } = args;
  for (let z = 0; z < batch; z++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let exact = 0;
        let abs = 0;
        for (let p = 0; p < k; p++) {
          const av = transposeA ? a[z * aBatchStride + p * m + i] : a[z * aBatchStride + i * k + p];
          const bv = transposeB ? b[z * bBatchStride + j * k + p] : b[z * bBatchStride + p * n + j];
          exact += av * bv;
          abs += Math.abs(av * bv);
        }
        const got = out[(z * m + i) * n + j];
        const bound = (k + 2) * 2 ** -24 * abs;
        if (!(Math.abs(got - exact) <= bound)) {
          throw new Error(`C[${z}, ${i}, ${j}] = ${got}, exact ${exact}: error ${Math.abs(got - exact)} above the float32 bound ${bound}`);
        }
      }
    }
  }
}
