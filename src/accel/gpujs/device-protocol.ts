/**
 * What the main thread and the device worker (device-worker.ts) exchange: a status slot in shared memory
 * and one job message per product.
 */
import type { MessagePort } from 'node:worker_threads';
import type { DeviceKernelName } from '../device.ts';
import type { MatmulArgs } from '../kernels.ts';

/** Status slot values: the main thread sets BUSY before posting; the worker sets READY or FAILED. */
export const STATUS_BUSY = 0;
export const STATUS_READY = 1;
export const STATUS_FAILED = 2;

/** The gpu.js modes the device worker can run (webgpu is the one it exists for). */
export type DeviceMode = 'webgpu' | 'webasm' | 'cpu';

/** One product: float32 operands and output in shared memory, shapes as in MatmulArgs. */
export interface DeviceMatmulJob {
  type: 'matmul';
  a: SharedArrayBuffer;
  aLength: number;
  b: SharedArrayBuffer;
  bLength: number;
  c: SharedArrayBuffer;
  args: Omit<MatmulArgs, 'a' | 'b' | 'out'>;
}

export interface DeviceWorkerData {
  entry: string;
  mode: DeviceMode;
  /**
   * Int32Array [status, maxBufferValues]: the worker writes the most float32 values one of its buffers may
   * hold (the device's storage buffer limit, or 2^31 - 1 for the index arithmetic) before its first READY.
   */
  status: SharedArrayBuffer;
  /** Where the worker posts error messages (read synchronously with receiveMessageOnPort). */
  errors: MessagePort;
}

/**
 * Release the GPU and end the worker's event loop so that the thread exits by itself. Terminating a
 * thread that holds Dawn kills the process (Dawn's pending event processing throws into a dead
 * environment), so the main thread sends this and waits for the exit.
 */
export interface DeviceShutdownJob {
  type: 'shutdown';
}

/**
 * Jobs on device-resident buffers (device-tensors.ts). Buffers are numbered by the main thread, so it can
 * name an op's output without waiting for the worker; the worker runs jobs in the order they were posted.
 * Only 'read' is waited for (status slot, like the matmul job); a failure of an earlier job is reported
 * by the next read.
 */
export type DeviceBufferJob =
  | { type: 'upload'; out: number; values: Float32Array }
  | { type: 'free'; id: number }
  | { type: 'read'; id: number; size: number; offset: number; into: SharedArrayBuffer }
  | { type: 'run'; out: number; kernel: DeviceKernelName; inputs: number[]; size: number; constants: Record<string, number>; scalars: number[] };

export type DeviceJob = DeviceMatmulJob | DeviceShutdownJob | DeviceBufferJob;
