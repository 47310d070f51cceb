/**
 * Permutes of float32 tensors whose last output dimension is contiguous in the input (attention's head
 * split [batch, seq, heads, dim] -> [batch, heads, seq, dim], the merge back, and their gradients) in
 * WebAssembly (elementwise.wat's permuteRuns): x is copied into wasm memory, each run of the last dimension
 * is one memory.copy to its place, and the result copied out. The core's loop moves one element at a time;
 * this moves whole runs (1.4 to 2.7 times faster on attention's shapes, docs/wasm-kernel.md). The values are the core's: every element is copied, nothing
 * computed (test/accel/wasm-permute.test.ts).
 *
 * Other permutes (the last dimension read with a stride, as a transpose of the last two) and arrays under
 * MIN_WASM_ELEMENTS values decline to the core's loop.
 */
import { Tensor } from '../../tensor/tensor.ts';
import { MIN_WASM_ELEMENTS } from './arithmetic.ts';
import { elementwiseModule, layOut } from './elementwise.ts';
import { heapF32 } from './module.ts';

/** Kernel 'permute' (ops/shape.ts): out has `shape`; strides[i] is x's stride of output dimension i. */
export function permuteWasm({ x }: { x: Tensor }, { shape, strides }: { shape: number[]; strides: number[] }): Tensor | null {
  const rank = shape.length;
  if (!(x.isOnHost && x.data instanceof Float32Array) || x.size < MIN_WASM_ELEMENTS || rank < 2 || strides[rank - 1] !== 1) return null;
  const inner = shape[rank - 1];
  const lead = rank - 1;
  const { at, heap } = layOut([x.size, x.size, lead, lead, lead]);
  const [xAt, outAt, sizesAt, stridesAt, counterAt] = at;
  heap.set(x.data, xAt / 4);
  const words = new Int32Array(heap.buffer);
  for (let d = 0; d < lead; d++) {
    words[sizesAt / 4 + d] = shape[d];
    words[stridesAt / 4 + d] = strides[d];
    words[counterAt / 4 + d] = 0;
  }
  elementwiseModule().permuteRuns(xAt, outAt, x.size / inner, inner, lead, sizesAt, stridesAt, counterAt);
  return new Tensor(heapF32(0).slice(outAt / 4, outAt / 4 + x.size), shape);
}
