/**
 * A threaded matmul as the main thread and the workers both see it: a job description (posted to every
 * worker) and the chunk body.
 *
 * Chunk q covers rows [i0, i0 + rowsPerChunk) of matrix q / chunksPerMatrix of the batch. Whoever takes a
 * chunk runs gemmABt on exactly those rows; every element of C is computed by one thread, in the same order
 * of additions as the single-threaded kernel, so the result does not depend on who took which chunk.
 */
import type { FloatArray } from '../kernels.ts';
import { takeChunks, type ChunkedJob } from './chunks.ts';
import { gemmABt } from './gemm.ts';
import { floatView } from './shared-memory.ts';

/**
 * Everything a worker needs, in shared memory. Offsets and strides count elements of the array type.
 * A holds [*, m, k] (aStride elements apart, 0 when one A serves the whole batch), B holds [*, n, k],
 * C receives [batch, m, n].
 */
export interface MatmulJob extends ChunkedJob {
  kind: 'matmul';
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
}

/** Take chunks of `job` and compute them until none are left (see takeChunks). */
export function runMatmulChunks(job: MatmulJob, isWorker: boolean, onError: (e: unknown) => void): void {
  const A: FloatArray = floatView(job.a, job.f64);
  const B: FloatArray = floatView(job.b, job.f64);
  const C: FloatArray = floatView(job.c, job.f64);
  const { m, n, k, rowsPerChunk, chunksPerMatrix } = job;
  takeChunks(job, isWorker, onError, (q) => {
    const bi = Math.floor(q / chunksPerMatrix);
    const i0 = (q % chunksPerMatrix) * rowsPerChunk;
    const rows = Math.min(m, i0 + rowsPerChunk) - i0;
    const aOff = job.aOff + bi * job.aStride + i0 * k;
    const bOff = job.bOff + bi * job.bStride;
    const cOff = job.cOff + bi * m * n + i0 * n;
    gemmABt(A, aOff, B, bOff, C, cOff, rows, n, k);
  });
}
