/**
 * The cpu backend: pure TypeScript kernels, the default and the reference for every other backend.
 */
import { registerKernel } from '../registry.ts';
import { matmulBlocked } from './matmul-blocked.ts';
import { softmaxRows } from './softmax.ts';

registerKernel({ kernelName: 'matmul', backendName: 'cpu', kernelFunc: matmulBlocked });
registerKernel({ kernelName: 'softmaxRows', backendName: 'cpu', kernelFunc: softmaxRows });

export { matmulBlocked, matmulBlockedSerial } from './matmul-blocked.ts';
export { matmulNaive } from './matmul-naive.ts';
export { softmaxRows } from './softmax.ts';
export { getCpuThreads, setCpuThreads, threadsFromEnv } from './threads.ts';
export { getMinParallelWork, lastThreadedMatmulStats, matmulThreaded, setMinParallelWork, type ThreadedMatmulStats } from './matmul-threaded.ts';
export { stopWorkers } from './worker-pool.ts';
