/**
 * Unary elementwise ops. Each has a local derivative f'(x), and the chain rule gives
 * dL/dx = dL/dout * f'(x). Where f' is cheaper from the output (exp: f' = out), it uses the output.
 */
import { record } from '../autograd/record.ts';
import type { FloatArray } from '../accel/kernels.ts';
import { deviceBinary, deviceOf, deviceSumRows, onDevice, type TensorDevice } from '../accel/device.ts';
import { kernel } from '../accel/registry.ts';
import '../accel/cpu/index.ts'; // registers the cpu kernels, every backend's fallback, when imported directly
import { allocate } from '../tensor/dtype.ts';
import { erf as erfScalar } from '../tensor/scalar-math.ts';
import { shapeToString } from '../tensor/shape.ts';
import { Tensor } from '../tensor/tensor.ts';
import { assertFloat, assertSameDType } from './checks.ts';

/**
 * Apply `f` elementwise; the backward multiplies the incoming gradient by `derivative(x, out)`.
 */
function unary(op: string, x: Tensor, f: (v: number) => number, derivative: (x: number, out: number) => number): Tensor {
  assertFloat(op, x);
  const xd = x.data;
  const out = allocate(x.dtype, x.size);
  for (let i = 0; i < xd.length; i++) out[i] = f(xd[i]);
  const result = new Tensor(out, x.shape);
  return record(result, [x], op, (g) => {
    const gd = g.data;
    const dx = allocate(x.dtype, x.size);
    for (let i = 0; i < dx.length; i++) dx[i] = gd[i] * derivative(xd[i], out[i]);
    return [new Tensor(dx, x.shape)];
  });
}

/** e^x; d/dx = e^x. */
export const exp = (x: Tensor): Tensor => unary('exp', x, Math.exp, (_x, y) => y);

/** Natural log; d/dx = 1/x. */
export const log = (x: Tensor): Tensor => unary('log', x, Math.log, (v) => 1 / v);

/** Square root; d/dx = 1 / (2 sqrt x). */
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x, Math.sqrt, (_x, y) => 0.5 / y);

/** Hyperbolic tangent; d/dx = 1 - tanh(x)^2. */
export function tanh(x: Tensor): Tensor {
  const device = x.size > 0 ? deviceOf(x) : null;
  if (!device) return unary('tanh', x, Math.tanh, (_x, y) => 1 - y * y);
  const y = device.run('tanh', [onDevice(x, device)], x.size);
  return record(Tensor.onDevice(y, x.shape, x.dtype), [x], 'tanh', (g) => [Tensor.onDevice(device.run('tanhBackward', [y, onDevice(g, device)], x.size), x.shape, x.dtype)]);
}

/** Error function; d/dx = 2/sqrt(pi) exp(-x^2). */
export const erf = (x: Tensor): Tensor => unary('erf', x, erfScalar, (v) => (2 / Math.sqrt(Math.PI)) * Math.exp(-v * v));

/** GELU, exact erf form: x * Phi(x). d/dx = Phi(x) + x phi(x). (Kernels 'gelu' and 'geluBackward'.) */
export function gelu(x: Tensor): Tensor {
  assertFloat('gelu', x);
  return geluWithBias('gelu', x, null);
}

/**
 * gelu(x + bias), fused: a Linear layer's bias and the activation in one pass, with no x + bias array.
 * Equal bit for bit to gelu(add(x, bias)); the bias gradient is summed in float64.
 * @param x [..., H]
 * @param bias [H]
 * @returns [..., H]
 */
export function biasGelu(x: Tensor, bias: Tensor): Tensor {
  assertFloat('biasGelu', x);
  assertSameDType('biasGelu', x, bias);
  const H = x.rank === 0 ? 0 : x.shape[x.rank - 1];
  if (x.rank === 0 || bias.rank !== 1 || bias.shape[0] !== H) {
    throw new Error(`biasGelu: expected x [..., H] and bias [H], got x ${shapeToString(x.shape)} and bias ${shapeToString(bias.shape)}`);
  }
  return geluWithBias('biasGelu', x, bias);
}

function geluWithBias(op: string, x: Tensor, bias: Tensor | null): Tensor {
  const device = x.size > 0 ? (bias ? deviceOf(x, bias) : deviceOf(x)) : null;
  if (device) return deviceGelu(op, device, x, bias);
  const cols = bias ? bias.size : Math.max(1, x.size);
  const xd = x.data as FloatArray;
  const bd = bias ? (bias.data as FloatArray) : null;
  const out = allocate(x.dtype, x.size) as FloatArray;
  if (x.size > 0) kernel('gelu')({ x: xd, bias: bd, out, cols });
  const inputs = bias ? [x, bias] : [x];
  return record(new Tensor(out, x.shape), inputs, op, (g) => {
    const dx = allocate(x.dtype, x.size) as FloatArray;
    const dbias = bias?.requiresGrad ? new Float64Array(cols) : null;
    if (x.size > 0) kernel('geluBackward')({ x: xd, bias: bd, gradOut: g.data as FloatArray, gradX: dx, gradBias: dbias, cols });
    const gx = x.requiresGrad ? new Tensor(dx, x.shape) : null;
    if (!bias) return [gx];
    let gb: Tensor | null = null;
    if (dbias) {
      const gbData = allocate(x.dtype, cols);
      gbData.set(dbias);
      gb = new Tensor(gbData, bias.shape);
    }
    return [gx, gb];
  });
}

/**
 * gelu(x + bias) on a device: the bias add and the activation are two device kernels (the host's fused
 * loop is a CPU optimisation), and the backward is gelu' times the gradient, summed over rows for the bias.
 */
function deviceGelu(op: string, device: TensorDevice, x: Tensor, bias: Tensor | null): Tensor {
  const pre = bias ? deviceBinary(device, 'add', 'row', onDevice(x, device), onDevice(bias, device), x.size, bias.size) : onDevice(x, device);
  const out = Tensor.onDevice(device.run('gelu', [pre], x.size), x.shape, x.dtype);
  const inputs = bias ? [x, bias] : [x];
  return record(out, inputs, op, (g) => {
    const dx = Tensor.onDevice(device.run('geluBackward', [pre, onDevice(g, device)], x.size), x.shape, x.dtype);
    if (!bias) return [dx];
    const rows = x.size / bias.size;
    const dbias = bias.requiresGrad ? Tensor.onDevice(deviceSumRows(device, dx.deviceStorage!, rows, bias.size), bias.shape, bias.dtype) : null;
    return [x.requiresGrad ? dx : null, dbias];
  });
}

/** max(0, x); d/dx = 1 for x > 0, else 0. */
export const relu = (x: Tensor): Tensor => unary('relu', x, (v) => (v > 0 ? v : 0), (v) => (v > 0 ? 1 : 0));

/** |x|; d/dx = sign(x) (0 at 0). */
export const abs = (x: Tensor): Tensor => unary('abs', x, Math.abs, (v) => Math.sign(v));

/** 1 / (1 + e^-x); d/dx = s (1 - s). */
export const sigmoid = (x: Tensor): Tensor =>
  unary('sigmoid', x, (v) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v))), (_x, s) => s * (1 - s));

/** x * c for a constant c; d/dx = c. */
export const scale = (x: Tensor, c: number): Tensor => unary('scale', x, (v) => v * c, () => c);

/** x^2; d/dx = 2x. */
export const square = (x: Tensor): Tensor => unary('square', x, (v) => v * v, (v) => 2 * v);
