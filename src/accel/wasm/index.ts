/**
 * The wasm backend: the registry's 'matmul' as our own WebAssembly SIMD kernel (matmul.wat); every other
 * kernel falls back to the cpu backend. Select it with setBackend('wasm') or BERT_BACKEND=wasm (select.ts).
 * Importing this file registers it.
 */
import '../cpu/index.ts'; // the cpu kernels: the fallback for every kernel but matmul
import { registerKernel } from '../registry.ts';
import { matmulWasm } from './matmul.ts';

registerKernel({ kernelName: 'matmul', backendName: 'wasm', kernelFunc: matmulWasm });

export { matmulWasm, packOperands, type WasmMatmulLayout } from './matmul.ts';
export { packA, packB, TILE_M, TILE_N } from './pack.ts';
export { lastWasmThreadedStats, setWasmMinParallelWork, stopWasmWorkers } from './threads.ts';
