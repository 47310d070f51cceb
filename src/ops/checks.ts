/**
 * Input validation shared by the ops. Every message names the op, what it expected and what it got.
 */
import { isFloat } from '../tensor/dtype.ts';
import { shapeToString } from '../tensor/shape.ts';
import { Tensor } from '../tensor/tensor.ts';

export function assertTensor(op: string, t: unknown, what = 'input'): asserts t is Tensor {
  if (!(t instanceof Tensor)) throw new Error(`${op}: expected ${what} to be a Tensor, got ${t === null ? 'null' : typeof t}`);
}

/** The op needs a float32 or float64 tensor. */
export function assertFloat(op: string, t: Tensor, what = 'input'): void {
  assertTensor(op, t, what);
  if (!isFloat(t.dtype)) throw new Error(`${op}: expected ${what} to be float32 or float64, got ${t.dtype}`);
}

/** Both tensors must have the same dtype: ops never convert silently. */
export function assertSameDType(op: string, a: Tensor, b: Tensor): void {
  if (a.dtype !== b.dtype) {
    throw new Error(`${op}: dtypes differ: ${a.dtype} ${shapeToString(a.shape)} and ${b.dtype} ${shapeToString(b.shape)} (convert one with cast())`);
  }
}

/** The op needs an int32 tensor (ids, labels, indices). */
export function assertInt(op: string, t: Tensor, what = 'indices'): void {
  assertTensor(op, t, what);
  if (t.dtype !== 'int32') throw new Error(`${op}: expected ${what} to be int32, got ${t.dtype}`);
}

export function assertRank(op: string, t: Tensor, rank: number, what = 'input'): void {
  if (t.rank !== rank) throw new Error(`${op}: expected ${what} of rank ${rank}, got shape ${shapeToString(t.shape)}`);
}

export function assertMinRank(op: string, t: Tensor, rank: number, what = 'input'): void {
  if (t.rank < rank) throw new Error(`${op}: expected ${what} of rank >= ${rank}, got shape ${shapeToString(t.shape)}`);
}
