/**
 * Elementwise arithmetic and column sums for float32 tensors in WebAssembly SIMD (elementwise.wat's
 * binaryRows and columnSums), for the layouts a training step is made of:
 *   'arithmetic'    a op b with a and b of one shape (residual sums) or b a row repeated over a's leading
 *                   dimensions (a bias added to every row);
 *   'addGradients'  a + b of one shape (two uses of a tensor adding their gradients);
 *   'sumToShape'    the sums over a tensor's leading dimensions (a bias's gradient: its column sums).
 * The operands are copied into the wasm memory's scratch space, computed four elements per instruction on
 * this thread, and the result copied out. The core's loops run one element at a time at about 2 ns each
 * (V8 does not vectorise them); on [4096, 256] a bias add takes 2.6 times less, a bias's gradient 5 times
 * less, and on the demo's [1024, 64] the copies leave 1.5 times (docs/wasm-kernel.md).
 *
 * Each result is the core's bit for bit: one float32 rounding of the exact sum, difference, product or
 * quotient, and the column sums added row after row in the same order with the same roundings
 * (test/accel/wasm-arithmetic.test.ts). Any other layout, dtype, or an array under MIN_WASM_ELEMENTS
 * values (where copying costs more than it saves) declines: the core's loops run.
 */
import type { ArithmeticOp } from '../../ops/elementwise.ts';
import { isTrailingShape } from '../../ops/elementwise.ts';
import { type Shape, sameShape, sizeOf } from '../../tensor/shape.ts';
import { Tensor } from '../../tensor/tensor.ts';
import { elementwiseModule, layOut } from './elementwise.ts';
import { heapF32 } from './module.ts';

/** Below this many output values the kernels decline. */
export const MIN_WASM_ELEMENTS = 2048;

const OP_CODES: Record<ArithmeticOp, number> = { add: 0, sub: 1, mul: 2, div: 3 };

/** out = a op b over rows of `cols` values, b one row (bRowStride 0) or as long as a (bRowStride cols). */
function binaryRows(op: ArithmeticOp, a: Float32Array, b: Float32Array, bRowStride: number, cols: number): Float32Array {
  const n = a.length;
  const { at, heap } = layOut([n, b.length, n]);
  const [aAt, bAt, outAt] = at;
  heap.set(a, aAt / 4);
  heap.set(b, bAt / 4);
  elementwiseModule().binaryRows(OP_CODES[op], aAt, bAt, bRowStride, outAt, n / cols, cols);
  return heapF32(0).slice(outAt / 4, outAt / 4 + n);
}

/** Kernel 'arithmetic' (ops/elementwise.ts): float32 a op b of one shape, or b a row repeated over a's rows. */
export function arithmeticWasm({ a, b }: { a: Tensor; b: Tensor }, { op, shape }: { op: ArithmeticOp; shape: Shape }): Tensor | null {
  if (!(a.isOnHost && b.isOnHost && a.data instanceof Float32Array && b.data instanceof Float32Array)) return null;
  if (a.size < MIN_WASM_ELEMENTS || a.size !== sizeOf(shape)) return null;
  if (sameShape(a.shape, b.shape)) return new Tensor(binaryRows(op, a.data, b.data, a.size, a.size), shape);
  if (b.size > 0 && isTrailingShape(b.shape, shape)) return new Tensor(binaryRows(op, a.data, b.data, 0, b.size), shape);
  return null;
}

/** Kernel 'addGradients' (autograd/backward.ts): float32 a + b of one shape. */
export function addGradientsWasm({ a, b }: { a: Tensor; b: Tensor }): Tensor | null {
  if (!(a.isOnHost && b.isOnHost && a.data instanceof Float32Array && b.data instanceof Float32Array)) return null;
  if (a.size < MIN_WASM_ELEMENTS || !sameShape(a.shape, b.shape)) return null;
  return new Tensor(binaryRows('add', a.data, b.data, a.size, a.size), a.shape);
}

/** Kernel 'sumToShape' (ops/elementwise.ts): float32 t summed over its leading dimensions down to `shape`, its trailing ones. */
export function sumToShapeWasm({ t }: { t: Tensor }, { shape }: { shape: Shape }): Tensor | null {
  if (!(t.isOnHost && t.data instanceof Float32Array) || t.size < MIN_WASM_ELEMENTS) return null;
  const cols = sizeOf(shape);
  if (cols === 0 || !isTrailingShape(shape, t.shape)) return null;
  const { at, heap } = layOut([t.size, cols]);
  const [xAt, outAt] = at;
  heap.set(t.data, xAt / 4);
  heap.fill(0, outAt / 4, outAt / 4 + cols);
  elementwiseModule().columnSums(xAt, outAt, t.size / cols, cols);
  return new Tensor(heapF32(0).slice(outAt / 4, outAt / 4 + cols), shape);
}
