/**
 * How many threads the cpu kernels may use, the main thread included.
 *
 * Default: os.availableParallelism() (the cores this process may run on). The environment variable
 * BERT_THREADS overrides it (BERT_THREADS=1 keeps everything on the main thread), and setCpuThreads changes
 * it at run time (tests and benchmarks compare 1 thread with several in one process).
 */
import { availableParallelism } from 'node:os';

let threads = threadsFromEnv(process.env.BERT_THREADS);

/** The thread count BERT_THREADS asks for (`value`), or the number of cores when it is unset or empty. */
export function threadsFromEnv(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return availableParallelism();
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
  return threads;
}
