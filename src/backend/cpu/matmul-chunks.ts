/**
 * A threaded matmul as the main thread and the workers both see it: a job description (posted to every
 * worker) and the loop that takes chunks of rows of C from a shared counter until none are left.
 *
 * Chunk q covers rows [i0, i0 + rowsPerChunk) of matrix q / chunksPerMatrix of the batch. Whoever takes a
 * chunk runs gemmABt on exactly those rows; every element of C is computed by one thread, in the same order
 * of additions as the single-threaded kernel, so the result does not depend on who took which chunk.
 */
import type { FloatArray } from '../kernels.ts';
import { gemmABt } from './gemm.ts';

/** Slots of the job's Int32Array counter. */
export const NEXT = 0; // the next chunk to take
export const DONE = 1; // chunks finished (the main thread waits on this one)
export const FAILED = 2; // set to 1 when a chunk threw
export const BY_WORKERS = 3; // chunks computed by worker threads (for tests and benchmarks)

/**
 * Everything a worker needs, in shared memory. Offsets and strides count elements of the array type.
 * A holds [*, m, k] (aStride elements apart, 0 when one A serves the whole batch), B holds [*, n, k],
 * C receives [batch, m, n].
 */
export interface MatmulJob {
  f64: boolean;
  a: SharedArrayBuffer;
  aOff: number;
  aStride: number;
  b: SharedArrayBuffer;
  bOff: number;
  bStride: number;
  c: SharedArrayBuffer;
  cOff: number;
  m: number;
  n: number;
  k: number;
  rowsPerChunk: number;
  chunksPerMatrix: number;
  chunks: number;
  /** Int32Array [NEXT, DONE, FAILED, BY_WORKERS]. */
  counter: SharedArrayBuffer;
}

/** A float view of a whole shared buffer (job offsets count from its start). */
export function floatView(buffer: SharedArrayBuffer, f64: boolean): FloatArray {
  return f64 ? new Float64Array(buffer, 0, buffer.byteLength >> 3) : new Float32Array(buffer, 0, buffer.byteLength >> 2);
}

/**
 * Take chunks of `job` and compute them until none are left. `onError` hears about a chunk that threw (the
 * chunk still counts as done, so the main thread never waits for it forever).
 * @param isWorker whether the caller is a worker thread (counted in BY_WORKERS)
 */
export function runMatmulChunks(job: MatmulJob, A: FloatArray, B: FloatArray, C: FloatArray, isWorker: boolean, onError: (e: unknown) => void): void {
  const counter = new Int32Array(job.counter);
  const { m, n, k, rowsPerChunk, chunksPerMatrix, chunks } = job;
  for (;;) {
    const q = Atomics.add(counter, NEXT, 1);
    if (q >= chunks) return;
    try {
      const bi = Math.floor(q / chunksPerMatrix);
      const i0 = (q % chunksPerMatrix) * rowsPerChunk;
      const rows = Math.min(m, i0 + rowsPerChunk) - i0;
      const aOff = job.aOff + bi * job.aStride + i0 * k;
      const bOff = job.bOff + bi * job.bStride;
      const cOff = job.cOff + bi * m * n + i0 * n;
      gemmABt(A, aOff, B, bOff, C, cOff, rows, n, k);
      if (isWorker) Atomics.add(counter, BY_WORKERS, 1);
    } catch (e) {
      Atomics.store(counter, FAILED, 1);
      onError(e);
    } finally {
      if (Atomics.add(counter, DONE, 1) + 1 === chunks) Atomics.notify(counter, DONE);
    }
  }
}
