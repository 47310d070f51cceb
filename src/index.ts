/**
 * Public API of bert-ts. Each folder of src/ is one layer (see docs/ and DESIGN): tensor, backend,
 * autograd, nn, optim, tokenizer, bert, data, train, metrics, io.
 */
export { Rng, type RngState } from './tensor/random.ts';
export * from './metrics/index.ts';
export * from './io/index.ts';
