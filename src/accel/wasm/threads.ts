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

// Word indices of the control block (see matmul.wat).
const GEN = 0,
  COUNTER = 1,
  DONE = 2,
  FAILED = 3,
  FIELDS = 4;
const MAX_CHUNKS = 0xffff;

/**
 * A worker: wait for the job number to change, run chunks of the new job, repeat. It keeps `watch`, its end
 * of the channel that tells the watcher thread when this thread has ended.
 */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, watch } = workerData;
const { runChunks } = new WebAssembly.Instance(module, { env: { memory } }).exports;
const control = new Int32Array(memory.buffer, 0, 16); // the control block never moves when memory grows
let seen = 0;
for (;;) {
  Atomics.wait(control, ${GEN}, seen);
  seen = Atomics.load(control, ${GEN});
  try {
    runChunks(seen & 0x7fff);
  } catch (e) {
    Atomics.store(control, ${FAILED}, 1);
    Atomics.notify(control, ${DONE});
  }
}
`;

function startWorker(watch: WorkerWatch): SetWorker {
  const { module, memory } = wasmMatmulModule();
  const workerData = { module, memory, watch: watch.port };
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData, transferList: [watch.port], execArgv: [] });
  return { worker, watch, stopping: false };
}

const workers = new WorkerSet<SetWorker>('bert wasm backend', 'product', startWorker);

/** Matmuls with fewer multiply-adds stay on one thread (2^21 take about 0.3 ms in the SIMD kernel). */
let minParallelWork = 1 << 21;

/** Change the size (batch m n k) from which wasm matmuls are split over threads (tests set 0). */
export function setWasmMinParallelWork(multiplyAdds: number): void {
  minParallelWork = multiplyAdds;
}

/** Whether a packed product should be split over threads. */
export function shouldUseWasmThreads(L: WasmMatmulLayout): boolean {
  return getCpuThreads() > 1 && L.batch * L.m * L.n * L.k >= minParallelWork && L.batch * L.mPanels > 1;
}

let generation = 0;

/** Statistics of the last threaded product: chunks in all, and how many the main thread computed. */
export let lastWasmThreadedStats: { chunks: number; byMain: number } | null = null;

/**
 * Run the packed product `L` on getCpuThreads() threads (the main thread and workers).
 * @param beforeWake called once the job is in the control block, just before the workers are woken
 *   (tests use it to stand in for a worker that claimed a chunk and then ended)
 */
export function runThreaded(L: WasmMatmulLayout, beforeWake?: () => void): void {
  const threads = getCpuThreads();
  const { memory, exports } = wasmMatmulModule();
  const used = workers.ensure(threads - 1);
  // About four chunks per thread; a chunk is whole row panels of one matrix.
  const total = L.batch * L.mPanels;
  let panelsPerChunk = Math.min(L.mPanels, Math.max(1, Math.ceil(total / (4 * threads))));
  let chunksPerMatrix = Math.ceil(L.mPanels / panelsPerChunk);
  while (L.batch * chunksPerMatrix > MAX_CHUNKS && panelsPerChunk < L.mPanels) {
    panelsPerChunk = Math.min(L.mPanels, 2 * panelsPerChunk);
    chunksPerMatrix = Math.ceil(L.mPanels / panelsPerChunk);
  }
  const chunks = L.batch * chunksPerMatrix;
  if (chunks > MAX_CHUNKS) throw new Error(`wasm matmul: a batch of ${L.batch} matrices needs ${chunks} chunks, more than ${MAX_CHUNKS}`);

  const control = new Int32Array(memory.buffer, 0, 16);
  control.set([L.aBase, L.aStride, L.bBase, L.bStride, L.cBase, L.cStride, L.k, L.nPanels, L.mPanels, panelsPerChunk, chunksPerMatrix, chunks], FIELDS);
  generation = (generation + 1) | 0;
  if (generation === 0) generation = 1; // 0 is the workers' initial "seen"
  const tag = generation & 0x7fff;
  Atomics.store(control, DONE, 0);
  Atomics.store(control, FAILED, 0);
  Atomics.store(control, COUNTER, tag << 16);
  beforeWake?.();
  Atomics.store(control, GEN, generation);
  Atomics.notify(control, GEN);

  const byMain = exports.runChunks(tag);
  const what = `wasm matmul of [${L.batch} x ${L.m} x ${L.k}] @ [${L.k} x ${L.n}]`;
  // A finished chunk wakes us; a chunk that failed, or a worker that ends or hangs, makes this throw.
  workers.waitForChunks(control, DONE, chunks, used, what, () => Atomics.load(control, FAILED) !== 0);
  lastWasmThreadedStats = { chunks, byMain };
}

/** The worker threads in use now (tests end one from outside to check that a new one replaces it). */
export function wasmWorkerThreads(): Worker[] {
  return workers.current.map((w) => w.worker);
}

/** Stop the workers (tests check that a fresh set starts again); the next threaded product starts new ones. */
export async function stopWasmWorkers(): Promise<void> {
  await workers.stop();
}
