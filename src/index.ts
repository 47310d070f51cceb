/**
 * Public API of bert-ts. Each folder of src/ is one layer (see docs/architecture.md): tensor, backend,
 * autograd, ops, nn, optim, tokenizer, bert, data, train, metrics, io, viz.
 */
// Loading order matters once: the cpu kernels register themselves, and autograd hooks tensor.backward().
import './backend/cpu/index.ts';
import './backend/select.ts'; // BERT_BACKEND=gpujs|gpujs-webgpu selects another backend at load time
import './autograd/backward.ts';

export * from './tensor/index.ts';
export * from './backend/index.ts';
export * from './autograd/index.ts';
export * from './ops/index.ts';
export * from './nn/index.ts';
export * from './bert/index.ts';
export * from './metrics/index.ts';
export * from './io/index.ts';
export * from './optim/index.ts';
export * from './data/index.ts';
export * from './tokenizer/index.ts';
export * from './train/index.ts';
export * from './viz/index.ts';
export * from './data/synthetic-tasks.ts';
