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

/**
 * Throws unless `value` can be stored in an int32 tensor unchanged: an integer in [-2^31, 2^31).
 * An Int32Array store would otherwise truncate 2.7 to 2, wrap 2^31 to -2^31 and turn NaN into 0 without a word
 * (the same rule the ops apply to a number operand of an int32 tensor). `at` names the value's index, if any.
 */
function checkInt32Value(fn: string, value: number, at = ''): void {
  if (value !== (value | 0)) {
    throw new Error(
      `${fn}: the value ${value}${at ? ` at ${at}` : ''} is not an int32 value, but the dtype is int32 (int32 tensors hold integers in [-2^31, 2^31): round the value, or use a float dtype)`,
    );
  }
}

/** A tensor of `shape` filled with `value`. For dtype int32, `value` must be an integer in [-2^31, 2^31). */
export function full(shape: Shape, value: number, opts: CreateOptions = {}): Tensor {
  validateShape(shape, 'full');
  if (opts.dtype === 'int32') checkInt32Value('full', value);
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
 * For dtype int32 every value produced must be an integer in [-2^31, 2^31) (`end` itself may be fractional:
 * arange(0, 2.5, 1, int32) is [0, 1, 2]; arange(0, 2, 0.5, int32) is an error at index 1, value 0.5).
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
  const dtype = opts.dtype ?? 'float32';
  const data = allocate(dtype, n);
  for (let i = 0; i < n; i++) {
    const v = start + i * step;
    if (dtype === 'int32') checkInt32Value('arange', v, `index ${i}`);
    data[i] = v;
  }
  return new Tensor(data, [n], opts.requiresGrad ?? false);
}

/**
 * A tensor from nested arrays (`tensor([[1, 2], [3, 4]])`, shape [2, 2]) or from a typed array with a shape.
 * Ragged nesting is an error that says where the rows differ. For dtype int32 every value must be an integer in
 * [-2^31, 2^31) (an error names the first one that is not, and where it is); an Int32Array always qualifies.
 */
export function tensor(values: NestedArray | TypedArray, opts: CreateOptions & { shape?: Shape } = {}): Tensor {
  if (opts.shape !== undefined) validateShape(opts.shape, 'tensor');
  const toInt32 = opts.dtype === 'int32';
  if (ArrayBuffer.isView(values)) {
    const shape = opts.shape ?? [values.length];
    if (toInt32 && !(values instanceof Int32Array)) {
      for (let i = 0; i < values.length; i++) checkInt32Value('tensor', values[i], `index ${i}`);
    }
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
      if (toInt32) checkInt32Value('tensor', v, path || 'the top');
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

/** Normal(mean, std) samples from `rng`. Float dtypes only: int32 would truncate every sample. */
export function randn(shape: Shape, rng: Rng, opts: CreateOptions & { mean?: number; std?: number } = {}): Tensor {
  rejectInt32('randn', opts.dtype);
  const t = zeros(shape, opts);
  const mean = opts.mean ?? 0;
  const std = opts.std ?? 1;
  const d = t.data;
  for (let i = 0; i < t.size; i++) d[i] = rng.normal(mean, std);
  return t;
}

/** Uniform samples in [low, high) from `rng`. Float dtypes only: for random integers use randint. */
export function uniform(shape: Shape, rng: Rng, low = 0, high = 1, opts: CreateOptions = {}): Tensor {
  rejectInt32('uniform', opts.dtype);
  const t = zeros(shape, opts);
  const d = t.data;
  for (let i = 0; i < t.size; i++) d[i] = rng.uniform(low, high);
  return t;
}

/** 1 with probability p, else 0, from `rng`. */
export function bernoulli(shape: Shape, p: number, rng: Rng, opts: CreateOptions = {}): Tensor {
  if (!(p >= 0 && p <= 1)) throw new Error(`bernoulli: probability must be in [0, 1], got ${p}`);
  const t = zeros(shape, opts);
  const d = t.data;
  for (let i = 0; i < t.size; i++) d[i] = rng.next() < p ? 1 : 0;
  return t;
}

/** Random samples are fractional: storing them as int32 would truncate them, so that dtype is an error. */
function rejectInt32(fn: string, dtype: DType | undefined): void {
  if (dtype === 'int32') {
    throw new Error(`${fn}: dtype int32 cannot hold its fractional samples (they would be truncated); use a float dtype, or randint for random integers`);
  }
}

/** Uniform random integers in [0, high) from `rng`, as int32. `high` must be an integer in [1, 2^31]. */
export function randint(shape: Shape, high: number, rng: Rng): Tensor {
  if (!(Number.isInteger(high) && high >= 1 && high <= 2 ** 31)) {
    throw new Error(`randint: high must be an integer in [1, 2^31] so that every value in [0, high) is an int32 value, got ${high}`);
  }
  const t = zeros(shape, { dtype: 'int32' });
  const d = t.data;
  for (let i = 0; i < t.size; i++) d[i] = rng.int(high);
  return t;
}
