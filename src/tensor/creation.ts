/**
 * Creating tensors: constants, ranges, nested arrays, and random tensors from a seeded generator.
 */
import { allocate, type DType, type TypedArray } from './dtype.ts';
import type { Rng } from './random.ts';
import { shapeToString, sizeOf, validateShape, type Shape } from './shape.ts';
import { Tensor, type NestedArray } from './tensor.ts';

export interface CreateOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

/** A tensor of `shape` filled with `value`. */
export function full(shape: Shape, value: number, opts: CreateOptions = {}): Tensor {
  validateShape(shape, 'full');
  const data = allocate(opts.dtype ?? 'float32', sizeOf(shape));
  if (value !== 0) data.fill(value);
  return new Tensor(data, shape, opts.requiresGrad ?? false);
}

export function zeros(shape: Shape, opts: CreateOptions = {}): Tensor {
  return full(shape, 0, opts);
}

export function ones(shape: Shape, opts: CreateOptions = {}): Tensor {
  return full(shape, 1, opts);
}

/** A one-element tensor of shape []. */
export function scalar(value: number, opts: CreateOptions = {}): Tensor {
  return full([], value, opts);
}

/** Zeros with the shape and dtype of `t`. */
export function zerosLike(t: Tensor): Tensor {
  return zeros(t.shape, { dtype: t.dtype });
}

/** Ones with the shape and dtype of `t`. */
export function onesLike(t: Tensor): Tensor {
  return ones(t.shape, { dtype: t.dtype });
}

/**
 * [start, start+step, ...) up to but excluding `end`, like Python's range.
 * start, end and step must be finite (an infinite or NaN bound has no length to allocate).
 */
export function arange(start: number, end?: number, step = 1, opts: CreateOptions = {}): Tensor {
  if (end === undefined) {
    end = start;
    start = 0;
  }
  if (![start, end, step].every(Number.isFinite)) {
    throw new Error(`arange: start, end and step must be finite numbers, got start ${start}, end ${end}, step ${step}`);
  }
  if (step === 0) throw new Error('arange: step must not be 0');
  const n = Math.max(0, Math.ceil((end - start) / step));
  if (!Number.isSafeInteger(n)) throw new Error(`arange: [${start}, ${end}) in steps of ${step} would hold ${n} elements, too many to allocate`);
  const data = allocate(opts.dtype ?? 'float32', n);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return new Tensor(data, [n], opts.requiresGrad ?? false);
}

/**
 * A tensor from nested arrays (`tensor([[1, 2], [3, 4]])`, shape [2, 2]) or from a typed array with a shape.
 * Ragged nesting is an error that says where the rows differ.
 */
export function tensor(values: NestedArray | TypedArray, opts: CreateOptions & { shape?: Shape } = {}): Tensor {
  if (opts.shape !== undefined) validateShape(opts.shape, 'tensor');
  if (ArrayBuffer.isView(values)) {
    const shape = opts.shape ?? [values.length];
    const data = allocate(opts.dtype ?? typedDType(values), values.length);
    data.set(values);
    return new Tensor(data, shape, opts.requiresGrad ?? false);
  }
  const shape: number[] = [];
  for (let v: NestedArray = values; Array.isArray(v); v = v[0]) {
    shape.push(v.length);
    if (v.length === 0) break;
  }
  const flat: number[] = [];
  const walk = (v: NestedArray, dim: number, path: string): void => {
    if (dim === shape.length) {
      if (typeof v !== 'number') throw new Error(`tensor: expected a number at ${path || 'the top'}, found an array`);
      flat.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[dim]) {
      const found = Array.isArray(v) ? `length ${v.length}` : 'a number';
      throw new Error(`tensor: ragged nested array at ${path || 'the top'}: expected length ${shape[dim]}, found ${found}`);
    }
    v.forEach((x, i) => walk(x, dim + 1, `${path}[${i}]`));
  };
  walk(values, 0, '');
  const data = allocate(opts.dtype ?? 'float32', flat.length);
  for (let i = 0; i < flat.length; i++) data[i] = flat[i];
  if (opts.shape && sizeOf(opts.shape) !== flat.length) {
    throw new Error(`tensor: ${flat.length} values cannot take shape ${shapeToString(opts.shape)}`);
  }
  return new Tensor(data, opts.shape ?? shape, opts.requiresGrad ?? false);
}

function typedDType(values: TypedArray): DType {
  return values instanceof Float64Array ? 'float64' : values instanceof Int32Array ? 'int32' : 'float32';
}

/** Normal(mean, std) samples from `rng`. */
export function randn(shape: Shape, rng: Rng, opts: CreateOptions & { mean?: number; std?: number } = {}): Tensor {
  const t = zeros(shape, opts);
  const mean = opts.mean ?? 0;
  const std = opts.std ?? 1;
  for (let i = 0; i < t.size; i++) t.data[i] = rng.normal(mean, std);
  return t;
}

/** Uniform samples in [low, high) from `rng`. */
export function uniform(shape: Shape, rng: Rng, low = 0, high = 1, opts: CreateOptions = {}): Tensor {
  const t = zeros(shape, opts);
  for (let i = 0; i < t.size; i++) t.data[i] = rng.uniform(low, high);
  return t;
}

/** 1 with probability p, else 0, from `rng`. */
export function bernoulli(shape: Shape, p: number, rng: Rng, opts: CreateOptions = {}): Tensor {
  if (!(p >= 0 && p <= 1)) throw new Error(`bernoulli: probability must be in [0, 1], got ${p}`);
  const t = zeros(shape, opts);
  for (let i = 0; i < t.size; i++) t.data[i] = rng.next() < p ? 1 : 0;
  return t;
}

/** Uniform random integers in [0, high) from `rng`, as int32. */
export function randint(shape: Shape, high: number, rng: Rng): Tensor {
  const t = zeros(shape, { dtype: 'int32' });
  for (let i = 0; i < t.size; i++) t.data[i] = rng.int(high);
  return t;
}
