/**
 * The one seam between the core and the speed layer, in the manner of tfjs's `runKernel`.
 *
 * An op of the core checks its inputs and then calls
 *
 *     dispatch(name, inputs, attrs, reference)
 *
 * where `reference` is the plain computation, written out in the op's own file. That is the whole story
 * for a reader of the core: with nothing registered, every op runs its reference.
 *
 * The speed layer (src/accel) may register a faster kernel under the same name for a backend. dispatch then
 * asks that kernel first, and the kernel either returns the op's result or declines by returning null (for
 * inputs it does not handle: float64, a shape too small to be worth it, values it cannot reach). Which
 * backend is asked: the one holding an input's values (`Tensor.external`), else the active one
 * (`setBackend`). A backend that declines or lacks the kernel hands over to its fallback backend, and the
 * last word is always the reference. Every registered kernel is tested against its reference (test/accel).
 */
import type { Tensor } from '../tensor/tensor.ts';

/** An op's tensor arguments by name; null or undefined for an optional one that is absent. */
export type KernelInputs = Record<string, Tensor | null | undefined>;

/** A registered kernel: the reference's arguments and result, or null to hand over to the next in line. */
export type Kernel<I extends KernelInputs, A, R> = (inputs: I, attrs: A) => R | null;

/** The kernel type that stands in for a reference function (`KernelFor<typeof layerNormReference>`). */
export type KernelFor<F> = F extends (inputs: infer I extends KernelInputs, attrs: infer A) => infer R ? Kernel<I, A, R> : never;

interface Backend {
  readonly name: string;
  /** The backend asked next when this one has no kernel or declines; null: the reference. */
  readonly fallback: string | null;
  readonly kernels: Map<string, Kernel<KernelInputs, unknown, unknown>>;
}

const backends = new Map<string, Backend>();
let active: Backend | null = null;

/**
 * Declare a backend (once; again with the same fallback is a no-op).
 * @param fallback the backend whose kernels serve where this one has none, or null for the reference
 */
export function registerBackend(name: string, fallback: string | null = null): void {
  const existing = backends.get(name);
  if (existing) {
    if (existing.fallback !== fallback) {
      throw new Error(
        `registerBackend: "${name}" is already registered with fallback ${existing.fallback ?? 'the reference'}, not ${fallback ?? 'the reference'}`,
      );
    }
    return;
  }
  if (fallback !== null && !backends.has(fallback)) throw new Error(`registerBackend: the fallback "${fallback}" of "${name}" is not registered`);
  backends.set(name, { name, fallback, kernels: new Map() });
}

/** Any kernel: what registerKernel takes when no reference type is named. */
// biome-ignore lint/suspicious/noExplicitAny: a kernel of any reference's signature is accepted here; naming the reference's type checks it
type AnyReference = (inputs: any, attrs: any) => unknown;

/**
 * Register `kernel` as `name` for `backend`; name the reference's type to have the kernel checked against it
 * (`registerKernel<typeof layerNormReference>(...)`). A second kernel for one name and backend is an error.
 */
export function registerKernel<F = AnyReference>(name: string, backend: string, kernel: KernelFor<F>): void {
  const b = backends.get(backend);
  if (!b) throw new Error(`registerKernel: backend "${backend}" is not registered (registerBackend first); kernel "${name}"`);
  if (b.kernels.has(name)) throw new Error(`registerKernel: backend "${backend}" already has a kernel "${name}"`);
  b.kernels.set(name, kernel as Kernel<KernelInputs, unknown, unknown>);
}

/** Whether `backend` has a kernel registered as `name` (not counting its fallbacks). */
export function hasKernel(name: string, backend: string): boolean {
  return backends.get(backend)?.kernels.has(name) ?? false;
}

/** Remove a backend's kernel (tests that register their own). */
export function unregisterKernel(name: string, backend: string): void {
  backends.get(backend)?.kernels.delete(name);
}

/** Choose the backend whose kernels ops use from now on; null: the references only. */
export function setBackend(name: string | null): void {
  if (name === null || name === 'reference') {
    active = null;
    return;
  }
  const b = backends.get(name);
  if (!b) throw new Error(`unknown backend "${name}"; registered backends: ${[...backends.keys()].join(', ') || 'none (only the reference)'}`);
  active = b;
}

/** The active backend's name, or 'reference' when none is. */
export function getBackend(): string {
  return active?.name ?? 'reference';
}

/** Every registered backend's name. */
export function listBackends(): string[] {
  return [...backends.keys()];
}

/**
 * Compute op `name`: the kernel of the backend in charge if it takes these inputs, else the reference.
 * [docs: dispatch]
 * @param inputs the op's tensors by name
 * @param attrs everything else the op needs (sizes, options), plain values
 * @param reference the plain computation, in the op's own file
 */
export function dispatch<I extends KernelInputs, A, R>(name: string, inputs: I, attrs: A, reference: (inputs: I, attrs: A) => R): R {
  let backend = active;
  for (const key in inputs) {
    const holder = inputs[key]?.external?.backend;
    if (holder !== undefined) {
      backend = backends.get(holder) ?? backend;
      break;
    }
  }
  while (backend !== null) {
    const kernel = backend.kernels.get(name);
    if (kernel !== undefined) {
      const result = kernel(inputs, attrs) as R | null;
      if (result !== null) return result;
    }
    backend = backend.fallback === null ? null : (backends.get(backend.fallback) ?? null);
  }
  return reference(inputs, attrs);
}
