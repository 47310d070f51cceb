/**
 * The gpujs backend: the 'matmul' kernel as a gpu.js kernel, synchronously, in gpu.js's 'webasm'
 * (WebAssembly + SIMD) or 'cpu' (transpiled JavaScript) mode. Kernels it does not provide, float64
 * products, and operands too large for float32 indices fall back to the cpu backend.
 *
 * Select it with setBackend('gpujs') after registerGpujsBackend(), or with the environment variable
 * BERT_BACKEND=gpujs (mode from BERT_GPUJS_MODE, default webasm); see select.ts. For a real GPU through
 * WebGPU see webgpu-backend.ts (backend 'gpujs-webgpu').
 */
import { matmulBlocked } from '../cpu/matmul-blocked.ts';
import { registerBackend, registerKernel, unregisterKernel } from '../../autograd/dispatch.ts';
import type { matmulReference } from '../../ops/matmul.ts';
import '../cpu/index.ts'; // the cpu backend: this one's fallback
import { matmulKernelFrom, type MatmulArgs } from '../kernels.ts';
import { registerProduct } from '../products.ts';
import { defaultSyncMode, GPU, type GPUInstance, type SyncGpujsMode } from './gpu.ts';
import { copyResult, GpujsMatmul, gpujsCanMultiply, type MatmulResult } from './matmul.ts';

let current: { mode: SyncGpujsMode; gpu: GPUInstance; matmul: GpujsMatmul } | null = null;

/**
 * Register (or re-register in another mode) the synchronous gpujs backend under the name 'gpujs'.
 * @returns the backend name, for setBackend
 */
export function registerGpujsBackend(mode: SyncGpujsMode = defaultSyncMode()): string {
  if (!current || current.mode !== mode) {
    current?.gpu.destroy();
    const gpu = new GPU({ mode });
    current = { mode, gpu, matmul: new GpujsMatmul(gpu) };
  }
  const matmul = current.matmul;
  registerBackend('gpujs', 'cpu');
  unregisterKernel('matmul', 'gpujs'); // registered again in another mode
  const product = (args: MatmulArgs): void => {
    if (!gpujsCanMultiply(args)) {
      matmulBlocked(args);
      return;
    }
    const result = matmul.kernelFor(args)(args.a as Float32Array, args.b as Float32Array) as MatmulResult;
    copyResult(result, args.out as Float32Array, args.batch, args.m, args.n);
  };
  registerKernel<typeof matmulReference>('matmul', 'gpujs', matmulKernelFrom(product));
  registerProduct('gpujs', product);
  return 'gpujs';
}

/** The mode the gpujs backend was registered in, or null when it is not registered. */
export function gpujsMode(): SyncGpujsMode | null {
  return current?.mode ?? null;
}

export { defaultSyncMode, syncModeFromEnv, type SyncGpujsMode } from './gpu.ts';
export { copyResult, GpujsMatmul, gpujsCanMultiply, MAX_GPUJS_INDEX, type MatmulResult } from './matmul.ts';
