/**
 * Public API of bert-ts. Each folder of src/ is one layer (see docs/architecture.md): the core (tensor,
 * autograd, ops, nn, optim, bert), the speed layer above it (accel), and tokenizer, data, hf, train,
 * metrics, io and viz around them.
 */
// Loading the speed layer registers the cpu backend's kernels; autograd hooks up tensor.backward().
import './accel/index.ts';
import './accel/select.ts'; // BERT_BACKEND=gpujs|gpujs-webgpu|wasm selects another backend at load time
import './autograd/backward.ts';

export * from './tensor/index.ts';
export * from './autograd/index.ts';
export * from './ops/index.ts';
export * from './nn/index.ts';
export * from './optim/index.ts';
export * from './bert/index.ts';
export * from './hf/index.ts';
export * from './accel/index.ts';
export * from './metrics/index.ts';
export * from './io/index.ts';
export * from './data/index.ts';
export * from './tokenizer/index.ts';
export * from './train/index.ts';
export * from './viz/index.ts';
export * from './data/synthetic-tasks.ts';
