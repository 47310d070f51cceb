/**
 * The wasm backend: the 'matmul' kernel as our own WebAssembly SIMD kernel (matmul.wat); every other
 * kernel falls back to the cpu backend. Select it with setBackend('wasm') or BERT_BACKEND=wasm (select.ts).
 * Importing this file registers it.
 */
import { registerBackend, registerKernel } from '../../autograd/dispatch.ts';
import type { matmulReference } from '../../ops/matmul.ts';
import '../cpu/index.ts'; // the cpu kernels: the fallback for every kernel but matmul
import { matmulKernelFrom } from '../kernels.ts';
import { registerProduct } from '../products.ts';
import { matmulWasm } from './matmul.ts';
import { matmulPrepacked } from './matmul-prepacked.ts';
import { withPrepackedWeights } from './prepacked-weights.ts';

registerBackend('wasm', 'cpu');
registerKernel<typeof matmulReference>(
  'matmul',
  'wasm',
  withPrepackedWeights(matmulKernelFrom(matmulWasm), matmulPrepacked, () => true),
);
registerProduct('wasm', matmulWasm);

export { matmulWasm, packOperands, type WasmMatmulLayout } from './matmul.ts';
export { packA, packB, TILE_M, TILE_N } from './pack.ts';
export { PrepackedWeight, prepackWeights, releasePrepackedWeights } from './prepacked-weights.ts';
export { residentBytes } from './resident.ts';
export { lastWasmThreadedStats, setWasmMinParallelWork, stopWasmWorkers } from './threads-node.ts';
