/**
 * Dropout's stream mask for float32 tensors in WebAssembly (elementwise.wat's dropoutStream): the same
 * xoshiro128** stream as the core's loop (ops/dropout.ts streamMaskLoop), seeded with the same four words,
 * the same keep test and the same float64 product rounded once, so the mask and the output are the core's
 * bit for bit (test/accel/wasm-dropout.test.ts). The stream is sequential, so this runs one element at a
 * time too; it is faster because the step is a few integer instructions without JavaScript's conversions,
 * and the choice is a select instead of a branch mispredicted at each dropped element. The cpu backend's
 * 'dropout' kernel passes it to the core's dropoutWithStreamMask for float32 with the wasm product.
 */
import { type StreamMaskArgs, streamMaskLoop } from '../../ops/dropout.ts';
import { elementwiseModule, layOut } from './elementwise.ts';
import { heapF32 } from './module.ts';

/** mask and out of stream dropout (StreamMaskArgs), float32 only. */
export function streamMaskWasm(args: StreamMaskArgs): void {
  const { x, seed, threshold, keepScale, mask, out } = args;
  if (!(x instanceof Float32Array && mask instanceof Float32Array && out instanceof Float32Array)) {
    throw new Error(`streamMaskWasm: expected float32 arrays, got x ${x.constructor.name}, mask ${mask.constructor.name}`);
  }
  // The keep test w >= threshold on whole words is w >= ceil(threshold). Above 2^32 - 1 (p within 2^-32 of
  // 1: nothing is kept) no 32-bit threshold says it, and the core's loop runs.
  const wholeThreshold = Math.ceil(threshold);
  if (wholeThreshold > 0xffffffff) return streamMaskLoop(args);
  const n = x.length;
  const { at, heap } = layOut([n, n, n]);
  const [xAt, maskAt, outAt] = at;
  heap.set(x, xAt / 4);
  elementwiseModule().dropoutStream(xAt, maskAt, outAt, n, seed[0], seed[1], seed[2], seed[3], wholeThreshold | 0, keepScale);
  const memory = heapF32(0);
  mask.set(memory.subarray(maskAt / 4, maskAt / 4 + n));
  out.set(memory.subarray(outAt / 4, outAt / 4 + n));
}
