/**
 * What the matmul benchmarks (matmul.ts, backends.ts, wasm-matmul.ts) share: random operands, the kernel
 * call for one product, switching backend and thread count before a contestant's turn, and how far an
 * output is from a reference. (Not a benchmark itself: report.ts lists it among NOT_BENCHMARKS.)
 */
import { type Rng, setBackend, setCpuThreads, type MatmulArgs } from '../src/index.ts';

/** `size` standard-normal float32 values from `rng`. */
export function randomArray(size: number, rng: Rng): Float32Array {
  const a = new Float32Array(size);
  for (let i = 0; i < size; i++) a[i] = rng.normal();
  return a;
}

/**
 * The kernel arguments of out = A @ op(B) for A [m, k] and B stored [k, n], or [n, k] when `transposeB`
 * (a Linear weight), one matrix (batch 1).
 */
export function productArgs(a: Float32Array, b: Float32Array, out: Float32Array, s: { m: number; k: number; n: number }, transposeB = false): MatmulArgs {
  return { a, b, out, batch: 1, m: s.m, n: s.n, k: s.k, transposeA: false, transposeB, aBatchStride: 0, bBatchStride: 0 };
}

/** A contestant's `before`: select `backend` and use `threads` threads. */
export function onBackend(backend: string, threads: number): () => void {
  return () => {
    setBackend(backend);
    setCpuThreads(threads);
  };
}

/** max |x - y| / max |y|: how far an output is from a reference, relative to the reference's scale. */
export function relativeDiff(x: Float32Array, y: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < x.length; i++) {
    diff = Math.max(diff, Math.abs(x[i] - y[i]));
    scale = Math.max(scale, Math.abs(y[i]));
  }
  return diff / scale;
}
