/**
 * The browser twin of threads-node.ts (the page build swaps one for the other): the wasm matmul on several
 * threads in a page. The workers are nested Web Workers of the Worker the library runs in, each a short
 * script (WORKER_SOURCE, started from a blob: URL, which keeps the page's COOP/COEP) that is posted the
 * compiled module and the shared memory, instantiates the module on it, says it is ready, and then runs
 * threads-job.ts's loop: the same hand-off as in Node. The rules of a page (a Worker, cross-origin
 * isolation, workers that boot between calls) are in ../cpu/web-worker-set.ts.
 *
 * Determinism: as in Node, every C element is computed by one thread with gemm, so results are
 * bit-identical for any thread count.
 */
import { getCpuThreads } from '../cpu/threads.ts';
import { newWebWorker, WebWorkerSet, type WebWorker } from '../cpu/web-worker-set.ts';
import type { WasmMatmulLayout } from './matmul.ts';
import { wasmMatmulModule } from './module.ts';
import { CONTROL_WORDS, DONE, describeProduct, FAILED, WORKER_LOOP, wakeWorkers, writeJob, writePackJob } from './threads-job.ts';

export { setWasmMinParallelWork, shouldUseWasmThreads } from './threads-job.ts';

const WORKER_SOURCE = `
onmessage = ({ data: { module, memory } }) => {
  onmessage = null;
  const { runChunks } = new WebAssembly.Instance(module, { env: { memory } }).exports;
  const control = new Int32Array(memory.buffer, 0, 16); // the control block never moves when memory grows
  postMessage({ ready: true });
  ${WORKER_LOOP}
};
`;

let sourceUrl: string | null = null;

function startWorker(): WebWorker {
  sourceUrl ??= URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
  const worker = newWebWorker(sourceUrl, { name: 'bert wasm worker' });
  const { module, memory } = wasmMatmulModule();
  worker.postMessage({ module, memory });
  return worker;
}

const workers = new WebWorkerSet('bert wasm backend', startWorker);

/** Statistics of the last threaded product: its chunks, how many the calling thread computed, and the chunks of the packing of B before it (0: none). */
export let lastWasmThreadedStats: { chunks: number; byMain: number; packChunks: number } | null = null;

let byWorkersTotal = 0;

/** Chunks of wasm products the Web Workers have computed since the page loaded: shows that they took part. */
export function wasmChunksByWorkers(): number {
  return byWorkersTotal;
}

/** Start `count` workers and resolve with how many have booted (see WebWorkerSet.whenReady). */
export function startWasmWorkers(count: number, ms?: number): Promise<number> {
  return workers.whenReady(count, ms);
}

/**
 * Run product `L` on getCpuThreads() threads (the calling thread and Web Workers): first the packing of its
 * B panels when L.packB asks for it, then the product.
 * @param beforeWake called once the product's job is in the control block, just before the workers are woken
 */
export function runThreaded(L: WasmMatmulLayout, beforeWake?: () => void): void {
  const threads = getCpuThreads();
  const { memory, exports } = wasmMatmulModule();
  workers.ensure(threads - 1);
  const control = new Int32Array(memory.buffer, 0, CONTROL_WORDS);
  /** Wake the workers on the job just written, take chunks here too, and wait until every chunk is done. */
  const run = ({ chunks, tag }: { chunks: number; tag: number }, what: string, before?: () => void) => {
    before?.();
    wakeWorkers(control);
    const byMain = exports.runChunks(tag);
    workers.waitForChunks(control, DONE, chunks, what, () => Atomics.load(control, FAILED) !== 0);
    byWorkersTotal += chunks - byMain;
    return { chunks, byMain };
  };
  const packChunks = L.packB ? run(writePackJob(control, L, threads), describeProduct(L, true)).chunks : 0;
  lastWasmThreadedStats = { ...run(writeJob(control, L, threads), describeProduct(L), beforeWake), packChunks };
}

/** The Web Workers in use now. */
export function wasmWorkerThreads(): WebWorker[] {
  return workers.current.map((w) => w.worker);
}

/** Stop the workers; the next threaded product starts new ones. */
export async function stopWasmWorkers(): Promise<void> {
  workers.stopNow();
}
