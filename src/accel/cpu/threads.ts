/**
 * How many threads the cpu kernels may use, the main thread included, and from what size a kernel call is
 * worth splitting (posting a job and waking the workers costs tens of microseconds).
 *
 * Default: os.availableParallelism() (the cores this process may run on; 1 in a browser, see
 * ../host-browser.ts). The environment variable BERT_THREADS overrides it (BERT_THREADS=1 keeps everything on
 * the main thread), and setCpuThreads changes it at run time (tests and benchmarks compare 1 thread with
 * several in one process). The environment is read on first use, not when this module loads.
 */
import { hostEnv, hostThreads } from '../host-node.ts';

let threads: number | null = null;

/** The thread count BERT_THREADS asks for (`value`), or the number of cores when it is unset or empty. */
export function threadsFromEnv(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return hostThreads();
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`BERT_THREADS: expected a positive integer (1 = single-threaded), found "${value}"`);
  return n;
}

/** Threads the cpu kernels use from now on (1 = main thread only). */
export function setCpuThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`setCpuThreads: expected a positive integer, found ${n}`);
  threads = n;
}

export function getCpuThreads(): number {
  threads ??= threadsFromEnv(hostEnv('BERT_THREADS'));
  return threads;
}

/** Matmuls with fewer multiply-adds (batch * m * n * k) stay on one thread: 2^20 take about 0.3 ms. */
let minParallelWork = 1 << 20;
/** Elementwise kernels (gelu) on fewer elements stay on one thread: 2^15 gelus take about 1.5 ms. */
let minParallelElements = 1 << 15;

/** Change the size from which matmuls are split over threads (tests set 0 to thread tiny products). */
export function setMinParallelWork(multiplyAdds: number): void {
  minParallelWork = multiplyAdds;
}

export function getMinParallelWork(): number {
  return minParallelWork;
}

/** Change the size from which elementwise kernels are split over threads. */
export function setMinParallelElements(elements: number): void {
  minParallelElements = elements;
}

export function getMinParallelElements(): number {
  return minParallelElements;
}
