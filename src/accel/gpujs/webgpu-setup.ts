/**
 * WebGPU for gpu.js in Node 20, through the `webgpu` npm package (Dawn's Node binding), as worked out in
 * ../shared/device/README.md:
 *  - Node has no `navigator`: copy the package's WebGPU globals (GPUBufferUsage, ...) onto globalThis and
 *    set globalThis.navigator = { gpu: create([]) }.
 *  - Dawn's binding throws "invalid value to onuncapturederror" when gpu.js assigns a function to
 *    device.onuncapturederror: every device requestDevice returns gets an own accessor property that takes
 *    a function (errors still reach it when the binding offers addEventListener).
 *  - Node does not exit while the GPU object is alive: release() drops navigator.gpu, and the device
 *    worker then lets V8 collect the object (device-worker.ts, collectDawn).
 * Dawn's linux-x64 build needs glibc 2.38. The lent GPU machines have it; on a Debian 12 machine (glibc
 * 2.36) plain node cannot load it, and scripts/webgpu-local.sh runs node with a newer glibc and a software
 * Vulkan driver (lavapipe) instead. Import it only when WebGPU is wanted (it is loaded by
 * device-worker.ts for mode 'webgpu'): nothing else in the project imports the `webgpu` package.
 */

import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

interface WebGPUPackage {
  create(options: string[]): unknown;
  globals: object;
}

type AnyFn = (...args: unknown[]) => Promise<unknown>;
type Obj = Record<string, unknown>;

/** Give `device` an onuncapturederror property that accepts a function (Dawn's own setter rejects it). */
function patchDevice(device: Obj): void {
  let handler: ((e: unknown) => void) | null = null;
  Object.defineProperty(device, 'onuncapturederror', {
    configurable: true,
    get: () => handler,
    set: (fn: unknown) => {
      handler = typeof fn === 'function' ? (fn as (e: unknown) => void) : null;
    },
  });
  const addEventListener = device.addEventListener;
  if (typeof addEventListener === 'function') {
    try {
      addEventListener.call(device, 'uncapturederror', (e: unknown) => handler?.(e));
    } catch {
      // The binding may not support listeners; the property alone is what gpu.js needs.
    }
  }
}

/** Replace obj[name] (an async method) by a wrapper that post-processes what it resolves to. */
function wrapAsync(obj: Obj, name: string, after: (value: unknown) => unknown): void {
  const original = obj[name] as AnyFn;
  Object.defineProperty(obj, name, {
    configurable: true,
    writable: true,
    value: async (...args: unknown[]) => after(await original.apply(obj, args)),
  });
}

/**
 * Let the thread end after WebGPU is released. Dawn keeps a thread's event loop alive until its instance
 * object is garbage-collected, and ending the thread any other way while the instance lives (terminate(),
 * process.exit()) aborts the process from inside Dawn. So, with every reference dropped, ask V8 for a
 * full collection: then the loop empties and the thread exits on its own. Even so, a thread that ends
 * while another thread of the process still uses Dawn crashes the process (seen on lavapipe: the other
 * thread's next kernels segfault); threads that hold Dawn one after another are fine.
 */
function collectDawn(): void {
  v8.setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  // A few collections, spaced out: objects Dawn frees in one may release others only in the next.
  // The timers are unref'd so that they never keep the thread alive themselves.
  for (let i = 0; i < 5; i++) setTimeout(() => gc(), 50 * i).unref();
}

/**
 * Install navigator.gpu (Dawn) for gpu.js's 'webgpu' mode.
 * @returns release(), which removes navigator.gpu so that Node can exit, and collectDawn(), which a thread
 *   calls last, once the device is destroyed and released, so that it ends on its own
 */
export async function installWebGPU(): Promise<{ release: () => void; collectDawn: () => void }> {
  const packageName = 'webgpu'; // a variable: TypeScript need not resolve the package's (DOM) types here
  let pkg: WebGPUPackage;
  try {
    pkg = (await import(packageName)) as WebGPUPackage;
  } catch (e) {
    throw new Error(
      `WebGPU: could not load the "webgpu" package (Dawn). Its linux-x64 build needs glibc 2.38; ` +
        `on older systems it cannot load (on Debian 12, bash scripts/webgpu-local.sh runs node with a newer ` +
        `glibc and a software Vulkan driver). Cause: ${(e as Error).message}`,
    );
  }
  Object.assign(globalThis, pkg.globals);
  const gpu = pkg.create([]) as Obj;
  wrapAsync(gpu, 'requestAdapter', (adapter) => {
    if (adapter) wrapAsync(adapter as Obj, 'requestDevice', (device) => (device && patchDevice(device as Obj), device));
    return adapter;
  });
  const g = globalThis as unknown as { navigator?: { gpu?: unknown } };
  g.navigator = { ...(g.navigator ?? {}), gpu };
  return {
    release: () => {
      if (g.navigator?.gpu === gpu) delete g.navigator.gpu;
    },
    collectDawn,
  };
}
