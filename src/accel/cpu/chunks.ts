/**
 * How the main thread and the worker threads share out one job: the job is cut into `chunks` numbered
 * 0..chunks-1, and every thread takes the next number from a shared counter (Atomics.add) until none are
 * left. A thread slowed down by other work simply takes fewer chunks. Which thread computes a chunk never
 * changes what the chunk computes, so results do not depend on the split.
 *
 * The counter is an Int32Array over a SharedArrayBuffer that travels with the job:
 *   [NEXT]        the next chunk to take
 *   [DONE]        chunks finished (the main thread sleeps on this slot until it reaches `chunks`)
 *   [FAILED]      set to 1 when a chunk threw
 *   [BY_WORKERS]  chunks computed by worker threads (for tests and benchmarks)
 */
export const NEXT = 0;
export const DONE = 1;
export const FAILED = 2;
export const BY_WORKERS = 3;
export const COUNTER_SLOTS = 4;

/** The part every job has: its chunk count and counter. */
export interface ChunkedJob {
  chunks: number;
  counter: SharedArrayBuffer;
}

/**
 * Take chunks of `job` and run `body(q)` for each until none are left. A chunk that throws is reported to
 * `onError` and still counts as done, so the main thread never waits for it forever.
 * @param isWorker whether the caller is a worker thread (counted in BY_WORKERS)
 */
export function takeChunks(job: ChunkedJob, isWorker: boolean, onError: (e: unknown) => void, body: (q: number) => void): void {
  const counter = new Int32Array(job.counter);
  for (;;) {
    const q = Atomics.add(counter, NEXT, 1);
    if (q >= job.chunks) return;
    try {
      body(q);
      if (isWorker) Atomics.add(counter, BY_WORKERS, 1);
    } catch (e) {
      Atomics.store(counter, FAILED, 1);
      onError(e);
    } finally {
      if (Atomics.add(counter, DONE, 1) + 1 === job.chunks) Atomics.notify(counter, DONE);
    }
  }
}

/** A fresh counter for a job. */
export function newCounter(): SharedArrayBuffer {
  return new SharedArrayBuffer(COUNTER_SLOTS * 4);
}
