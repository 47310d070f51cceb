/**
 * The browser twin of host-node.ts (the build swaps one for the other; see there).
 *
 * Threads: the kernels' worker pools are nested Web Workers in a page (cpu/worker-pool-browser.ts,
 * wasm/threads-browser.ts), which need two things: a cross-origin isolated page (COOP/COEP headers, for
 * SharedArrayBuffer) and a Web Worker to run in (the calling thread sleeps in Atomics.wait, which a page's
 * main thread may not). Where both hold, every core the browser reports; else one thread, the caller's.
 * A page has no environment variables.
 */

/** navigator.hardwareConcurrency in a cross-origin isolated Web Worker, else 1. */
export function hostThreads(): number {
  const g = globalThis as { crossOriginIsolated?: boolean; WorkerGlobalScope?: unknown; navigator?: { hardwareConcurrency?: number } };
  if (g.crossOriginIsolated !== true || typeof g.WorkerGlobalScope === 'undefined') return 1;
  return Math.max(1, g.navigator?.hardwareConcurrency ?? 1);
}

/** A page has no environment: always undefined. */
export function hostEnv(_name: string): string | undefined {
  return undefined;
}

/** A browser either has relaxed SIMD (Chrome 114 and later, Firefox 145) or cannot be given it: nothing to do. */
export function hostEnableWasmRelaxedSimd(): void {}
