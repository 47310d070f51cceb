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
