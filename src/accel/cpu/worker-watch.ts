/**
 * Knowing that a worker thread has ended while the main thread cannot listen for it.
 *
 * The threaded kernels keep the main thread synchronous: it sleeps in Atomics.wait until the workers have
 * finished their chunks. A worker's 'exit' event reaches the main thread through its event loop, which does
 * not run during that wait, so a worker that ends while it holds a chunk (terminated, out of memory, an
 * uncaught error) would leave the main thread waiting for that chunk forever.
 *
 * So a small watcher thread, whose event loop is always free, keeps one end of a MessageChannel per worker,
 * and the worker keeps the other end in its workerData (it never uses it). When the worker's thread ends,
 * for any reason, its end of the channel closes, the watcher's end emits 'close', and the watcher sets the
 * worker's flag in shared memory and wakes whoever sleeps on it. The main thread reads the flag between
 * short waits. The watcher is unref'd like the workers: it never keeps the process alive.
 */
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';

/**
 * The watcher: for each { port, flag } it is sent, set flag[0] = 1 once the port's other end has closed.
 * It holds the ports in a set until then, so that none is garbage-collected with its listener.
 */
const WATCHER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const watched = new Set();
parentPort.on('message', ({ port, flag }) => {
  const exited = new Int32Array(flag);
  watched.add(port);
  port.on('close', () => {
    watched.delete(port);
    Atomics.store(exited, 0, 1);
    Atomics.notify(exited, 0);
  });
});
`;

let watcher: Worker | null = null;

function startWatcher(): Worker {
  const w = new Worker(WATCHER_SOURCE, { eval: true, execArgv: [] });
  w.unref();
  w.on('error', (e) => console.error(`bert backend: the worker watcher thread failed: ${e.stack ?? e.message}`));
  w.on('exit', () => {
    if (watcher === w) watcher = null; // the next watchWorker starts a new one
  });
  return w;
}

/** What the pools keep for each worker they start. */
export interface WorkerWatch {
  /** Put this in the worker's workerData (and its transferList); the worker only has to keep it. */
  readonly port: MessagePort;
  /** Whether the worker's thread has ended (set by the watcher a moment after it ends). */
  exited(): boolean;
  /** Sleep until the worker's thread has ended, at most `ms` milliseconds; returns exited(). */
  waitForExit(ms: number): boolean;
}

/** A new channel for one worker, its far end handed to the watcher thread (started on first use). */
export function watchWorker(): WorkerWatch {
  watcher ??= startWatcher();
  const { port1, port2 } = new MessageChannel();
  const flag = new SharedArrayBuffer(4);
  watcher.postMessage({ port: port1, flag }, [port1]);
  const exited = new Int32Array(flag);
  return {
    port: port2,
    exited: () => Atomics.load(exited, 0) !== 0,
    waitForExit: (ms) => {
      Atomics.wait(exited, 0, 0, ms);
      return Atomics.load(exited, 0) !== 0;
    },
  };
}

/**
 * How long the main thread sleeps at a time while it waits for the workers' chunks: after each slice
 * without the job finishing, it looks whether a worker has ended. A finished job wakes it at once.
 */
export const WAIT_SLICE_MS = 100;

/** How long, in all, a failed job waits for its stopped workers to end before it throws. */
export const STOP_WAIT_MS = 5000;

/**
 * Terminate workers and sleep until each has really ended (or STOP_WAIT_MS have passed): a worker still
 * computing a chunk of a failed job would otherwise write into shared memory that the next job reuses.
 */
export function terminateAndWait(workers: { worker: Worker; watch: WorkerWatch }[]): void {
  for (const w of workers) void w.worker.terminate();
  const deadline = Date.now() + STOP_WAIT_MS;
  for (const w of workers) w.watch.waitForExit(Math.max(0, deadline - Date.now()));
}
