/**
 * The speed layer: faster kernels for the core's ops, registered through the core's dispatch seam
 * (autograd/dispatch.ts). Importing it registers the cpu backend (threaded, blocked kernels) and makes it
 * the active one; BERT_BACKEND selects another at load time (select.ts).
 */
import './cpu/index.ts';

export {
  matmulBlocked,
  matmulBlockedSerial,
  matmulThreaded,
  matmulCpu,
  setCpuMatmul,
  getCpuMatmul,
  wasmAvailable,
  CPU_MATMUL_CHOICES,
  type CpuMatmul,
  geluForward,
  geluBackward,
  getCpuThreads,
  setCpuThreads,
  threadsFromEnv,
  getMinParallelWork,
  setMinParallelWork,
  getMinParallelElements,
  setMinParallelElements,
  lastThreadedMatmulStats,
  lastParallelRun,
  stopWorkers,
  type ThreadedMatmulStats,
  type ParallelRunStats,
} from './cpu/index.ts';
export { matmulKernelFrom, type MatmulArgs, type FloatArray } from './kernels.ts';
export { PrepackedWeight, prepackWeights, releasePrepackedWeights } from './wasm/prepacked-weights.ts';
export { residentBytes } from './wasm/resident.ts';
export { matmulProduct, registerProduct } from './products.ts';
export { geluLoops as geluForwardSerial, geluBackwardLoops as geluBackwardSerial } from '../ops/gelu.ts';
export { selectBackendFromEnv, BACKEND_CHOICES } from './select.ts';
export { counterDropoutOnHost } from './dropout-masks.ts';
export { registerDeviceOps } from './device-ops.ts';
export {
  deviceOf,
  onDevice,
  toDevice,
  activeDevice,
  placeOnActiveDevice,
  releaseUnusedDeviceMemory,
  registerBackendDevice,
  isDeviceStorage,
  type TensorDevice,
  type DeviceStorage,
  type DeviceMatmulShape,
  type DeviceBinaryOp,
  type DeviceBinaryLayout,
} from './device.ts';
