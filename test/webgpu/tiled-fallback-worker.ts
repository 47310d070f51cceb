/**
 * The body of the thread that tiled-fallback.test.ts starts: a device worker's stack (gpu.js on WebGPU,
 * the tiled products, the buffer table) in which something goes wrong on purpose (FallbackCase.scenario).
 * It runs one product twice through the table, as the device worker runs jobs, posts the values and what
 * was written to console.error, then releases WebGPU so that the thread ends on its own (Dawn aborts the
 * process if a thread that holds it is terminated).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DeviceBuffers } from '../../src/accel/gpujs/device-buffers.ts';
import { DeviceKernels, TILED_CONSTANT } from '../../src/accel/gpujs/device-kernels.ts';
import { GPU, WebGPUContext } from '../../src/accel/gpujs/gpu.ts';
import { productShader, TiledProducts } from '../../src/accel/gpujs/tiled-products.ts';
import { installWebGPU } from '../../src/accel/gpujs/webgpu-setup.ts';

export interface FallbackCase {
  /**
   * 'rejected-shader': every tiled shader is made invalid, and the product runs twice. 'lost-device': the
   * product runs with the tiled shaders, then the device is destroyed and it runs again.
   */
  scenario: 'rejected-shader' | 'lost-device';
  m: number;
  k: number;
  n: number;
  a: Float32Array;
  b: Float32Array;
}

export interface FallbackReport {
  /** The product's values from each run whose read succeeded. */
  results: Float32Array[];
  /** The message of the first read that failed, if one did. */
  readError: string | null;
  /** Everything the thread wrote to console.error. */
  errors: string[];
}

/** Every tiled shader made invalid (WGSL has no `undefined_function`). */
const rejectedShader: typeof productShader = (name, constants, size) => {
  const shader = productShader(name, constants, size);
  return shader && { ...shader, code: shader.code.replace('var value = acc', 'var value = undefined_function() + acc') };
};

async function main(): Promise<void> {
  const { scenario, m, k, n, a, b } = workerData.case as FallbackCase;
  const errors: string[] = [];
  console.error = (...args: unknown[]) => errors.push(args.map(String).join(' '));
  const { release, collectDawn } = await installWebGPU();
  const gpu = new GPU({ mode: 'webgpu' });
  const tiled = await TiledProducts.create(scenario === 'rejected-shader' ? rejectedShader : productShader);
  const buffers = new DeviceBuffers(new DeviceKernels(gpu, tiled));
  const constants = {
    [TILED_CONSTANT]: 1,
    m,
    n,
    k,
    aBatchInner: 1,
    aBatchStride: m * k,
    aInnerStride: 0,
    bBatchInner: 1,
    bBatchStride: k * n,
    bInnerStride: 0,
    aRowStride: k,
    aColStride: 1,
    bRowStride: n,
    bColStride: 1,
  };
  const results: Float32Array[] = [];
  let readError: string | null = null;
  try {
    await buffers.run({ type: 'upload', out: 1, values: a });
    await buffers.run({ type: 'upload', out: 2, values: b });
    for (const out of [3, 4]) {
      if (scenario === 'lost-device' && out === 4) {
        const { device } = (await WebGPUContext.acquire()) as unknown as { device: { destroy(): void; lost: Promise<unknown> } };
        device.destroy();
        await device.lost;
      }
      await buffers.run({ type: 'run', out, kernel: 'matmul', inputs: [1, 2], size: m * n, constants, scalars: [] });
      const into = new SharedArrayBuffer(4 * m * n);
      try {
        await buffers.run({ type: 'read', id: out, size: m * n, offset: 0, into });
        results.push(new Float32Array(into));
      } catch (e) {
        readError ??= (e as Error).message;
      }
    }
  } finally {
    buffers.clear();
    gpu.destroy();
    await WebGPUContext.destroy();
    release();
    parentPort?.postMessage({ results, readError, errors } satisfies FallbackReport);
    parentPort?.close();
    collectDawn();
  }
}

void main();
