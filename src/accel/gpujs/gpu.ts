/**
 * Loading gpu.js and choosing its mode.
 *
 * gpu.js 2.24 (as installed here) has these modes; what each needs in Node:
 *   'cpu'      kernels transpiled to plain JavaScript; runs everywhere.
 *   'webasm'   kernels compiled to WebAssembly with f32x4 SIMD; runs in Node 20 (single-threaded when
 *              called synchronously, as the registry's kernels are).
 *   'webgpu'   WGSL compute shaders; needs navigator.gpu, which Node provides only through the `webgpu`
 *              npm package (Dawn) - see webgpu-setup.ts - and kernel calls return Promises.
 *   'headlessgl' / 'gpu' need the optional `gl` package (headless-gl), which is not installed.
 */
import gpujs from 'gpu.js';

export const { GPU } = gpujs;
/**
 * gpu.js's shared WebGPU device (one per thread): `acquire()` gives it (and its limits), `destroy()`
 * releases it.
 */
export const WebGPUContext = (
  gpujs as unknown as {
    WebGPUContext: { acquire(): Promise<{ device: { limits: Record<string, number> } }>; destroy(): Promise<void> };
  }
).WebGPUContext;
export type GPUInstance = InstanceType<typeof gpujs.GPU>;

/** The modes the synchronous gpujs backend can run in. */
export type SyncGpujsMode = 'cpu' | 'webasm';

/** The best synchronous mode this process supports: webasm when WebAssembly is there, else cpu. */
export function defaultSyncMode(): SyncGpujsMode {
  return GPU.isWebAssemblySupported ? 'webasm' : 'cpu';
}

/** Check a mode name from the environment (BERT_GPUJS_MODE); undefined or empty gives the default. */
export function syncModeFromEnv(value: string | undefined): SyncGpujsMode {
  if (value === undefined || value.trim() === '') return defaultSyncMode();
  const mode = value.trim();
  if (mode !== 'cpu' && mode !== 'webasm') {
    throw new Error(`BERT_GPUJS_MODE: expected "webasm" or "cpu" (for WebGPU use BERT_BACKEND=gpujs-webgpu), found "${value}"`);
  }
  return mode;
}
