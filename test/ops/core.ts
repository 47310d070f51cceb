/**
 * The tensor core's public API (tensor, autograd, ops), imported from those layers directly rather than
 * through src/index.ts: the core tests then load only the core, and every op runs its reference (no speed
 * layer is loaded, so dispatch finds no kernel). test/ops/public-api.test.ts checks that src/index.ts exports
 * the same objects.
 */
import '../../src/autograd/backward.ts'; // hooks up tensor.backward(), as src/index.ts does

export * from '../../src/tensor/index.ts';
export * from '../../src/autograd/index.ts';
export * from '../../src/ops/index.ts';
