/**
 * A synchronous backend over an asynchronous gpu.js mode - WebGPU above all, whose results only ever
 * arrive as Promises. Kernels are synchronous, so the GPU work runs on a worker thread
 * (device-worker.ts) and the main thread waits for it with Atomics.wait, the same pattern as the cpu
 * backend's threaded matmul:
 *   main: copy A and B into shared memory, set status BUSY, post the job, Atomics.wait(status)
 *   worker: await the gpu.js kernel (upload, dispatch, readback), write C to shared memory, set READY, notify
 *   main: copy C out.
 * Float64 products and operands too large for float32 indices stay on the host (the wasm kernel).
 *
 * Use: `registerDeviceBackend('webgpu')` then setBackend('gpujs-webgpu'), or BERT_BACKEND=gpujs-webgpu
 * (select.ts). WebGPU needs the `webgpu` package's Dawn build, which loads only where glibc >= 2.38 (the lent
 * GPU machines; not this Debian 12 machine): see webgpu-setup.ts and bench/gpu-check.ts. The same bridge
 * runs gpu.js's webasm and cpu modes (asyncMode) anywhere, which is how it is tested without a GPU.
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { matmulWasm } from '../wasm/matmul.ts';
import { registerBackend } from '../../autograd/dispatch.ts';
import '../cpu/index.ts'; // the cpu backend: this one's fallback
import { registerDeviceOps } from '../device-ops.ts';
import { matmulKernelFrom, type MatmulArgs } from '../kernels.ts';
import { registerProduct } from '../products.ts';
import { STATUS_BUSY, STATUS_FAILED, type DeviceMatmulJob, type DeviceMode, type DeviceShutdownJob, type DeviceWorkerData } from './device-protocol.ts';
import { registerBackendDevice, type TensorDevice } from '../device.ts';
import { GpujsTensorDevice, type DeviceChannel } from './device-tensors.ts';
import { gpujsCanMultiply } from './matmul.ts';

interface Device {
  name: string;
  mode: DeviceMode;
  worker: Worker;
  status: Int32Array;
  errors: MessagePort;
  /** Shared scratch for A, B and C, grown as needed. */
  scratch: { a: SharedArrayBuffer; b: SharedArrayBuffer; c: SharedArrayBuffer };
}

const devices = new Map<string, Device>();

/** Wait (blocking) until the worker leaves BUSY; throw its error if it failed. */
function waitForWorker(device: Device, what: string, timeoutMs: number): void {
  const t0 = Date.now();
  while (Atomics.load(device.status, 0) === STATUS_BUSY) {
    const left = timeoutMs - (Date.now() - t0);
    if (left <= 0) throw new Error(`gpujs device backend (${device.mode}): no answer to ${what} within ${timeoutMs / 1000} s`);
    Atomics.wait(device.status, 0, STATUS_BUSY, Math.min(left, 1000));
  }
  if (Atomics.load(device.status, 0) === STATUS_FAILED) {
    const msg = receiveMessageOnPort(device.errors)?.message;
    throw new Error(`gpujs device backend (${device.mode}): ${what} failed: ${msg ?? 'no message'}`);
  }
}

function grow(buf: SharedArrayBuffer, floats: number): SharedArrayBuffer {
  return buf.byteLength >= floats * 4 ? buf : new SharedArrayBuffer(Math.max(floats * 4, Math.ceil((buf.byteLength * 1.5) / 4) * 4));
}

/**
 * Start a device worker in `mode` and register its matmul as backend `name`. Blocks until the worker has
 * its gpu.js instance (for webgpu: an adapter and a device), or throws with the worker's reason.
 * @param mode 'webgpu' on a GPU machine; 'webasm' or 'cpu' run the same bridge without a GPU
 * @param name the backend name (default 'gpujs-webgpu' for webgpu, else 'gpujs-device-<mode>')
 * @param startTimeoutMs how long to wait for the worker to start (loading Dawn and finding an adapter)
 * @returns the backend name, for setBackend
 */
export function registerDeviceBackend(mode: DeviceMode, name = mode === 'webgpu' ? 'gpujs-webgpu' : `gpujs-device-${mode}`, startTimeoutMs = 120_000): string {
  if (devices.has(name)) return name;
  // One WebGPU worker at a time: a thread holding Dawn that ends while another one uses Dawn crashes the
  // process (webgpu-setup.ts, collectDawn).
  const otherWebGPU = [...devices.values()].find((d) => d.mode === 'webgpu');
  if (mode === 'webgpu' && otherWebGPU) {
    throw new Error(`registerDeviceBackend: WebGPU backend "${otherWebGPU.name}" is registered; release it first (releaseDeviceBackend) to register "${name}"`);
  }
  const here = import.meta.url;
  const fromSource = here.endsWith('.ts');
  const entry = new URL(fromSource ? './device-worker.ts' : './device-worker.js', here);
  // [status, maxBufferValues]; the status starts at STATUS_BUSY (0)
  const status = new Int32Array(new SharedArrayBuffer(8));
  const { port1, port2 } = new MessageChannel();
  const workerData: DeviceWorkerData = { entry: entry.href, mode, status: status.buffer as SharedArrayBuffer, errors: port2 };
  const options = { workerData, transferList: [port2], execArgv: [] };
  const worker = fromSource ? new Worker(new URL('../cpu/tsx-worker.mjs', here), options) : new Worker(entry, options);
  worker.unref();
  port1.unref();
  const device: Device = {
    name,
    mode,
    worker,
    status,
    errors: port1,
    scratch: { a: new SharedArrayBuffer(0), b: new SharedArrayBuffer(0), c: new SharedArrayBuffer(0) },
  };
  try {
    waitForWorker(device, 'starting the worker', startTimeoutMs);
  } catch (e) {
    void worker.terminate();
    throw e;
  }
  devices.set(name, device);
  registerBackendDevice(name, deviceOfBackend(name)); // models on this backend keep their weights on the device
  releaseBeforeExit();
  registerBackend(name, 'cpu');
  // Products of host arrays go through the worker too; the current Device of this name is looked up at each
  // call, so that a backend released and registered again uses its new worker.
  const product = (args: MatmulArgs): void => deviceMatmul(currentDevice(name), args);
  registerProduct(name, product);
  registerDeviceOps(name, matmulKernelFrom(product));
  return name;
}

let exitHookInstalled = false;

/**
 * Release every device backend when the process is about to exit on its own (its event loop is empty:
 * the workers are unref'd). Node ending a thread that still holds Dawn aborts the process, so a script or
 * the CLI that simply returns must let the workers go first. (`process.exit()` skips this hook: release
 * the backends before calling it.)
 */
function releaseBeforeExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('beforeExit', () => {
    void Promise.all([...devices.keys()].map((name) => releaseDeviceBackend(name)));
  });
}

const tensorDevices = new Map<string, GpujsTensorDevice>();

/**
 * The device of backend `name` as a TensorDevice: tensors put on it (toDevice in ../device.ts) keep their
 * values in the worker's buffers, and ops on them run there without copying back (device-tensors.ts).
 */
export function deviceOfBackend(name: string): TensorDevice {
  const device = devices.get(name);
  if (!device) throw new Error(`deviceOfBackend: no device backend "${name}" is registered (registerDeviceBackend first)`);
  let td = tensorDevices.get(name);
  if (!td) {
    const channel: DeviceChannel = {
      post: (job, transfer) => device.worker.postMessage(job, transfer ?? []),
      call: (job, what) => {
        Atomics.store(device.status, 0, STATUS_BUSY);
        device.worker.postMessage(job);
        waitForWorker(device, what, 600_000);
      },
      scratch: (floats) => (device.scratch.c = grow(device.scratch.c, floats)),
      get alive() {
        return devices.get(name) === device;
      },
    };
    // On WebGPU the products are the tiled kernels, which read B^T in place as well as B: no copies first.
    const webgpu = device.mode === 'webgpu';
    td = new GpujsTensorDevice(name, channel, Atomics.load(device.status, 1), false, webgpu);
    tensorDevices.set(name, td);
  }
  return td;
}

/** The device worker of backend `name`; an error once it was released. */
function currentDevice(name: string): Device {
  const device = devices.get(name);
  if (!device) throw new Error(`gpujs device backend "${name}" was released; select another backend (setBackend('cpu'))`);
  return device;
}

/** matmul on the device worker (see MatmulArgs); blocks until the result is in args.out. */
function deviceMatmul(device: Device, args: MatmulArgs): void {
  if (devices.get(device.name) !== device) {
    throw new Error(`gpujs device backend "${device.name}" was released; select another backend (setBackend('cpu'))`);
  }
  if (!gpujsCanMultiply(args)) {
    // Too big for gpu.js's float32 indices (BERT-Base's tied word embeddings, 30522 x 768), or float64:
    // on the host, with the WebAssembly SIMD kernel (which hands float64 to the cpu kernel).
    matmulWasm(args);
    return;
  }
  const { a, b, out, ...shape } = args;
  const s = device.scratch;
  s.a = grow(s.a, a.length);
  s.b = grow(s.b, b.length);
  s.c = grow(s.c, out.length);
  new Float32Array(s.a, 0, a.length).set(a);
  new Float32Array(s.b, 0, b.length).set(b);
  const job: DeviceMatmulJob = { type: 'matmul', a: s.a, aLength: a.length, b: s.b, bLength: b.length, c: s.c, args: shape };
  Atomics.store(device.status, 0, STATUS_BUSY);
  device.worker.postMessage(job);
  waitForWorker(device, `matmul [${shape.batch} x ${shape.m} x ${shape.k}] @ [${shape.k} x ${shape.n}]`, 600_000);
  out.set(new Float32Array(s.c, 0, out.length));
}

/**
 * Stop the device worker of backend `name` (its kernels stay registered but must not be used). The worker
 * is asked to release the GPU and exit by itself; only if it has not exited after `exitTimeoutMs` is it
 * terminated. (Terminating a thread that holds Dawn aborts the whole process: Dawn's pending event
 * processing throws into the dead thread.)
 * @returns how the worker ended: 'exited' on its own, or 'terminated' after the timeout
 */
export async function releaseDeviceBackend(name: string, exitTimeoutMs = 10_000): Promise<'exited' | 'terminated' | 'not registered'> {
  const device = devices.get(name);
  if (!device) return 'not registered';
  devices.delete(name);
  tensorDevices.delete(name);
  registerBackendDevice(name, null);
  const exited = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), exitTimeoutMs);
    device.worker.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
  device.worker.postMessage({ type: 'shutdown' } satisfies DeviceShutdownJob);
  const clean = await exited;
  if (!clean) await device.worker.terminate();
  device.errors.close();
  return clean ? 'exited' : 'terminated';
}

export type { DeviceMode } from './device-protocol.ts';
