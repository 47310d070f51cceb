/**
 * The tensor core's public API (tensor, backend, autograd, ops), imported from those layers directly rather
 * than through src/index.ts: the core tests then load only what they test (faster to collect, and unaffected by
 * work in progress in the layers above). test/ops/public-api.test.ts checks that src/index.ts exports the same.
 */
// The same loading order as src/index.ts: the cpu kernels register themselves, autograd hooks tensor.backward().
import '../../src/accel/cpu/index.ts';
import '../../src/autograd/backward.ts';

export * from '../../src/tensor/index.ts';
export * from '../../src/accel/index.ts';
export * from '../../src/autograd/index.ts';
export * from '../../src/ops/index.ts';
