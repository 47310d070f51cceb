/**
 * The cpu backend: pure TypeScript kernels, the default and the reference for every other backend.
 */
import { registerKernel } from '../registry.ts';
import { adamwUpdate } from './adamw.ts';
import { geluBackward, geluForward } from './gelu-threaded.ts';
import { layerNormBackward, layerNormForward } from './layer-norm.ts';
import { matmulBlocked } from './matmul-blocked.ts';
import { scaledMaskedSoftmaxRows, softmaxRows, softmaxRowsBackward } from './softmax.ts';

registerKernel({ kernelName: 'matmul', backendName: 'cpu', kernelFunc: matmulBlocked });
registerKernel({ kernelName: 'softmaxRows', backendName: 'cpu', kernelFunc: softmaxRows });
registerKernel({ kernelName: 'scaledMaskedSoftmaxRows', backendName: 'cpu', kernelFunc: scaledMaskedSoftmaxRows });
registerKernel({ kernelName: 'softmaxRowsBackward', backendName: 'cpu', kernelFunc: softmaxRowsBackward });
registerKernel({ kernelName: 'layerNormForward', backendName: 'cpu', kernelFunc: layerNormForward });
registerKernel({ kernelName: 'layerNormBackward', backendName: 'cpu', kernelFunc: layerNormBackward });
registerKernel({ kernelName: 'gelu', backendName: 'cpu', kernelFunc: geluForward });
registerKernel({ kernelName: 'geluBackward', backendName: 'cpu', kernelFunc: geluBackward });
registerKernel({ kernelName: 'adamwUpdate', backendName: 'cpu', kernelFunc: adamwUpdate });

export { adamwUpdate } from './adamw.ts';
export { geluBackward, geluForward } from './gelu-threaded.ts';
export { geluBackwardSerial, geluForwardSerial } from './gelu.ts';
export { layerNormBackward, layerNormForward } from './layer-norm.ts';
export { matmulBlocked, matmulBlockedSerial } from './matmul-blocked.ts';
export { matmulNaive } from './matmul-naive.ts';
export { scaledMaskedSoftmaxRows, softmaxRows, softmaxRowsBackward } from './softmax.ts';
export {
  getCpuThreads, getMinParallelElements, getMinParallelWork, setCpuThreads, setMinParallelElements, setMinParallelWork, threadsFromEnv,
} from './threads.ts';
export { lastThreadedMatmulStats, matmulThreaded, type ThreadedMatmulStats } from './matmul-threaded.ts';
export { lastParallelRun, stopWorkers, type ParallelRunStats } from './worker-pool.ts';
