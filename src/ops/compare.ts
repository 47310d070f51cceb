/**
 * Comparisons, where and maskedFill. Comparisons return int32 masks (1 where true) and carry no gradient;
 * `where` and `maskedFill` route the gradient to whichever input each element came from.
 */
import { record } from '../autograd/record.ts';
import { allocate } from '../tensor/dtype.ts';
import { noGrad } from '../autograd/grad-mode.ts';
import { broadcastShapes, sameShape, shapeToString } from '../tensor/shape.ts';
import { broadcastTo } from './shape.ts';
import { Tensor } from '../tensor/tensor.ts';
import { assertTensor } from './checks.ts';
import { broadcastApply, scalarOperand, sumToShape, type TensorOrNumber } from './elementwise.ts';

function compare(op: string, a: TensorOrNumber, b: TensorOrNumber, f: (x: number, y: number) => boolean): Tensor {
  if (typeof a === 'number' && typeof b === 'number') throw new Error(`${op}: at least one operand must be a Tensor`);
  const ta = typeof a === 'number' ? scalarOperand(op, a, b as Tensor) : a;
  const tb = typeof b === 'number' ? scalarOperand(op, b, ta) : b;
  assertTensor(op, ta);
  assertTensor(op, tb);
  const r = broadcastApply(op, ta, tb, (x, y) => (f(x, y) ? 1 : 0));
  return new Tensor(Int32Array.from(r.data), r.shape);
}

export const eq = (a: TensorOrNumber, b: TensorOrNumber) => compare('eq', a, b, (x, y) => x === y);
export const ne = (a: TensorOrNumber, b: TensorOrNumber) => compare('ne', a, b, (x, y) => x !== y);
export const lt = (a: TensorOrNumber, b: TensorOrNumber) => compare('lt', a, b, (x, y) => x < y);
export const le = (a: TensorOrNumber, b: TensorOrNumber) => compare('le', a, b, (x, y) => x <= y);
export const gt = (a: TensorOrNumber, b: TensorOrNumber) => compare('gt', a, b, (x, y) => x > y);
export const ge = (a: TensorOrNumber, b: TensorOrNumber) => compare('ge', a, b, (x, y) => x >= y);

/** `t`'s elements at every position of the broadcast `shape` (broadcastTo's copy, outside the graph). */
function expandData(t: Tensor, shape: readonly number[]) {
  return sameShape(t.shape, shape) ? t.data : noGrad(() => broadcastTo(t, shape)).data;
}

/**
 * where(cond, a, b): a where cond is non-zero, else b, all three broadcast together.
 * The gradient flows to a where cond holds and to b elsewhere.
 */
export function where(cond: Tensor, a: Tensor, b: Tensor): Tensor {
  assertTensor('where', cond, 'condition');
  assertTensor('where', a, 'first value');
  assertTensor('where', b, 'second value');
  if (a.dtype !== b.dtype) throw new Error(`where: value dtypes differ: ${a.dtype} and ${b.dtype}`);
  const shape = broadcastShapes(broadcastShapes(cond.shape, a.shape, 'where'), b.shape, 'where');
  const c = expandData(cond, shape);
  const ad = expandData(a, shape);
  const bd = expandData(b, shape);
  const out = allocate(a.dtype, c.length);
  for (let i = 0; i < out.length; i++) out[i] = c[i] !== 0 ? ad[i] : bd[i];
  return record(new Tensor(out, shape), [a, b], 'where', (g) => {
    const ga = allocate(g.dtype, g.size);
    const gb = allocate(g.dtype, g.size);
    const gd = g.data;
    for (let i = 0; i < g.size; i++) {
      if (c[i] !== 0) ga[i] = gd[i];
      else gb[i] = gd[i];
    }
    return [sumToShape(new Tensor(ga, shape), a.shape), sumToShape(new Tensor(gb, shape), b.shape)];
  });
}

/**
 * maskedFill(x, mask, value): x with `value` wherever mask (broadcast to x's shape) is non-zero.
 * Those positions get no gradient.
 * An int32 `x` takes only an integer `value` within int32 range: any other number is an error rather than
 * being truncated by the Int32Array store (2.7 would silently become 2).
 */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  assertTensor('maskedFill', x);
  assertTensor('maskedFill', mask, 'mask');
  if (x.dtype === 'int32' && value !== (value | 0)) {
    throw new Error(
      `maskedFill: the fill value ${value} is not an int32 value, but the input ${shapeToString(x.shape)} is int32 (fill with an integer in [-2^31, 2^31), or cast the input to a float dtype first)`,
    );
  }
  const shape = broadcastShapes(x.shape, mask.shape, 'maskedFill');
  if (!sameShape(shape, x.shape)) {
    throw new Error(`maskedFill: mask ${shapeToString(mask.shape)} must broadcast to the input's shape ${shapeToString(x.shape)}`);
  }
  const m = expandData(mask, shape);
  const out = x.data.slice();
  for (let i = 0; i < out.length; i++) if (m[i] !== 0) out[i] = value;
  return record(new Tensor(out, x.shape), [x], 'maskedFill', (g) => {
    const gx = g.data.slice();
    for (let i = 0; i < gx.length; i++) if (m[i] !== 0) gx[i] = 0;
    return [new Tensor(gx, x.shape)];
  });
}

/** A copy in another dtype; differentiable between float types (the gradient is cast back). */
export function cast(x: Tensor, dtype: Tensor['dtype']): Tensor {
  assertTensor('cast', x);
  if (dtype !== 'float32' && dtype !== 'float64' && dtype !== 'int32') {
    throw new Error(`cast: unknown dtype "${String(dtype)}"; expected float32, float64 or int32`);
  }
  if (x.dtype === dtype) return x;
  const out = x.toDType(dtype);
  if (dtype === 'int32') return out;
  return record(out, [x], 'cast', (g) => [g.toDType(x.dtype)]);
}
