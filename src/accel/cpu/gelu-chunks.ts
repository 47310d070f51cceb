/**
 * A threaded gelu as the main thread and the workers both see it: the job (posted to every worker) and the
 * chunk body. Chunk q covers elements [q * chunkSize, (q + 1) * chunkSize) of the array.
 */
import { takeChunks, type ChunkedJob } from './chunks.ts';
import { geluBackwardRange, geluRange } from '../../ops/gelu.ts';
import { viewOf, type SharedRef } from './shared-memory.ts';

export interface GeluJob extends ChunkedJob {
  kind: 'gelu' | 'geluBackward';
  f64: boolean;
  size: number;
  /** The bias length (1 without a bias). */
  cols: number;
  chunkSize: number;
  x: SharedRef;
  bias: SharedRef | null;
  /** Backward only: the incoming gradient. */
  gradOut: SharedRef | null;
  /** gelu: out; geluBackward: gradX. */
  out: SharedRef;
}

/** Take chunks of `job` and compute them until none are left (see takeChunks). */
export function runGeluChunks(job: GeluJob, isWorker: boolean, onError: (e: unknown) => void): void {
  const { f64, size, cols, chunkSize } = job;
  const x = viewOf(job.x, f64, size);
  const bias = job.bias ? viewOf(job.bias, f64, cols) : null;
  const out = viewOf(job.out, f64, size);
  const gradOut = job.gradOut ? viewOf(job.gradOut, f64, size) : null;
  takeChunks(job, isWorker, onError, (q) => {
    const start = q * chunkSize;
    const end = Math.min(size, start + chunkSize);
    if (job.kind === 'gelu') geluRange(x, bias, out, cols, start, end);
    else geluBackwardRange(x, bias, gradOut!, out, cols, start, end);
  });
}
