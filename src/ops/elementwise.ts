/**
 * Binary elementwise ops with NumPy broadcasting: add, sub, mul, div, pow, maximum, minimum.
 *
 * Broadcasting stretches size-1 (or missing leading) dimensions, so the backward pass must undo it: the
 * gradient of an input that was stretched along an axis is the sum of the output gradient along that axis
 * (`sumToShape`). For out = a * b: dL/da = sumToShape(dL/dout * b, a.shape), and so on.
 */
import { dispatch } from '../autograd/dispatch.ts';
import { record } from '../autograd/record.ts';
import { allocate, type TypedArray } from '../tensor/dtype.ts';
import { broadcastShapes, broadcastStrides, sameShape, shapeToString, sizeOf, type Shape } from '../tensor/shape.ts';
import { Tensor } from '../tensor/tensor.ts';
import { full } from '../tensor/creation.ts';
import { assertSameDType, assertTensor } from './checks.ts';

type BinaryFn = (x: number, y: number) => number;

/** A number is taken as a scalar tensor of the other operand's dtype. */
export type TensorOrNumber = Tensor | number;

/**
 * The number `x` as a scalar tensor of `like`'s dtype. An int32 tensor only takes numbers that int32 holds
 * exactly: `add(ids, 1.5)` or `lt(ids, 0.5)` would otherwise be computed with a silently truncated 1 or 0.
 */
export function scalarOperand(op: string, x: number, like: Tensor): Tensor {
  assertTensor(op, like, 'tensor operand');
  if (like.dtype === 'int32' && x !== (x | 0)) {
    throw new Error(
      `${op}: the number ${x} is not an int32 value, but the tensor operand ${shapeToString(like.shape)} is int32 (cast it to a float dtype first)`,
    );
  }
  return full([], x, { dtype: like.dtype });
}

/**
 * out = f(a, b) elementwise over the broadcast shape. The common layouts get straight loops; the general
 * case walks the output row by row, advancing an offset into each input by its broadcast strides.
 */
export function broadcastApply(op: string, a: Tensor, b: Tensor, f: BinaryFn): Tensor {
  assertSameDType(op, a, b);
  const shape = broadcastShapes(a.shape, b.shape, op);
  const arithmetic = ARITHMETIC.get(f);
  // The four arithmetic ops are kernels (a GPU computes them where its operands are); others are host loops.
  if (arithmetic !== undefined) return dispatch('arithmetic', { a, b }, { op: arithmetic, shape }, (inputs) => broadcastLoops(inputs.a, inputs.b, shape, f));
  return broadcastLoops(a, b, shape, f);
}

/** The reference of kernel 'arithmetic' (and of every other broadcasting op): out = f(a, b) over `shape`. */
function broadcastLoops(a: Tensor, b: Tensor, shape: Shape, f: BinaryFn): Tensor {
  const size = sizeOf(shape);
  const out = allocate(a.dtype, size);
  const ad = a.data;
  const bd = b.data;
  if (sameShape(a.shape, b.shape)) {
    sameShapeLoop(f, ad, bd, out);
  } else if (b.size === 1 && a.size === size) {
    const y = bd[0];
    for (let i = 0; i < size; i++) out[i] = f(ad[i], y);
  } else if (a.size === 1 && b.size === size) {
    const x = ad[0];
    for (let i = 0; i < size; i++) out[i] = f(x, bd[i]);
  } else if (a.size === size && isTrailingShape(b.shape, shape)) {
    // b repeats along leading dimensions (a bias added to every row).
    rowBroadcastLoop(f, ad, bd, out, b.size);
  } else {
    generalBroadcast(ad, a.shape, bd, b.shape, shape, out, f);
  }
  return new Tensor(out, shape);
}

// The four arithmetic functions, named so that the hot loops below can recognise them.
const plus: BinaryFn = (x, y) => x + y;
const minus: BinaryFn = (x, y) => x - y;
const times: BinaryFn = (x, y) => x * y;
const over: BinaryFn = (x, y) => x / y;

/** The arithmetic op of each function, the attribute kernel 'arithmetic' receives. */
export type ArithmeticOp = 'add' | 'sub' | 'mul' | 'div';
const ARITHMETIC = new Map<BinaryFn, ArithmeticOp>([
  [plus, 'add'],
  [minus, 'sub'],
  [times, 'mul'],
  [over, 'div'],
]);

/*
 * Why the arithmetic ops get loops of their own: broadcastApply's call `f(x, y)` sees every op's function,
 * so V8 cannot inline it and each element pays a call (about 11 ns per element for [4096, 256], against
 * about 1-2 ns for the plain `out[i] = a[i] + b[i]` loop). The general loop stays for every other `f`.
 */

/** out[i] = f(a[i], b[i]) for every i of out. */
function sameShapeLoop(f: BinaryFn, a: TypedArray, b: TypedArray, out: TypedArray): void {
  const size = out.length;
  if (f === plus) for (let i = 0; i < size; i++) out[i] = a[i] + b[i];
  else if (f === times) for (let i = 0; i < size; i++) out[i] = a[i] * b[i];
  else if (f === minus) for (let i = 0; i < size; i++) out[i] = a[i] - b[i];
  else if (f === over) for (let i = 0; i < size; i++) out[i] = a[i] / b[i];
  else for (let i = 0; i < size; i++) out[i] = f(a[i], b[i]);
}

/** out[i, j] = f(a[i, j], b[j]) for a and out [rows, n] and b [n] (a bias added to every row). */
function rowBroadcastLoop(f: BinaryFn, a: TypedArray, b: TypedArray, out: TypedArray, n: number): void {
  const size = out.length;
  if (f === plus) {
    for (let i = 0; i < size; i += n) for (let j = 0; j < n; j++) out[i + j] = a[i + j] + b[j];
  } else if (f === times) {
    for (let i = 0; i < size; i += n) for (let j = 0; j < n; j++) out[i + j] = a[i + j] * b[j];
  } else {
    for (let i = 0; i < size; i += n) for (let j = 0; j < n; j++) out[i + j] = f(a[i + j], b[j]);
  }
}

/** True when `small`, without its leading 1s, equals the trailing dimensions of `big`. */
export function isTrailingShape(small: Shape, big: Shape): boolean {
  let s = 0;
  while (s < small.length && small[s] === 1) s++;
  const rest = small.length - s;
  if (rest > big.length) return false;
  for (let i = 0; i < rest; i++) if (small[s + i] !== big[big.length - rest + i]) return false;
  return true;
}

function generalBroadcast(ad: TypedArray, aShape: Shape, bd: TypedArray, bShape: Shape, shape: Shape, out: TypedArray, f: BinaryFn): void {
  const rank = shape.length;
  if (rank === 0) {
    out[0] = f(ad[0], bd[0]);
    return;
  }
  const sa = broadcastStrides(aShape, shape);
  const sb = broadcastStrides(bShape, shape);
  const inner = shape[rank - 1];
  const ia = sa[rank - 1];
  const ib = sb[rank - 1];
  const index = new Array<number>(rank).fill(0);
  let ao = 0;
  let bo = 0;
  for (let o = 0; o < out.length; o += inner) {
    for (let j = 0; j < inner; j++) out[o + j] = f(ad[ao + j * ia], bd[bo + j * ib]);
    // Advance the multi-index over all but the last dimension, like an odometer.
    for (let d = rank - 2; d >= 0; d--) {
      index[d]++;
      ao += sa[d];
      bo += sb[d];
      if (index[d] < shape[d]) break;
      ao -= sa[d] * shape[d];
      bo -= sb[d] * shape[d];
      index[d] = 0;
    }
  }
}

/**
 * Sum `t` down to `shape` over the axes that broadcasting stretched: the backward of broadcasting.
 * [docs: sum-to-shape]
 * sumToShape(g [2,3,4], [3,1]) sums over axis 0 and axis 2 (keeping it as size 1).
 */
export function sumToShape(t: Tensor, shape: Shape): Tensor {
  if (sameShape(t.shape, shape)) return t;
  return dispatch('sumToShape', { t }, { shape }, sumToShapeReference);
}

/** The reference of kernel 'sumToShape'. */
function sumToShapeReference({ t }: { t: Tensor }, { shape }: { shape: Shape }): Tensor {
  const rank = t.rank;
  const outSize = sizeOf(shape);
  const out = allocate(t.dtype, outSize);
  const so = broadcastStrides(shape, t.shape); // 0 along stretched axes: many inputs land on one output
  const td = t.data;
  const inner = rank > 0 ? t.shape[rank - 1] : 1;
  const innerStride = rank > 0 ? so[rank - 1] : 0;
  const index = new Array<number>(rank).fill(0);
  let oo = 0;
  for (let i = 0; i < td.length; i += inner) {
    if (innerStride === 0) {
      let s = 0;
      for (let j = 0; j < inner; j++) s += td[i + j];
      out[oo] += s;
    } else {
      for (let j = 0; j < inner; j++) out[oo + j] += td[i + j];
    }
    for (let d = rank - 2; d >= 0; d--) {
      index[d]++;
      oo += so[d];
      if (index[d] < t.shape[d]) break;
      oo -= so[d] * t.shape[d];
      index[d] = 0;
    }
  }
  return new Tensor(out, shape);
}

function binary(
  op: string,
  a: TensorOrNumber,
  b: TensorOrNumber,
  f: BinaryFn,
  grads: (a: Tensor, b: Tensor, out: Tensor, g: Tensor) => [Tensor | null, Tensor | null],
): Tensor {
  if (typeof a === 'number' && typeof b === 'number') throw new Error(`${op}: at least one operand must be a Tensor`);
  const ta = typeof a === 'number' ? scalarOperand(op, a, b as Tensor) : a;
  const tb = typeof b === 'number' ? scalarOperand(op, b, ta) : b;
  assertTensor(op, ta, 'first operand');
  assertTensor(op, tb, 'second operand');
  const out = broadcastApply(op, ta, tb, f);
  return record(out, [ta, tb], op, (g) => {
    const [ga, gb] = grads(ta, tb, out, g);
    return [ta.requiresGrad && ga ? sumToShape(ga, ta.shape) : null, tb.requiresGrad && gb ? sumToShape(gb, tb.shape) : null];
  });
}

/** a + b, broadcasting. */
export function add(a: TensorOrNumber, b: TensorOrNumber): Tensor {
  return binary('add', a, b, plus, (_a, _b, _o, g) => [g, g]);
}

/** a - b, broadcasting. */
export function sub(a: TensorOrNumber, b: TensorOrNumber): Tensor {
  return binary('sub', a, b, minus, (_a, _b, _o, g) => [g, neg(g)]);
}

/** a * b, broadcasting. d/da = b, d/db = a. [docs: mul-backward] */
export function mul(a: TensorOrNumber, b: TensorOrNumber): Tensor {
  return binary('mul', a, b, times, (ta, tb, _o, g) => [ta.requiresGrad ? mul(g, tb) : null, tb.requiresGrad ? mul(g, ta) : null]);
}

/** a / b, broadcasting. d/da = 1/b, d/db = -a/b^2 = -out/b. */
export function div(a: TensorOrNumber, b: TensorOrNumber): Tensor {
  return binary('div', a, b, over, (ta, tb, out, g) => [ta.requiresGrad ? div(g, tb) : null, tb.requiresGrad ? neg(div(mul(g, out), tb)) : null]);
}

/**
 * a ** b, broadcasting. d/da = b a^(b-1); d/db = a^b ln a (only defined for a > 0).
 * For b = 0, a^0 = 1 is constant, so d/da = 0 (also at a = 0, where b a^(b-1) would be 0 * Infinity = NaN).
 */
export function pow(a: TensorOrNumber, b: TensorOrNumber): Tensor {
  return binary('pow', a, b, Math.pow, (ta, tb, out, g) => [
    ta.requiresGrad
      ? mul(
          g,
          broadcastApply('pow', ta, tb, (x, y) => (y === 0 ? 0 : y * Math.pow(x, y - 1))),
        )
      : null,
    tb.requiresGrad
      ? mul(
          g,
          mul(
            out,
            broadcastApply('log', ta, ta, (x) => Math.log(x)),
          ),
        )
      : null,
  ]);
}

/** Elementwise maximum; the gradient goes to the larger operand (to a on ties). */
export function maximum(a: TensorOrNumber, b: TensorOrNumber): Tensor {
  return binary('maximum', a, b, Math.max, (ta, tb, _o, g) => [
    mul(
      g,
      broadcastApply('maximum', ta, tb, (x, y) => (x >= y ? 1 : 0)),
    ),
    mul(
      g,
      broadcastApply('maximum', ta, tb, (x, y) => (x >= y ? 0 : 1)),
    ),
  ]);
}

/** Elementwise minimum; the gradient goes to the smaller operand (to a on ties). */
export function minimum(a: TensorOrNumber, b: TensorOrNumber): Tensor {
  return binary('minimum', a, b, Math.min, (ta, tb, _o, g) => [
    mul(
      g,
      broadcastApply('minimum', ta, tb, (x, y) => (x <= y ? 1 : 0)),
    ),
    mul(
      g,
      broadcastApply('minimum', ta, tb, (x, y) => (x <= y ? 0 : 1)),
    ),
  ]);
}

/** -x. */
export function neg(x: Tensor): Tensor {
  assertTensor('neg', x);
  const out = allocate(x.dtype, x.size);
  const d = x.data;
  for (let i = 0; i < d.length; i++) out[i] = -d[i];
  return record(new Tensor(out, x.shape), [x], 'neg', (g) => [neg(g)]);
}
