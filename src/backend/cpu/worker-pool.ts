/**
 * The worker threads of the cpu backend, started on first use and kept for the life of the process.
 *
 * Workers are unref'd: they never keep the process alive, and they end with it. From the TypeScript
 * sources (tsx, vitest) a worker starts through tsx-worker.mjs, which registers tsx in the new thread;
 * compiled to JavaScript, the worker is matmul-worker.js itself.
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';

interface PoolWorker {
  worker: Worker;
  /** The main thread's end of the worker's error channel. */
  errors: MessagePort;
}

const pool: PoolWorker[] = [];

function spawn(): PoolWorker {
  const here = import.meta.url;
  const fromSource = here.endsWith('.ts');
  const entry = new URL(fromSource ? './matmul-worker.ts' : './matmul-worker.js', here);
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
    console.error(`bert cpu backend: a matmul worker thread failed and was dropped: ${e.stack ?? e.message}`);
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
