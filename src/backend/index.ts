export { registerKernel, kernel, setBackend, getBackend, listBackends, type KernelName } from './registry.ts';
export type { KernelSignatures, MatmulArgs, FloatArray } from './kernels.ts';
export {
  matmulBlocked, matmulBlockedSerial, matmulNaive, matmulThreaded, softmaxRows,
  getCpuThreads, setCpuThreads, threadsFromEnv, getMinParallelWork, setMinParallelWork, lastThreadedMatmulStats, stopWorkers,
  type ThreadedMatmulStats,
} from './cpu/index.ts';
