/**
 * Backend choice from the environment, applied once when the library is loaded (src/index.ts imports this):
 *   BERT_BACKEND=cpu (or unset)  the cpu backend (threads: BERT_THREADS, see cpu/threads.ts)
 *   BERT_BACKEND=gpujs           gpu.js kernels in this thread, mode BERT_GPUJS_MODE=webasm (default) or cpu
 *   BERT_BACKEND=gpujs-webgpu    gpu.js's WebGPU mode on a device worker (needs a GPU and Dawn, see
 *                                gpujs/webgpu-setup.ts); startup fails with the reason when there is none
 *   BERT_BACKEND=wasm            our WebAssembly SIMD matmul (wasm/matmul.wat); other kernels from cpu
 * gpu.js is loaded only when one of its backends is asked for; it is an optional dependency of the package
 * (a peer dependency: `npm install gpu.js` next to bert-ts).
 */
import { createRequire } from 'node:module';
import { setBackend } from '../autograd/dispatch.ts';
import './cpu/index.ts';
import { hostEnv } from './host-node.ts';

export const BACKEND_CHOICES = ['cpu', 'gpujs', 'gpujs-webgpu', 'wasm'] as const;

/**
 * Throw a clear error when gpu.js is not installed. Checked before loading: the device backend would
 * otherwise start its worker, which dies loading gpu.js where the main thread (blocked, waiting for it to
 * start) cannot see why.
 */
function checkGpujsInstalled(backend: string): void {
  try {
    createRequire(import.meta.url).resolve('gpu.js');
  } catch {
    throw new Error(`BERT_BACKEND=${backend} needs the gpu.js package, an optional dependency of bert-ts: npm install gpu.js`);
  }
}

/**
 * Register and select the backend named by `env.BERT_BACKEND`.
 * @returns the backend now active
 */
export async function selectBackendFromEnv(
  env: Record<string, string | undefined> = { BERT_BACKEND: hostEnv('BERT_BACKEND'), BERT_GPUJS_MODE: hostEnv('BERT_GPUJS_MODE') },
): Promise<string> {
  const wanted = (env.BERT_BACKEND ?? '').trim() || 'cpu';
  switch (wanted) {
    case 'cpu':
      setBackend('cpu');
      return 'cpu';
    case 'gpujs': {
      checkGpujsInstalled(wanted);
      const { registerGpujsBackend, syncModeFromEnv } = await import('./gpujs/index.ts');
      const name = registerGpujsBackend(syncModeFromEnv(env.BERT_GPUJS_MODE));
      setBackend(name);
      return name;
    }
    case 'gpujs-webgpu': {
      checkGpujsInstalled(wanted);
      const { registerDeviceBackend } = await import('./gpujs/webgpu-backend.ts');
      const name = registerDeviceBackend('webgpu');
      setBackend(name);
      return name;
    }
    case 'wasm': {
      await import('./wasm/index.ts'); // registers the backend
      setBackend('wasm');
      return 'wasm';
    }
    default:
      throw new Error(`BERT_BACKEND: expected one of ${BACKEND_CHOICES.join(', ')}, found "${wanted}"`);
  }
}

// In Node, src/index.ts loads this module and BERT_BACKEND takes effect at once; a page has no environment.
if ((hostEnv('BERT_BACKEND') ?? '').trim() !== '') await selectBackendFromEnv();
