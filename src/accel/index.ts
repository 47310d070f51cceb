export { registerKernel, kernel, setBackend, getBackend, listBackends, type KernelName } from './registry.ts';
export type {
  KernelSignatures, MatmulArgs, FloatArray, ScaledMaskedSoftmaxArgs, SoftmaxBackwardArgs, LayerNormArgs, LayerNormBackwardArgs,
  GeluArgs, GeluBackwardArgs, AdamWUpdateArgs,
} from './kernels.ts';
export {
  matmulBlocked, matmulBlockedSerial, matmulNaive, matmulThreaded, softmaxRows, scaledMaskedSoftmaxRows, softmaxRowsBackward,
  layerNormForward, layerNormBackward, geluForward, geluBackward, geluForwardSerial, geluBackwardSerial, adamwUpdate,
  getCpuThreads, setCpuThreads, threadsFromEnv, getMinParallelWork, setMinParallelWork, getMinParallelElements, setMinParallelElements, lastThreadedMatmulStats, lastParallelRun, stopWorkers,
  type ThreadedMatmulStats, type ParallelRunStats,
} from './cpu/index.ts';
export { selectBackendFromEnv, BACKEND_CHOICES } from './select.ts';
export { deviceOf, onDevice, toDevice, activeDevice, placeOnActiveDevice, releaseUnusedDeviceMemory, registerBackendDevice, type TensorDevice, type DeviceMatmulShape, type DeviceBinaryOp, type DeviceBinaryLayout } from './device.ts';
