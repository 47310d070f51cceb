/**
 * The worker threads of the cpu backend, started on first use and kept for the life of the process, and
 * runParallel, which hands a job to them and to the main thread together.
 *
 * Workers are unref'd: they never keep the process alive, and they end with it. From the TypeScript
 * sources (tsx, vitest) a worker starts through tsx-worker.mjs, which registers tsx in the new thread;
 * compiled to JavaScript, the worker is cpu-worker.js itself.
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { BY_WORKERS, DONE, FAILED, type ChunkedJob } from './chunks.ts';

interface PoolWorker {
  worker: Worker;
  /** The main thread's end of the worker's error channel. */
  errors: MessagePort;
}

const pool: PoolWorker[] = [];

function spawn(): PoolWorker {
  const here = import.meta.url;
  const fromSource = here.endsWith('.ts');
  const entry = new URL(fromSource ? './cpu-worker.ts' : './cpu-worker.js', here);
  const { port1, port2 } = new MessageChannel();
  const workerData = { entry: entry.href, errors: port2 };
  // execArgv: [] - the worker needs none of the main thread's flags, and some (--input-type, --eval) would
  // stop it from starting.
  const options = { workerData, transferList: [port2], execArgv: [] };
  const worker = fromSource ? new Worker(new URL('./tsx-worker.mjs', here), options) : new Worker(entry, options);
  worker.unref();
  port1.unref();
  const entryInPool: PoolWorker = { worker, errors: port1 };
  worker.on('error', (e) => {
    // A worker that cannot start (or crashed between jobs) is dropped; the main thread does its share.
    console.error(`bert cpu backend: a worker thread failed and was dropped: ${e.stack ?? e.message}`);
    const i = pool.indexOf(entryInPool);
    if (i >= 0) pool.splice(i, 1);
  });
  return entryInPool;
}

/** Up to `count` workers, starting the missing ones (they boot in the background; work does not wait for them). */
export function getWorkers(count: number): PoolWorker[] {
  while (pool.length < count) pool.push(spawn());
  return pool.slice(0, count);
}

/** Every error message the pool's workers have reported since the last call. */
export function takeWorkerErrors(): string[] {
  const out: string[] = [];
  for (const w of pool) {
    for (let msg = receiveMessageOnPort(w.errors); msg; msg = receiveMessageOnPort(w.errors)) out.push(String(msg.message));
  }
  return out;
}

/** Stop every worker (tests use this to check that a fresh pool starts again); the next job starts new ones. */
export async function stopWorkers(): Promise<void> {
  const all = pool.splice(0, pool.length);
  await Promise.all(all.map((w) => w.worker.terminate()));
  for (const w of all) w.errors.close();
}

/**
 * Run `job` on `threads` threads: post it to threads - 1 workers, let the main thread take chunks too
 * (`runLocal`, which calls takeChunks), then sleep in Atomics.wait until every chunk is done. Synchronous
 * for the caller. Workers that are still booting simply find no chunks left.
 * @param what names the job in the error thrown when a chunk failed
 * @returns how many chunks the workers computed
 */
export function runParallel(job: ChunkedJob & { kind: string }, threads: number, runLocal: (onError: (e: unknown) => void) => void, what: string): number {
  for (const w of getWorkers(threads - 1)) w.worker.postMessage(job);
  const errors: string[] = [];
  runLocal((e) => errors.push(e instanceof Error ? e.stack ?? e.message : String(e)));
  const counter = new Int32Array(job.counter);
  for (let done = Atomics.load(counter, DONE); done < job.chunks; done = Atomics.load(counter, DONE)) {
    Atomics.wait(counter, DONE, done);
  }
  if (Atomics.load(counter, FAILED) !== 0) {
    errors.push(...takeWorkerErrors());
    throw new Error(`${what} failed on a thread: ${errors.join('; ') || 'no message'}`);
  }
  lastRun = { kind: job.kind, chunks: job.chunks, byWorkers: Atomics.load(counter, BY_WORKERS) };
  return lastRun.byWorkers;
}

/** How the last runParallel job was shared out: its kind, its chunks, and how many the workers computed. */
export interface ParallelRunStats {
  kind: string;
  chunks: number;
  byWorkers: number;
}

let lastRun: ParallelRunStats | null = null;

/** Statistics of the last job run on several threads (null before the first). */
export function lastParallelRun(): ParallelRunStats | null {
  return lastRun;
}
