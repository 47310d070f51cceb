/**
 * What the speed layer asks of the machine it runs on, in Node: the number of cores and the environment.
 *
 * This is the platform seam: the browser build (web/build.mjs) swaps every `*-node.ts` module for its
 * `*-browser.ts` twin beside it, so the library loads in a page without Node's modules. Keep the two files'
 * exports the same.
 */
import { availableParallelism } from 'node:os';

/** Threads this process may run on: the cpu kernels' default thread count. */
export function hostThreads(): number {
  return availableParallelism();
}

/** The environment variable `name`, read when asked (never at module load), or undefined. */
export function hostEnv(name: string): string | undefined {
  return process.env[name];
}
