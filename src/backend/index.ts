export { registerKernel, kernel, setBackend, getBackend, listBackends, type KernelName } from './registry.ts';
export type { KernelSignatures, MatmulArgs, FloatArray } from './kernels.ts';
export { matmulBlocked, matmulNaive, softmaxRows } from './cpu/index.ts';
