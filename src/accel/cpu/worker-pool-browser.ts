/**
 * The browser twin of worker-pool-node.ts (the page build swaps one for the other; ../host-node.ts says
 * how): the cpu backend's pool as nested Web Workers of the Worker the library runs in, and runParallel,
 * which hands a job to them and to the calling thread together. The exports are worker-pool-node.ts's,
 * plus startCpuWorkers and chunksByWorkers for the page.
 *
 * A worker is the bundle's `cpu-web-worker.js` (cpu-web-worker.ts), found beside the bundle's files:
 * web/build.mjs writes it there. The rules of a page (a Worker, cross-origin isolation, workers that boot
 * between calls) are in web-worker-set.ts.
 */
import { BY_WORKERS, DONE, FAILED, type ChunkedJob } from './chunks.ts';
import { newWebWorker, type SetWebWorker, WebWorkerSet } from './web-worker-set.ts';
import { recordParallelRun } from './parallel-run-stats.ts';
export { chunksByWorkers, lastParallelRun, type ParallelRunStats } from './parallel-run-stats.ts';

/** Errors the workers reported (they arrive between calls: a page cannot read a message port synchronously). */
const reported: string[] = [];

const pool = new WebWorkerSet(
  'bert cpu backend',
  () => newWebWorker(new URL('./cpu-web-worker.js', import.meta.url), { type: 'module', name: 'bert cpu worker' }),
  (data) => {
    const error = (data as { error?: string } | null)?.error;
    if (error !== undefined) reported.push(error);
  },
);

/** Up to `count` workers, starting the missing ones (they boot between calls; work does not wait for them). */
export function getWorkers(count: number): SetWebWorker[] {
  return pool.ensure(count);
}

/** Start `count` workers and resolve with how many have booted (see WebWorkerSet.whenReady). */
export function startCpuWorkers(count: number, ms?: number): Promise<number> {
  return pool.whenReady(count, ms);
}

/** Every error message the pool's workers have reported since the last call. */
export function takeWorkerErrors(): string[] {
  return reported.splice(0);
}

/** Stop every worker; the next job starts new ones. */
export async function stopWorkers(): Promise<void> {
  pool.stopNow();
}

/**
 * Run `job` on `threads` threads: post it to threads - 1 workers, take chunks on the calling thread too
 * (`runLocal`), then sleep in Atomics.wait until every chunk is done (worker-pool-node.ts's contract).
 * @returns how many chunks the workers computed
 */
export function runParallel(job: ChunkedJob & { kind: string }, threads: number, runLocal: (onError: (e: unknown) => void) => void, what: string): number {
  const workers = getWorkers(threads - 1);
  for (const w of workers) w.worker.postMessage(job);
  const errors: string[] = [];
  runLocal((e) => errors.push(e instanceof Error ? (e.stack ?? e.message) : String(e)));
  const counter = new Int32Array(job.counter);
  pool.waitForChunks(counter, DONE, job.chunks, what);
  if (Atomics.load(counter, FAILED) !== 0) {
    errors.push(...takeWorkerErrors());
    throw new Error(`${what} failed on a thread: ${errors.join('; ') || "a Web Worker's chunk threw (its message is in the console)"}`);
  }
  return recordParallelRun({ kind: job.kind, chunks: job.chunks, byWorkers: Atomics.load(counter, BY_WORKERS) });
}
