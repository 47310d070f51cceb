/**
 * The wasm matmul on several threads: worker threads instantiate the same compiled module on the same
 * shared memory, and the main thread and the workers claim chunks of row panels with runChunks (matmul.wat).
 * The call stays synchronous: the main thread writes the job into the control block, wakes the workers,
 * computes chunks itself, then sleeps in Atomics.wait until every chunk is done.
 *
 * The workers are this backend's own set (not the cpu backend's pool, though both are a WorkerSet of
 * ../cpu/worker-set.ts): they need no TypeScript, only the module and the memory, so their code is the short
 * script WORKER_SOURCE below. Thread count: the cpu backend's setting (BERT_THREADS / setCpuThreads), main
 * thread included.
 *
 * A worker that ends during a product (terminated from outside, an uncaught error) makes the product throw
 * instead of waiting forever for a chunk the worker may have claimed; the next product starts new workers.
 *
 * Determinism: every C element is computed by one thread with gemm, whose order of additions does not
 * depend on which rows a call covers, so results are bit-identical for any thread count.
 */
import { Worker } from 'node:worker_threads';
import { getCpuThreads } from '../cpu/threads.ts';
import type { WorkerWatch } from '../cpu/worker-watch.ts';
import { WorkerSet, type SetWorker } from '../cpu/worker-set.ts';
import type { WasmMatmulLayout } from './matmul.ts';
import { wasmMatmulModule } from './module.ts';
import { CONTROL_WORDS, DONE, describeProduct, FAILED, WORKER_LOOP, wakeWorkers, writeJob, writePackJob } from './threads-job.ts';

export { setWasmMinParallelWork, shouldUseWasmThreads } from './threads-job.ts';

/**
 * A worker: instantiate the module on the shared memory, then run threads-job.ts's loop. It keeps `watch`,
 * its end of the channel that tells the watcher thread when this thread has ended.
 */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, watch } = workerData;
const { runChunks } = new WebAssembly.Instance(module, { env: { memory } }).exports;
const control = new Int32Array(memory.buffer, 0, 16); // the control block never moves when memory grows
${WORKER_LOOP}`;

function startWorker(watch: WorkerWatch): SetWorker {
  const { module, memory } = wasmMatmulModule();
  const workerData = { module, memory, watch: watch.port };
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData, transferList: [watch.port], execArgv: [] });
  return { worker, watch, stopping: false };
}

const workers = new WorkerSet<SetWorker>('bert wasm backend', 'product', startWorker);

/** Statistics of the last threaded product: its chunks, how many the main thread computed, and the chunks of the packing of B before it (0: none). */
export let lastWasmThreadedStats: { chunks: number; byMain: number; packChunks: number } | null = null;

/**
 * Run product `L` on getCpuThreads() threads (the main thread and workers): first the packing of its B
 * panels when L.packB asks for it, then the product.
 * @param beforeWake called once the product's job is in the control block, just before the workers are
 *   woken (tests use it to stand in for a worker that claimed a chunk and then ended)
 */
export function runThreaded(L: WasmMatmulLayout, beforeWake?: () => void): void {
  const threads = getCpuThreads();
  const { memory, exports } = wasmMatmulModule();
  const used = workers.ensure(threads - 1);
  const control = new Int32Array(memory.buffer, 0, CONTROL_WORDS);
  /** Wake the workers on the job just written, take chunks here too, and wait until every chunk is done. */
  const run = ({ chunks, tag }: { chunks: number; tag: number }, what: string, before?: () => void) => {
    before?.();
    wakeWorkers(control);
    const byMain = exports.runChunks(tag);
    // A finished chunk wakes us; a chunk that failed, or a worker that ends or hangs, makes this throw.
    workers.waitForChunks(control, DONE, chunks, used, what, () => Atomics.load(control, FAILED) !== 0);
    return { chunks, byMain };
  };
  const packChunks = L.packB ? run(writePackJob(control, L, threads), describeProduct(L, true)).chunks : 0;
  lastWasmThreadedStats = { ...run(writeJob(control, L, threads), describeProduct(L), beforeWake), packChunks };
}

/** The worker threads in use now (tests end one from outside to check that a new one replaces it). */
export function wasmWorkerThreads(): Worker[] {
  return workers.current.map((w) => w.worker);
}

/** Stop the workers (tests check that a fresh set starts again); the next threaded product starts new ones. */
export async function stopWasmWorkers(): Promise<void> {
  await workers.stop();
}
