/**
 * The thread that owns a gpu.js instance in an asynchronous mode (webgpu; for tests also webasm or cpu in
 * asyncMode). The main thread stays synchronous (see webgpu-backend.ts): it writes a job into shared
 * memory, posts it here and sleeps in Atomics.wait; this thread awaits the kernel's Promise, writes C into
 * shared memory and wakes it.
 *
 * Status slot protocol (Int32Array over a SharedArrayBuffer): the main thread sets it to BUSY and posts;
 * this thread sets READY (done) or FAILED (with the message posted on the errors port) and notifies.
 *
 * It also holds the buffers of device-resident tensors (device-buffers.ts): those jobs are posted without
 * waiting, and only a read of a buffer is waited for through the status slot.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { MatmulArgs } from '../kernels.ts';
import { STATUS_FAILED, STATUS_READY, type DeviceJob, type DeviceWorkerData } from './device-protocol.ts';
import { GPU, WebGPUContext, type GPUInstance } from './gpu.ts';
import { DeviceBuffers } from './device-buffers.ts';
import { DeviceKernels } from './device-kernels.ts';
import { copyResult, GpujsMatmul, type MatmulResult } from './matmul.ts';
import { TiledProducts } from './tiled-products.ts';

/**
 * The most float32 values one buffer may hold: the device's storage buffer limit for WebGPU (gpu.js asks
 * the adapter for its largest), and in any mode no more than the kernels' 32-bit integer indices reach. In
 * webasm mode every argument is copied into one WebAssembly memory (4 GiB at most), so there 2^28 (1 GiB).
 */
async function maxBufferValues(mode: DeviceWorkerData['mode']): Promise<number> {
  const indexLimit = 2 ** 31 - 1;
  if (mode === 'webasm') return 2 ** 28;
  if (mode !== 'webgpu') return indexLimit;
  const { device } = await WebGPUContext.acquire();
  const bytes = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
  return Math.min(indexLimit, Math.floor(bytes / 4));
}

async function main(): Promise<void> {
  if (!parentPort) throw new Error('device-worker.ts is the body of a worker thread; it was loaded on the main thread');
  const port = parentPort;
  const { mode, status: statusBuffer, errors } = workerData as DeviceWorkerData;
  const status = new Int32Array(statusBuffer);
  const finish = (state: number, error?: unknown) => {
    if (error !== undefined) errors.postMessage(error instanceof Error ? (error.stack ?? error.message) : String(error));
    Atomics.store(status, 0, state);
    Atomics.notify(status, 0);
  };
  try {
    let releaseWebGPU = () => {};
    let collectDawn = () => {};
    if (mode === 'webgpu') {
      const { installWebGPU } = await import('./webgpu-setup.ts');
      ({ release: releaseWebGPU, collectDawn } = await installWebGPU());
      if (!(await GPU.isWebGPUAvailable())) throw new Error('WebGPU: navigator.gpu is installed but no adapter answered (no GPU, or no Vulkan driver)');
    }
    Atomics.store(status, 1, await maxBufferValues(mode));
    let gpu: GPUInstance | null = new GPU({ mode });
    let matmul: GpujsMatmul | null = new GpujsMatmul(gpu, true);
    const tiled = mode === 'webgpu' ? await TiledProducts.create() : null;
    let buffers: DeviceBuffers | null = new DeviceBuffers(new DeviceKernels(gpu, tiled));

    const handle = async (job: DeviceJob): Promise<void> => {
      if (job.type === 'shutdown') {
        try {
          buffers?.clear();
          gpu?.destroy();
          if (mode === 'webgpu') await WebGPUContext.destroy(); // the device all webgpu kernels share
        } finally {
          releaseWebGPU();
          port.close();
          gpu = matmul = buffers = null;
          releaseWebGPU = () => {};
          if (mode === 'webgpu') collectDawn();
        }
        return;
      }
      if (!matmul || !buffers) {
        finish(STATUS_FAILED, new Error(`device worker: ${job.type} after shutdown`));
        return;
      }
      if (job.type === 'matmul') {
        // The host-array product of the registry's kernel: operands and result in shared memory.
        try {
          const a = new Float32Array(job.a, 0, job.aLength);
          const b = new Float32Array(job.b, 0, job.bLength);
          const out = new Float32Array(job.c, 0, job.args.batch * job.args.m * job.args.n);
          const args: MatmulArgs = { ...job.args, a, b, out };
          const result = (await matmul.kernelFor(args)(a, b)) as MatmulResult;
          copyResult(result, out, args.batch, args.m, args.n);
          finish(STATUS_READY);
        } catch (e) {
          finish(STATUS_FAILED, e);
        }
        return;
      }
      if (job.type === 'read') {
        try {
          await buffers.run(job);
          finish(STATUS_READY);
        } catch (e) {
          finish(STATUS_FAILED, e);
        }
        return;
      }
      await buffers.run(job); // never throws: a failure waits for the next read
    };

    // One job at a time, in the order posted: a job's inputs are the outputs of jobs posted before it.
    let queue = Promise.resolve();
    port.on('message', (job: DeviceJob) => {
      queue = queue.then(() => handle(job));
    });
    finish(STATUS_READY);
  } catch (e) {
    finish(STATUS_FAILED, e);
  }
}

void main();
