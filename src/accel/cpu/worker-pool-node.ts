/**
 * The worker threads of the cpu backend, started on first use and kept for the life of the process (a
 * WorkerSet, worker-set.ts), and runParallel, which hands a job to them and to the main thread together.
 *
 * From the TypeScript sources (tsx, vitest) a worker starts through tsx-worker.mjs, which registers tsx in
 * the new thread; compiled to JavaScript, the worker is cpu-worker.js itself.
 *
 * A worker that ends during a job (terminated from outside, an uncaught error, out of memory) makes the job
 * throw instead of waiting forever for the chunk the worker may have held; the next job starts new workers.
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { BY_WORKERS, DONE, FAILED, type ChunkedJob } from './chunks.ts';
import type { WorkerWatch } from './worker-watch.ts';
import { WorkerSet, type SetWorker } from './worker-set.ts';
import { recordParallelRun } from './parallel-run-stats.ts';
export { chunksByWorkers, lastParallelRun, type ParallelRunStats } from './parallel-run-stats.ts';

interface PoolWorker extends SetWorker {
  /** The main thread's end of the worker's error channel. */
  errors: MessagePort;
}

function startWorker(watch: WorkerWatch): PoolWorker {
  const here = import.meta.url;
  const fromSource = here.endsWith('.ts');
  const entry = new URL(fromSource ? './cpu-worker.ts' : './cpu-worker.js', here);
  const { port1, port2 } = new MessageChannel();
  const workerData = { entry: entry.href, errors: port2, watch: watch.port };
  // execArgv: [] - the worker needs none of the main thread's flags, and some (--input-type, --eval) would
  // stop it from starting.
  const options = { workerData, transferList: [port2, watch.port], execArgv: [] };
  const worker = fromSource ? new Worker(new URL('./tsx-worker.mjs', here), options) : new Worker(entry, options);
  port1.unref();
  return { worker, errors: port1, watch, stopping: false };
}

const pool = new WorkerSet<PoolWorker>('bert cpu backend', 'job', startWorker, (w) => w.errors.close());

/**
 * Up to `count` workers, starting the missing ones (they boot in the background; work does not wait for
 * them). Workers whose thread has ended are dropped first, even if their 'exit' event has not come yet.
 */
export function getWorkers(count: number): PoolWorker[] {
  return pool.ensure(count);
}

/** Every error message the pool's workers have reported since the last call. */
export function takeWorkerErrors(): string[] {
  const out: string[] = [];
  for (const w of pool.current) {
    for (let msg = receiveMessageOnPort(w.errors); msg; msg = receiveMessageOnPort(w.errors)) out.push(String(msg.message));
  }
  return out;
}

/** Stop every worker (tests use this to check that a fresh pool starts again); the next job starts new ones. */
export async function stopWorkers(): Promise<void> {
  await pool.stop();
}

/**
 * Run `job` on `threads` threads: post it to threads - 1 workers, let the main thread take chunks too
 * (`runLocal`, which calls takeChunks), then sleep in Atomics.wait until every chunk is done. Synchronous
 * for the caller. Workers that are still booting simply find no chunks left. If one of the workers ends
 * (or hangs) before the job is done, the call stops the pool and throws rather than wait for its chunk
 * forever; the next call starts new workers.
 * @param what names the job in the error thrown when a chunk failed or a worker ended
 * @returns how many chunks the workers computed
 */
export function runParallel(job: ChunkedJob & { kind: string }, threads: number, runLocal: (onError: (e: unknown) => void) => void, what: string): number {
  const workers = getWorkers(threads - 1);
  for (const w of workers) w.worker.postMessage(job);
  const errors: string[] = [];
  runLocal((e) => errors.push(e instanceof Error ? (e.stack ?? e.message) : String(e)));
  const counter = new Int32Array(job.counter);
  // The last chunk wakes us; a worker that ends or hangs meanwhile makes this throw (worker-set.ts).
  pool.waitForChunks(counter, DONE, job.chunks, workers, what);
  if (Atomics.load(counter, FAILED) !== 0) {
    errors.push(...takeWorkerErrors());
    throw new Error(`${what} failed on a thread: ${errors.join('; ') || 'no message'}`);
  }
  return recordParallelRun({ kind: job.kind, chunks: job.chunks, byWorkers: Atomics.load(counter, BY_WORKERS) });
}
