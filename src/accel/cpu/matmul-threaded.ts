/**
 * The multi-threaded matmul: the rows of C are cut into chunks, and the main thread and the worker threads
 * take chunks from a shared counter until none are left. It stays synchronous for the caller: the main
 * thread posts the job, works on chunks itself, then sleeps in Atomics.wait until the last chunk is done.
 *
 * Workers can only read memory they share with the main thread, a SharedArrayBuffer. Operands that live in
 * ordinary ArrayBuffers are copied into shared scratch buffers first (O(mk + nk + mn), small next to the
 * O(mnk) product); the operands that need packing (transposeA, or B not transposed) are packed straight
 * into them. C is written to shared scratch and copied out unless `out` is itself shared.
 *
 * Determinism: every element of C is computed by exactly one thread with gemmABt, in the same order of
 * additions as the single-threaded kernel (see gemm.ts), so results are bit-identical for any thread count.
 */
import type { FloatArray, MatmulArgs } from '../kernels.ts';
import { newCounter } from './chunks.ts';
import { transposeInto } from './gemm.ts';
import { runMatmulChunks, type MatmulJob } from './matmul-chunks.ts';
import { isShared, sharedOutput, sharedScratch, type SharedRef } from './shared-memory.ts';
import { getCpuThreads, getMinParallelWork } from './threads.ts';
import { runParallel } from './worker-pool-node.ts';

/** Whether matmulBlocked should hand `args` to matmulThreaded. */
export function shouldUseThreads({ batch, m, n, k }: MatmulArgs): boolean {
  return getCpuThreads() > 1 && batch * m * n * k >= getMinParallelWork() && batch * m > 4;
}

/**
 * Bring the batch matrices of an operand into shared memory in row-major [rows, k] form.
 * @param x the operand; matrix i starts at i * stride
 * @param count how many distinct matrices (1 when the operand is broadcast, stride 0)
 * @param rows, k the shape wanted; `transposed` says x stores each matrix as [k, rows] and must be packed
 * @returns where the matrices are, and the stride between them
 */
function toShared(role: string, x: FloatArray, count: number, stride: number, rows: number, k: number, transposed: boolean): SharedRef & { stride: number } {
  if (!transposed && isShared(x)) {
    return { buffer: x.buffer as SharedArrayBuffer, offset: x.byteOffset / x.BYTES_PER_ELEMENT, stride };
  }
  const size = rows * k;
  const dst = sharedScratch(role, x instanceof Float64Array, count * size);
  for (let i = 0; i < count; i++) {
    if (transposed) transposeInto(x, i * stride, k, rows, dst, i * size);
    else dst.set(x.subarray(i * stride, i * stride + size), i * size);
  }
  return { buffer: dst.buffer as SharedArrayBuffer, offset: 0, stride: count === 1 ? 0 : size };
}

/** matmulBlocked's contract (see MatmulArgs), computed by the main thread and the workers together. */
export function matmulThreaded(args: MatmulArgs): void {
  const { a, b, out, batch, m, n, k, transposeA, transposeB, aBatchStride, bBatchStride } = args;
  const threads = getCpuThreads();
  const A = toShared('matmul.a', a, aBatchStride === 0 ? 1 : batch, aBatchStride, m, k, transposeA);
  const B = toShared('matmul.b', b, bBatchStride === 0 ? 1 : batch, bBatchStride, n, k, !transposeB);
  const C = sharedOutput('matmul.c', out);

  // About four chunks per thread, so that a thread slowed down by other work holds up little; chunks
  // are whole groups of 4 rows (the register tile's height) and never straddle two matrices of the batch.
  const wanted = Math.ceil((batch * m) / (4 * threads));
  const rowsPerChunk = Math.min(4 * Math.ceil(m / 4), Math.max(4, 4 * Math.ceil(wanted / 4)));
  const chunksPerMatrix = Math.ceil(m / rowsPerChunk);
  const job: MatmulJob = {
    kind: 'matmul',
    f64: out instanceof Float64Array,
    a: A.buffer,
    aOff: A.offset,
    aStride: A.stride,
    b: B.buffer,
    bOff: B.offset,
    bStride: B.stride,
    c: C.ref.buffer,
    cOff: C.ref.offset,
    m,
    n,
    k,
    rowsPerChunk,
    chunksPerMatrix,
    chunks: batch * chunksPerMatrix,
    counter: newCounter(),
  };
  const byWorkers = runParallel(job, threads, (onError) => runMatmulChunks(job, false, onError), `matmul of [${batch} x ${m} x ${k}] @ [${k} x ${n}]`);
  if (C.view !== out) out.set(C.view);
  lastStats = { chunks: job.chunks, byWorkers, rowsPerChunk };
}

/** How the last threaded product was shared out: chunks in all, chunks the workers computed, rows per chunk. */
export interface ThreadedMatmulStats {
  chunks: number;
  byWorkers: number;
  rowsPerChunk: number;
}

let lastStats: ThreadedMatmulStats | null = null;

/** Statistics of the last matmulThreaded call (null before the first). */
export function lastThreadedMatmulStats(): ThreadedMatmulStats | null {
  return lastStats;
}
