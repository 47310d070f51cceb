/**
 * Reductions over any set of axes, with keepDim: sum, mean, max, variance; and argmax over one axis.
 *
 * A reduction over one axis views the tensor as [outer, n, inner] (outer = product of the dimensions
 * before the axis, inner = after it) and combines the n values of each (outer, inner) pair. Several axes
 * are reduced one after another, from the last to the first.
 */
import { record } from '../autograd/record.ts';
import { allocate, type TypedArray } from '../tensor/dtype.ts';
import { normalizeAxes, normalizeAxis, sizeOf } from '../tensor/shape.ts';
import { Tensor } from '../tensor/tensor.ts';
import { assertFloat, assertTensor } from './checks.ts';
import { div, mul, sub } from './elementwise.ts';
import { square } from './unary.ts';
import { broadcastTo, reshape } from './shape.ts';

export interface ReduceOptions {
  /** Keep reduced axes as size 1 (so the result broadcasts against the input). Default false. */
  keepDim?: boolean;
}

type Combine = 'sum' | 'max';

/** Reduce one axis of (data, shape), keeping it as size 1. */
function reduceOneAxis(data: TypedArray, shape: number[], axis: number, how: Combine): TypedArray {
  const n = shape[axis];
  const outer = sizeOf(shape.slice(0, axis));
  const inner = sizeOf(shape.slice(axis + 1));
  const out = allocate(data instanceof Int32Array ? 'int32' : data instanceof Float64Array ? 'float64' : 'float32', outer * inner);
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    for (let i = 0; i < inner; i++) {
      let acc = how === 'sum' ? 0 : -Infinity;
      for (let k = 0; k < n; k++) {
        const v = data[base + k * inner + i];
        acc = how === 'sum' ? acc + v : v > acc || Number.isNaN(v) ? v : acc;
      }
      out[o * inner + i] = acc;
    }
  }
  return out;
}

/** Reduce `axes` (sorted), returning the data and the keepDim shape. */
function reduceAxes(x: Tensor, axes: number[], how: Combine, op: string): { data: TypedArray; keptShape: number[] } {
  let data = x.data;
  const shape = [...x.shape];
  for (let i = axes.length - 1; i >= 0; i--) {
    const axis = axes[i];
    if (shape[axis] === 0 && how === 'max') throw new Error(`${op}: cannot take the maximum over an empty axis ${axis}`);
    data = reduceOneAxis(data, shape, axis, how);
    shape[axis] = 1;
  }
  if (axes.length === 0) data = data.slice();
  return { data, keptShape: shape };
}

function finalShape(keptShape: number[], axes: number[], keepDim: boolean): number[] {
  return keepDim ? keptShape : keptShape.filter((_, i) => !axes.includes(i));
}

/** Sum over `axes` (all when omitted). dL/dx = dL/dout broadcast back over the reduced axes. */
export function sum(x: Tensor, axes?: number | number[], opts: ReduceOptions = {}): Tensor {
  assertTensor('sum', x);
  const ax = normalizeAxes(axes, x.rank, 'sum');
  const { data, keptShape } = reduceAxes(x, ax, 'sum', 'sum');
  const out = new Tensor(data, finalShape(keptShape, ax, opts.keepDim ?? false));
  return record(out, [x], 'sum', (g) => [broadcastTo(reshape(g, keptShape), x.shape)]);
}

/** Mean over `axes` (all when omitted). */
export function mean(x: Tensor, axes?: number | number[], opts: ReduceOptions = {}): Tensor {
  assertFloat('mean', x);
  const ax = normalizeAxes(axes, x.rank, 'mean');
  const count = ax.reduce((n, a) => n * x.shape[a], 1);
  if (count === 0) throw new Error(`mean: the reduced axes of shape [${x.shape}] hold no elements`);
  return div(sum(x, ax, opts), count);
}

/**
 * Maximum over `axes`. The gradient goes to the positions that hold the maximum (split evenly on ties).
 */
export function max(x: Tensor, axes?: number | number[], opts: ReduceOptions = {}): Tensor {
  assertTensor('max', x);
  const ax = normalizeAxes(axes, x.rank, 'max');
  const { data, keptShape } = reduceAxes(x, ax, 'max', 'max');
  const out = new Tensor(data, finalShape(keptShape, ax, opts.keepDim ?? false));
  // [docs: max-backward] g goes to the positions holding the maximum, divided by how many hold it.
  return record(out, [x], 'max', (g) => {
    const m = broadcastTo(new Tensor(data, keptShape), x.shape).data;
    const isMax = allocate(x.dtype, x.size);
    const xd = x.data;
    for (let i = 0; i < isMax.length; i++) isMax[i] = xd[i] === m[i] ? 1 : 0;
    const ties = reduceAxes(new Tensor(isMax, x.shape), ax, 'sum', 'max');
    const share = div(reshape(g, keptShape), new Tensor(ties.data, keptShape));
    return [mul(broadcastTo(share, x.shape), new Tensor(isMax, x.shape))];
  });
}

/** Index of the (first) maximum along `axis` (over the flattened tensor when omitted), as int32. */
export function argmax(x: Tensor, axis?: number, opts: ReduceOptions = {}): Tensor {
  assertTensor('argmax', x);
  if (axis === undefined) {
    if (x.size === 0) throw new Error('argmax: the tensor is empty');
    const xd = x.data;
    let best = 0;
    for (let i = 1; i < x.size; i++) if (xd[i] > xd[best]) best = i;
    return new Tensor(Int32Array.of(best), []);
  }
  const a = normalizeAxis(axis, x.rank, 'argmax');
  const n = x.shape[a];
  if (n === 0) throw new Error(`argmax: axis ${axis} is empty`);
  const outer = sizeOf(x.shape.slice(0, a));
  const inner = sizeOf(x.shape.slice(a + 1));
  const out = new Int32Array(outer * inner);
  const xd = x.data;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let best = 0;
      let bestValue = xd[base];
      for (let k = 1; k < n; k++) {
        const v = xd[base + k * inner];
        if (v > bestValue) {
          bestValue = v;
          best = k;
        }
      }
      out[o * inner + i] = best;
    }
  }
  const shape = [...x.shape];
  if (opts.keepDim) shape[a] = 1;
  else shape.splice(a, 1);
  return new Tensor(out, shape);
}

/**
 * Variance over `axes`: sum (x - mean)^2 / (n - correction). correction 0 (the default) is the population
 * variance LayerNorm uses; correction 1 is the unbiased sample variance. Built from differentiable ops.
 */
export function variance(x: Tensor, axes?: number | number[], opts: ReduceOptions & { correction?: number } = {}): Tensor {
  assertFloat('variance', x);
  const ax = normalizeAxes(axes, x.rank, 'variance');
  const n = ax.reduce((c, a) => c * x.shape[a], 1);
  const correction = opts.correction ?? 0;
  if (n - correction <= 0) throw new Error(`variance: ${n} elements with correction ${correction} leave no degrees of freedom`);
  const centered = sub(x, mean(x, ax, { keepDim: true }));
  return div(sum(square(centered), ax, { keepDim: opts.keepDim }), n - correction);
}
