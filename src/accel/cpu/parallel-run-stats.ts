/**
 * How the last job run on several threads was shared out, whichever pool ran it (worker-pool-node.ts in
 * Node, worker-pool-browser.ts in a page): tests and the page read it to see that the workers took part.
 */

/** A runParallel job: its kind, its chunks, and how many the workers (not the calling thread) computed. */
export interface ParallelRunStats {
  kind: string;
  chunks: number;
  byWorkers: number;
}

let lastRun: ParallelRunStats | null = null;
let byWorkersTotal = 0;

/** Record a finished job (the pools call this); returns the chunks its workers computed. */
export function recordParallelRun(stats: ParallelRunStats): number {
  lastRun = stats;
  byWorkersTotal += stats.byWorkers;
  return stats.byWorkers;
}

/** Statistics of the last job run on several threads (null before the first). */
export function lastParallelRun(): ParallelRunStats | null {
  return lastRun;
}

/** Chunks the workers have computed since this module loaded. */
export function chunksByWorkers(): number {
  return byWorkersTotal;
}
