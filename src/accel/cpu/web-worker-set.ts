/**
 * The Web Workers of a threaded kernel in a browser page: the browser side of worker-set.ts, used by
 * worker-pool-browser.ts (the cpu backend's pool) and ../wasm/threads-browser.ts (the wasm matmul's
 * workers). The kernels stay synchronous as in Node: the calling thread hands out a job, computes chunks
 * itself, and sleeps in Atomics.wait until the last chunk is done.
 *
 * What a page asks for:
 * - Atomics.wait is allowed only in a Web Worker, not on the page's main thread: the kernels' threads run
 *   where the library runs in a Worker (the playground trains in one), as nested Workers of it.
 * - SharedArrayBuffer (and posting shared WebAssembly memory) needs a cross-origin isolated page: the
 *   headers `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy: require-corp`.
 *   Without them ../host-browser.ts answers one thread and no Worker is started.
 * - A new Worker boots while its creator returns to its event loop, not while it is busy or sleeping in
 *   Atomics.wait. The kernels do not wait for a booting worker (it finds no chunks left when it comes up),
 *   so a first call may run on the calling thread alone; `whenReady` lets the caller wait, between two
 *   calls, until the workers have come up.
 * - A Web Worker has no 'exit' event and no watcher thread can be asked: a worker that fails to load or
 *   throws sends an 'error' event, which arrives between calls (it is dropped then, and logged); one that
 *   stops during a call shows as a stall, and the call throws after STALL_LIMIT_MS without progress.
 */

/** The part of a browser Worker this file uses (typed here: the library is compiled without the DOM types). */
export interface WebWorker {
  postMessage(message: unknown, transfer?: unknown[]): void;
  terminate(): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((event: { message?: string; preventDefault?: () => void }) => void) | null;
}

/** One worker of a set: `ready` once it has said so (its first message, `{ ready: true }`). */
export interface SetWebWorker {
  worker: WebWorker;
  ready: boolean;
}

/** How long a call may go without a chunk finishing before it throws (a stopped or hung worker). */
const STALL_LIMIT_MS = 120_000;
/** How long the caller sleeps at a time while it waits for the workers' chunks. */
const WAIT_SLICE_MS = 100;

/** Whether this code runs in a Web Worker (where Atomics.wait is allowed), not on a page's main thread. */
export function inWebWorker(): boolean {
  return typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== 'undefined';
}

/** The browser's Worker constructor. */
export function newWebWorker(url: string | URL, options: { type?: 'module' | 'classic'; name?: string }): WebWorker {
  const Ctor = (globalThis as unknown as { Worker?: new (u: string | URL, o: object) => WebWorker }).Worker;
  if (!Ctor) throw new Error('Worker is not available here: the threaded kernels need a browser page or a Web Worker');
  return new Ctor(url, options);
}

export class WebWorkerSet {
  private readonly workers: SetWebWorker[] = [];
  private readonly waiting: (() => void)[] = [];

  /**
   * @param name how log lines and errors name the kernel's threads ('bert cpu backend')
   * @param start starts one worker; its first message must be `{ ready: true }`
   * @param onMessage the worker's later messages (the cpu pool's chunk errors)
   */
  constructor(
    private readonly name: string,
    private readonly start: () => WebWorker,
    private readonly onMessage: (data: unknown) => void = () => {},
  ) {}

  private spawn(): SetWebWorker {
    const w: SetWebWorker = { worker: this.start(), ready: false };
    w.worker.onmessage = (event) => {
      if (!w.ready && (event.data as { ready?: boolean } | null)?.ready === true) {
        w.ready = true;
        for (const wake of this.waiting.splice(0)) wake();
      } else this.onMessage(event.data);
    };
    w.worker.onerror = (event) => {
      // A worker that cannot load (or threw outside a chunk) is dropped; the calling thread does its share.
      console.error(`${this.name}: a Web Worker failed and was dropped: ${event.message ?? 'no message'}`);
      this.drop(w);
      for (const wake of this.waiting.splice(0)) wake();
    };
    return w;
  }

  private drop(w: SetWebWorker): void {
    const i = this.workers.indexOf(w);
    if (i < 0) return;
    this.workers.splice(i, 1);
    w.worker.terminate();
  }

  /** `count` workers, starting the missing ones (they boot while the caller's event loop runs). */
  ensure(count: number): SetWebWorker[] {
    while (this.workers.length < count) this.workers.push(this.spawn());
    return this.workers.slice(0, count);
  }

  /** The workers in the set now. */
  get current(): readonly SetWebWorker[] {
    return this.workers;
  }

  /**
   * Start `count` workers and resolve, once they have booted (or failed, or `ms` have passed), with how many
   * are ready. Call it from the thread that runs the kernels, between calls: it needs the event loop.
   */
  async whenReady(count: number, ms = 30_000): Promise<number> {
    const wanted = this.ensure(count);
    const deadline = Date.now() + ms;
    while (wanted.some((w) => !w.ready && this.workers.includes(w)) && Date.now() < deadline) {
      await new Promise<void>((wake) => {
        this.waiting.push(wake);
        setTimeout(wake, Math.max(0, deadline - Date.now()));
      });
    }
    return wanted.filter((w) => w.ready && this.workers.includes(w)).length;
  }

  /**
   * Sleep until `chunks` chunks of the current job are done (words[doneIndex] counts them; the last one
   * wakes the sleeper). No chunk finishing for STALL_LIMIT_MS stops every worker and throws, naming the job.
   * @param failed optionally, whether a chunk reported a failure (then it stops the set and throws at once)
   */
  waitForChunks(words: Int32Array, doneIndex: number, chunks: number, what: string, failed?: () => boolean): void {
    if (!inWebWorker()) throw new Error(`${what}: the threaded kernels sleep in Atomics.wait, which a page's main thread may not; run them in a Web Worker`);
    const restart = 'the Web Workers were stopped, and the next call starts new ones';
    let stalledSlices = 0;
    let last = -1;
    for (let done = Atomics.load(words, doneIndex); done < chunks; done = Atomics.load(words, doneIndex)) {
      if (failed?.()) {
        this.stopNow();
        throw new Error(`${what} failed on a Web Worker (its message is in the console); ${restart}`);
      }
      if (done !== last) {
        last = done;
        stalledSlices = 0;
      }
      if (Atomics.wait(words, doneIndex, done, WAIT_SLICE_MS) !== 'timed-out') continue;
      if (++stalledSlices * WAIT_SLICE_MS >= STALL_LIMIT_MS) {
        this.stopNow();
        throw new Error(
          `${what}: no chunk finished for ${STALL_LIMIT_MS / 1000} s while ${chunks - done} of ${chunks} were not done (a stopped or hung Web Worker); ${restart}`,
        );
      }
    }
  }

  /** Stop every worker; the next call starts new ones. */
  stopNow(): void {
    for (const w of this.workers.splice(0)) w.worker.terminate();
    for (const wake of this.waiting.splice(0)) wake();
  }
}
