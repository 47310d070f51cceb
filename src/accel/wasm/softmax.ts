/**
 * The attention probabilities softmax(scale x + mask) by rows for float32 arrays in WebAssembly SIMD
 * (elementwise.wat's scaledMaskedSoftmax): scores, mask and one mask-row address per row are copied into the
 * wasm memory's scratch space, computed four positions per instruction on this thread (exp by range
 * reduction and a polynomial instead of Math.exp per element), and the probabilities copied out. The cpu
 * backend's 'scaledMaskedSoftmax' kernel runs it for float32 with the wasm product (cpu/index.ts); the
 * backward is the core's.
 *
 * Every step rounds to float32 (the core's loop exponentiates and sums in float64), so the probabilities
 * differ from the core's by a few float32 units; fully masked rows give zeros and rows holding NaN or
 * +Infinity give NaN, as in the core (test/accel/wasm-softmax.test.ts).
 */
import type { ScaledMaskedSoftmaxArgs } from '../../ops/softmax.ts';
import { elementwiseModule, layOut } from './elementwise.ts';
import { heapF32, wasmMatmulModule } from './module.ts';

/** y = softmax(scale x + mask) by rows (ops/softmax.ts's ScaledMaskedSoftmaxArgs), float32 only. */
export function scaledMaskedSoftmaxWasm({ x, scale, mask, maskRowOffsets, out, rows, cols }: ScaledMaskedSoftmaxArgs): void {
  if (!(x instanceof Float32Array && out instanceof Float32Array && (mask === null || mask instanceof Float32Array))) {
    throw new Error(`scaledMaskedSoftmaxWasm: expected float32 arrays, got x ${x.constructor.name}, out ${out.constructor.name}`);
  }
  const n = rows * cols;
  const withMask = mask !== null && maskRowOffsets !== null;
  // out gets 3 values of padding: exp runs on whole vectors, and the last row's may reach past its end.
  const { at, heap } = layOut([n, withMask ? mask.length : 0, withMask ? rows : 0, n + 3]);
  const [xAt, maskAt, rowsAt, outAt] = at;
  heap.set(x.subarray(0, n), xAt / 4);
  if (withMask) {
    heap.set(mask, maskAt / 4);
    const rowAddresses = new Int32Array(wasmMatmulModule().memory.buffer, rowsAt, rows);
    for (let r = 0; r < rows; r++) rowAddresses[r] = maskAt + 4 * maskRowOffsets[r];
  }
  elementwiseModule().scaledMaskedSoftmax(xAt, scale, withMask ? 1 : 0, rowsAt, outAt, rows, cols, 0);
  out.set(heapF32(0).subarray(outAt / 4, outAt / 4 + n));
}
