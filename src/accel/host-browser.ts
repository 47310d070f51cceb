/**
 * The browser twin of host-node.ts (the build swaps one for the other; see there).
 *
 * The cpu backend's worker pools are Node worker threads, so in a page every kernel runs in the thread that
 * calls it (a dedicated Web Worker in the playground): one thread. A page has no environment variables.
 */

/** One thread: the kernels run in the calling thread. */
export function hostThreads(): number {
  return 1;
}

/** A page has no environment: always undefined. */
export function hostEnv(_name: string): string | undefined {
  return undefined;
}
