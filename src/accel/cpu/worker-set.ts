/**
 * The worker threads of a threaded kernel, kept for the life of the process: the cpu backend's pool
 * (worker-pool-node.ts) and the wasm backend's matmul workers (../wasm/threads-node.ts) are each one WorkerSet.
 *
 * Workers start on demand and are unref'd: they never keep the process alive, and they end with it. Each is
 * watched (worker-watch.ts), so that a thread that ends is noticed even while the main thread sleeps in
 * Atomics.wait. A worker that ends (terminated from outside, an uncaught error, out of memory) is dropped,
 * and the next job starts a new one: between jobs its 'exit' or 'error' event drops it; during a job
 * waitForChunks finds it through `watch.exited()`, stops the set and throws. A worker that neither ends nor
 * finishes its chunk (hung) makes waitForChunks throw after a time without progress.
 */
import type { Worker } from 'node:worker_threads';
import { terminateAndWait, WAIT_SLICE_MS, watchWorker, type WorkerWatch } from './worker-watch.ts';

/**
 * How long a job may go without a chunk finishing before a worker that holds one is taken for hung (it has
 * not ended, so the watcher cannot tell). A chunk is a fraction of one kernel call, well under a second on
 * any machine this runs on: two minutes without one means a stuck thread, not a slow one.
 */
let stallLimitMs = 120_000;

/** Change how long a job waits without progress before it throws (tests use a short limit). */
export function setWorkerStallLimit(ms: number): void {
  stallLimitMs = ms;
}

/** What a set keeps for each of its workers (a kernel may keep more: the cpu pool its error channel). */
export interface SetWorker {
  worker: Worker;
  /** Says, even while the main thread sleeps, whether the worker's thread has ended. */
  watch: WorkerWatch;
  /** Set when the set itself stops the worker: its exit is expected and not logged. */
  stopping: boolean;
}

export class WorkerSet<W extends SetWorker> {
  private readonly workers: W[] = [];

  /**
   * @param name how log lines name the kernel's threads ('bert cpu backend')
   * @param jobName what the kernel calls one job in log lines ('job', 'product')
   * @param start starts one worker, with `watch.port` in its workerData and transferList
   * @param onDrop called once when a worker leaves the set (the cpu pool closes its error channel)
   */
  constructor(
    private readonly name: string,
    private readonly jobName: string,
    private readonly start: (watch: WorkerWatch) => W,
    private readonly onDrop: (w: W) => void = () => {},
  ) {}

  private spawn(): W {
    const w = this.start(watchWorker());
    w.worker.unref();
    w.worker.on('error', (e) => {
      // A worker that cannot start (or crashed between jobs) is dropped; the main thread does its share.
      console.error(`${this.name}: a worker thread failed and was dropped: ${e.stack ?? e.message}`);
      this.drop(w);
    });
    w.worker.on('exit', (code) => {
      if (!w.stopping) console.error(`${this.name}: a worker thread exited with code ${code} and was dropped; the next ${this.jobName} starts a new one`);
      this.drop(w);
    });
    return w;
  }

  /** Take `w` out of the set if it is still there. */
  private drop(w: W): void {
    const i = this.workers.indexOf(w);
    if (i < 0) return;
    this.workers.splice(i, 1);
    this.onDrop(w);
  }

  /**
   * `count` workers, starting the missing ones (they boot in the background; work does not wait for them).
   * Workers whose thread has ended are dropped first, even if their 'exit' event has not come yet.
   */
  ensure(count: number): W[] {
    for (const w of this.workers.filter((x) => x.watch.exited())) this.drop(w);
    while (this.workers.length < count) this.workers.push(this.spawn());
    return this.workers.slice(0, count);
  }

  /** The workers in the set now. */
  get current(): readonly W[] {
    return this.workers;
  }

  /**
   * Sleep until `chunks` chunks of the current job are done: words[doneIndex] counts them, and the last one
   * (or each, depending on the kernel) wakes the main thread. Every WAIT_SLICE_MS without the job finishing
   * it looks whether one of `used` has ended, and whether the job has made no progress for the stall limit;
   * either stops the whole set and throws, naming the job.
   * @param what names the job in errors ('wasm matmul of [1 x 64 x 64] @ [64 x 64]')
   * @param failed optionally, whether a chunk reported a failure (then it stops the set and throws at once)
   */
  waitForChunks(words: Int32Array, doneIndex: number, chunks: number, used: readonly W[], what: string, failed?: () => boolean): void {
    const restart = 'the workers were stopped, and the next call starts new ones';
    let stalledSlices = 0;
    let last = -1;
    for (let done = Atomics.load(words, doneIndex); done < chunks; done = Atomics.load(words, doneIndex)) {
      if (failed?.()) {
        this.stopNow();
        throw new Error(`${what} failed on a worker thread; ${restart}`);
      }
      if (done !== last) {
        last = done;
        stalledSlices = 0;
      }
      if (Atomics.wait(words, doneIndex, done, WAIT_SLICE_MS) !== 'timed-out') continue;
      const dead = used.find((w) => w.watch.exited());
      if (dead) {
        this.stopNow(dead);
        throw new Error(`${what}: a worker thread exited before the ${this.jobName} was done; ${restart}`);
      }
      // Slices, not wall-clock time: a machine that sleeps during a job does not count as a stall.
      if (++stalledSlices * WAIT_SLICE_MS >= stallLimitMs) {
        this.stopNow();
        throw new Error(
          `${what}: no chunk finished for ${stallLimitMs / 1000} s while ${chunks - done} of ${chunks} were not done and no worker thread had ended (a hung worker); ${restart}`,
        );
      }
    }
  }

  /**
   * Stop every worker and sleep until their threads have ended: one still computing a chunk of a failed
   * job would otherwise write into shared memory that the next job reuses.
   * @param dead a worker that ended by itself: its 'exit' listener still logs its exit code later (the
   *   event needs the event loop, which does not run while the main thread waits)
   */
  stopNow(dead?: W): void {
    const all = this.workers.splice(0, this.workers.length);
    for (const w of all) w.stopping = w !== dead;
    terminateAndWait(all);
    for (const w of all) this.onDrop(w);
  }

  /** Stop every worker (tests check that a fresh set starts again); the next job starts new ones. */
  async stop(): Promise<void> {
    const all = this.workers.splice(0, this.workers.length);
    for (const w of all) w.stopping = true;
    await Promise.all(all.map((w) => w.worker.terminate()));
    for (const w of all) this.onDrop(w);
  }
}
