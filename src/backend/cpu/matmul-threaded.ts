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
import { transposeInto } from './gemm.ts';
import { BY_WORKERS, DONE, FAILED, floatView, runMatmulChunks, type MatmulJob } from './matmul-chunks.ts';
import { getCpuThreads } from './threads.ts';
import { getWorkers, takeWorkerErrors } from './worker-pool.ts';

/**
 * Products with fewer multiply-adds (batch * m * n * k) stay on one thread: posting a job and waking the
 * workers costs tens of microseconds, which a product of 2^20 multiply-adds (about 0.3 ms) pays back.
 */
let minParallelWork = 1 << 20;

/** Change the size from which products are split over threads (tests set 0 to thread tiny products). */
export function setMinParallelWork(multiplyAdds: number): void {
  minParallelWork = multiplyAdds;
}

export function getMinParallelWork(): number {
  return minParallelWork;
}

/** Whether matmulBlocked should hand `args` to matmulThreaded. */
export function shouldUseThreads({ batch, m, n, k }: MatmulArgs): boolean {
  return getCpuThreads() > 1 && batch * m * n * k >= minParallelWork && batch * m > 4;
}

/** Reusable shared scratch buffers, one per role, grown when a product needs more. */
const scratch = new Map<string, SharedArrayBuffer>();

function sharedScratch(role: 'a' | 'b' | 'c', f64: boolean, size: number): FloatArray {
  const bytes = size * (f64 ? 8 : 4);
  let buf = scratch.get(role);
  if (!buf || buf.byteLength < bytes) {
    const grown = Math.max(bytes, Math.ceil((buf?.byteLength ?? 0) * 1.5));
    buf = new SharedArrayBuffer(8 * Math.ceil(grown / 8));
    scratch.set(role, buf);
  }
  return f64 ? new Float64Array(buf, 0, size) : new Float32Array(buf, 0, size);
}

function isShared(x: FloatArray): boolean {
  return x.buffer instanceof SharedArrayBuffer;
}

/** Where an operand lives in shared memory: its buffer, its offset and the stride between batch matrices. */
interface SharedOperand {
  buffer: SharedArrayBuffer;
  offset: number;
  stride: number;
}

/**
 * Bring the batch matrices of an operand into shared memory in row-major [rows, k] form.
 * @param x the operand; matrix i starts at i * stride
 * @param count how many distinct matrices (1 when the operand is broadcast, stride 0)
 * @param rows, k the shape wanted; `transposed` says x stores each matrix as [k, rows] and must be packed
 */
function toShared(role: 'a' | 'b', x: FloatArray, count: number, stride: number, rows: number, k: number, transposed: boolean): SharedOperand {
  const f64 = x instanceof Float64Array;
  if (!transposed && isShared(x)) {
    return { buffer: x.buffer as SharedArrayBuffer, offset: x.byteOffset / x.BYTES_PER_ELEMENT, stride };
  }
  const size = rows * k;
  const dst = sharedScratch(role, f64, count * size);
  for (let i = 0; i < count; i++) {
    if (transposed) transposeInto(x, i * stride, k, rows, dst, i * size);
    else dst.set(x.subarray(i * stride, i * stride + size), i * size);
  }
  return { buffer: dst.buffer as SharedArrayBuffer, offset: 0, stride: count === 1 ? 0 : size };
}

/** matmulBlocked's contract (see MatmulArgs), computed by the main thread and the workers together. */
export function matmulThreaded(args: MatmulArgs): void {
  const { a, b, out, batch, m, n, k, transposeA, transposeB, aBatchStride, bBatchStride } = args;
  const f64 = out instanceof Float64Array;
  const threads = getCpuThreads();
  const A = toShared('a', a, aBatchStride === 0 ? 1 : batch, aBatchStride, m, k, transposeA);
  const B = toShared('b', b, bBatchStride === 0 ? 1 : batch, bBatchStride, n, k, !transposeB);
  const C = isShared(out) ? out : sharedScratch('c', f64, batch * m * n);

  // About four chunks per thread, so that a thread slowed down by other work holds up little; chunks
  // are whole groups of 4 rows (the register tile's height) and never straddle two matrices of the batch.
  const wanted = Math.ceil((batch * m) / (4 * threads));
  const rowsPerChunk = Math.min(4 * Math.ceil(m / 4), Math.max(4, 4 * Math.ceil(wanted / 4)));
  const chunksPerMatrix = Math.ceil(m / rowsPerChunk);
  const job: MatmulJob = {
    f64,
    a: A.buffer, aOff: A.offset, aStride: A.stride,
    b: B.buffer, bOff: B.offset, bStride: B.stride,
    c: C.buffer as SharedArrayBuffer, cOff: C.byteOffset / C.BYTES_PER_ELEMENT,
    m, n, k, rowsPerChunk, chunksPerMatrix,
    chunks: batch * chunksPerMatrix,
    counter: new SharedArrayBuffer(4 * 4),
  };
  for (const w of getWorkers(threads - 1)) w.worker.postMessage(job);

  const errors: string[] = [];
  runMatmulChunks(job, floatView(job.a, f64), floatView(job.b, f64), floatView(job.c, f64), false, (e) => errors.push(String(e)));
  const counter = new Int32Array(job.counter);
  for (let done = Atomics.load(counter, DONE); done < job.chunks; done = Atomics.load(counter, DONE)) {
    Atomics.wait(counter, DONE, done);
  }
  if (Atomics.load(counter, FAILED) !== 0) {
    errors.push(...takeWorkerErrors());
    throw new Error(`matmul: a chunk of [${batch} x ${m} x ${k}] @ [${k} x ${n}] failed on a thread: ${errors.join('; ') || 'no message'}`);
  }
  if (C !== out) out.set(C);
  lastStats = { chunks: job.chunks, byWorkers: Atomics.load(counter, BY_WORKERS), rowsPerChunk };
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
