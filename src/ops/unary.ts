/**
 * Unary elementwise ops. Each has a local derivative f'(x), and the chain rule gives
 * dL/dx = dL/dout * f'(x). Where f' is cheaper from the output (exp: f' = out), it uses the output.
 */
import { dispatch } from '../autograd/dispatch.ts';
import { recordResult, type OpResult } from '../autograd/record.ts';
import { allocate } from '../tensor/dtype.ts';
import { erf as erfScalar } from '../tensor/scalar-math.ts';
import { Tensor } from '../tensor/tensor.ts';
import { assertFloat } from './checks.ts';

/**
 * Apply `f` elementwise; the backward multiplies the incoming gradient by `derivative(x, out)`. The op goes
 * through dispatch as kernel `op` (the speed layer offers some, such as tanh on a GPU), with `attrs` the
 * numbers that define it (scale's factor).
 */
function unary(
  op: string,
  x: Tensor,
  f: (v: number) => number,
  derivative: (x: number, out: number) => number,
  attrs: Record<string, number> | null = null,
): Tensor {
  assertFloat(op, x);
  return recordResult(
    dispatch(op, { x }, attrs, () => unaryReference(x, f, derivative)),
    [x],
    op,
  );
}

/** The reference of every unary kernel: out[i] = f(x[i]), and dx[i] = g[i] * f'(x[i]) in the backward. */
function unaryReference(x: Tensor, f: (v: number) => number, derivative: (x: number, out: number) => number): OpResult {
  const xd = x.data;
  const out = allocate(x.dtype, x.size);
  for (let i = 0; i < xd.length; i++) out[i] = f(xd[i]);
  const backward = (g: Tensor): Tensor[] => {
    const gd = g.data;
    const dx = allocate(x.dtype, x.size);
    for (let i = 0; i < dx.length; i++) dx[i] = gd[i] * derivative(xd[i], out[i]);
    return [new Tensor(dx, x.shape)];
  };
  return { output: new Tensor(out, x.shape), backward };
}

/** e^x; d/dx = e^x. */
export const exp = (x: Tensor): Tensor => unary('exp', x, Math.exp, (_x, y) => y);

/** Natural log; d/dx = 1/x. */
export const log = (x: Tensor): Tensor => unary('log', x, Math.log, (v) => 1 / v);

/** Square root; d/dx = 1 / (2 sqrt x). */
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x, Math.sqrt, (_x, y) => 0.5 / y);

/** Hyperbolic tangent; d/dx = 1 - tanh(x)^2. */
export const tanh = (x: Tensor): Tensor => unary('tanh', x, Math.tanh, (_x, y) => 1 - y * y);

/** Error function; d/dx = 2/sqrt(pi) exp(-x^2). */
export const erf = (x: Tensor): Tensor => unary('erf', x, erfScalar, (v) => (2 / Math.sqrt(Math.PI)) * Math.exp(-v * v));

/** max(0, x); d/dx = 1 for x > 0, else 0. */
export const relu = (x: Tensor): Tensor =>
  unary(
    'relu',
    x,
    (v) => (v > 0 ? v : 0),
    (v) => (v > 0 ? 1 : 0),
  );

/** |x|; d/dx = sign(x) (0 at 0). */
export const abs = (x: Tensor): Tensor => unary('abs', x, Math.abs, (v) => Math.sign(v));

/** 1 / (1 + e^-x); d/dx = s (1 - s). */
export const sigmoid = (x: Tensor): Tensor =>
  unary(
    'sigmoid',
    x,
    (v) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v))),
    (_x, s) => s * (1 - s),
  );

/** x * c for a constant c; d/dx = c. */
export const scale = (x: Tensor, c: number): Tensor =>
  unary(
    'scale',
    x,
    (v) => v * c,
    () => c,
    { c },
  );

/** x^2; d/dx = 2x. */
export const square = (x: Tensor): Tensor =>
  unary(
    'square',
    x,
    (v) => v * v,
    (v) => 2 * v,
  );
