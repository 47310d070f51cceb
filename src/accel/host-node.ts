/**
 * What the speed layer asks of the machine it runs on, in Node: the number of cores and the environment.
 *
 * This is the platform seam: the browser build (web/build.mjs) swaps every `*-node.ts` module for its
 * `*-browser.ts` twin beside it, so the library loads in a page without Node's modules. Keep the two files'
 * exports the same.
 */
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';

/** Threads this process may run on: the cpu kernels' default thread count. */
export function hostThreads(): number {
  return availableParallelism();
}

/** The environment variable `name`, read when asked (never at module load), or undefined. */
export function hostEnv(name: string): string | undefined {
  return process.env[name];
}

/**
 * Let this process compile WebAssembly that uses relaxed SIMD (the wasm kernel's fused multiply-add,
 * wasm/module.ts). Node 22 and later have it on; Node 20's V8 has it behind a flag, which is read when a
 * module is validated or compiled, so setting it before the first compile is enough. Called only when a
 * relaxed-SIMD module does not validate as things are.
 */
export function hostEnableWasmRelaxedSimd(): void {
  setFlagsFromString('--experimental-wasm-relaxed-simd');
}
