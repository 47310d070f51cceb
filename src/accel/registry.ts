/**
 * The backend seam. Hot kernels (matmul first) are looked up by name in a registry, per backend, like
 * tfjs's registerKernel({kernelName, backendName, kernelFunc}). Ops call `kernel('matmul')(args)` and never
 * ask which backend is active; a backend that lacks a kernel falls back to the cpu one.
 */
import type { KernelSignatures } from './kernels.ts';

export type KernelName = keyof KernelSignatures;

const registry = new Map<string, Map<KernelName, unknown>>();
let activeBackend = 'cpu';

/** Register `kernelFunc` as `kernelName` for `backendName`. */
export function registerKernel<K extends KernelName>(config: {
  kernelName: K;
  backendName: string;
  kernelFunc: KernelSignatures[K];
}): void {
  let table = registry.get(config.backendName);
  if (!table) registry.set(config.backendName, (table = new Map()));
  table.set(config.kernelName, config.kernelFunc);
}

/** The active backend's kernel, or the cpu backend's when the active one has none. */
export function kernel<K extends KernelName>(name: K): KernelSignatures[K] {
  const fn = registry.get(activeBackend)?.get(name) ?? registry.get('cpu')?.get(name);
  if (!fn) throw new Error(`kernel "${name}" is registered for no backend (loaded backends: ${[...registry.keys()].join(', ') || 'none'})`);
  return fn as KernelSignatures[K];
}

/** Choose the backend that ops use from now on. */
export function setBackend(name: string): void {
  if (!registry.has(name)) {
    throw new Error(`unknown backend "${name}"; registered backends: ${[...registry.keys()].join(', ')}`);
  }
  activeBackend = name;
}

export function getBackend(): string {
  return activeBackend;
}

export function listBackends(): string[] {
  return [...registry.keys()];
}
