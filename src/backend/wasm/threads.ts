/**
 * The wasm matmul on several threads: worker threads instantiate the same compiled module on the same
 * shared memory, and the main thread and the workers claim chunks of row panels with runChunks (matmul.wat).
 * The call stays synchronous: the main thread writes the job into the control block, wakes the workers,
 * computes chunks itself, then sleeps in Atomics.wait until every chunk is done.
 *
 * The workers are this backend's own (not the cpu backend's pool): they need no TypeScript, only the module
 * and the memory, so their code is the short script WORKER_SOURCE below. They are unref'd and end with the
 * process. Thread count: the cpu backend's setting (BERT_THREADS / setCpuThreads), main thread included.
 *
 * A worker that ends (terminated from outside, an uncaught error) is dropped and the next product starts a
 * new one: between products its 'exit' or 'error' event does that; during a product, while the main thread
 * sleeps, the watcher thread of ../cpu/worker-watch.ts tells it, and the product throws instead of waiting
 * forever for a chunk the worker may have claimed.
 *
 * Determinism: every C element is computed by one thread with gemm, whose order of additions does not
 * depend on which rows a call covers, so results are bit-identical for any thread count.
 */
import { Worker } from 'node:worker_threads';
import { getCpuThreads } from '../cpu/threads.ts';
import { terminateAndWait, WAIT_SLICE_MS, watchWorker, type WorkerWatch } from '../cpu/worker-watch.ts';
import type { WasmMatmulLayout } from './matmul.ts';
import { wasmMatmulModule } from './module.ts';

// Word indices of the control block (see matmul.wat).
const GEN = 0, COUNTER = 1, DONE = 2, FAILED = 3, FIELDS = 4;
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

interface WasmWorker {
  worker: Worker;
  /** Says, even while the main thread sleeps, whether the worker's thread has ended. */
  watch: WorkerWatch;
  /** Set when this backend stops the worker itself: its exit is expected. */
  stopping: boolean;
}

const workers: WasmWorker[] = [];

function drop(w: WasmWorker): void {
  const i = workers.indexOf(w);
  if (i >= 0) workers.splice(i, 1);
}

function spawn(): WasmWorker {
  const { module, memory } = wasmMatmulModule();
  const watch = watchWorker();
  const workerData = { module, memory, watch: watch.port };
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData, transferList: [watch.port], execArgv: [] });
  worker.unref();
  const w: WasmWorker = { worker, watch, stopping: false };
  worker.on('error', (e) => {
    console.error(`bert wasm backend: a worker thread failed and was dropped: ${e.stack ?? e.message}`);
    drop(w);
  });
  worker.on('exit', (code) => {
    if (!w.stopping) console.error(`bert wasm backend: a worker thread exited with code ${code} and was dropped; the next product starts a new one`);
    drop(w);
  });
  return w;
}

/** `count` workers: ended ones are dropped (even before their 'exit' event), missing ones started. */
function ensureWorkers(count: number): WasmWorker[] {
  for (const w of workers.filter((x) => x.watch.exited())) drop(w);
  while (workers.length < count) workers.push(spawn());
  return workers.slice(0, count);
}

/**
 * Stop every worker and wait until their threads have ended: one still computing a chunk of a failed
 * product would otherwise write into wasm memory (or read job words) that the next product reuses.
 * @param dead a worker that ended by itself: its 'exit' listener still logs its exit code later
 */
function stopAllNow(dead?: WasmWorker): void {
  const all = workers.splice(0, workers.length);
  for (const w of all) w.stopping = w !== dead;
  terminateAndWait(all);
}

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
  const used = ensureWorkers(threads - 1);
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
  for (let done = Atomics.load(control, DONE); done < chunks; done = Atomics.load(control, DONE)) {
    if (Atomics.load(control, FAILED) !== 0) {
      stopAllNow();
      throw new Error(`${what} failed on a worker thread; the workers were stopped, and the next call starts new ones`);
    }
    // A finished chunk wakes us; every WAIT_SLICE_MS without one, look whether a worker has ended.
    if (Atomics.wait(control, DONE, done, WAIT_SLICE_MS) === 'timed-out') {
      const dead = used.find((w) => w.watch.exited());
      if (dead) {
        // Its exit code is not known yet (the 'exit' event needs the event loop); its listener logs it later.
        stopAllNow(dead);
        throw new Error(`${what}: a worker thread exited before the product was done; the workers were stopped, and the next call starts new ones`);
      }
    }
  }
  lastWasmThreadedStats = { chunks, byMain };
}

/** The worker threads in use now (tests end one from outside to check that a new one replaces it). */
export function wasmWorkerThreads(): Worker[] {
  return workers.map((w) => w.worker);
}

/** Stop the workers (tests check that a fresh set starts again); the next threaded product starts new ones. */
export async function stopWasmWorkers(): Promise<void> {
  const all = workers.splice(0, workers.length);
  for (const w of all) w.stopping = true;
  await Promise.all(all.map((w) => w.worker.terminate()));
}
