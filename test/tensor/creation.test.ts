/**
 * Creating tensors: constants, ranges, nested arrays (with ragged errors), and seeded random tensors
 * (determinism and rough statistics).
 */
import { describe, expect, it } from 'vitest';
import { arange, bernoulli, full, ones, onesLike, randint, randn, Rng, scalar, tensor, uniform, zeros, zerosLike } from '../ops/core.ts';

describe('constant tensors', () => {
  it('zeros, ones and full: shape, default dtype float32, values, requiresGrad', () => {
    const z = zeros([2, 3]);
    expect(z.shape).toEqual([2, 3]);
    expect(z.dtype).toBe('float32');
    expect(z.data).toBeInstanceOf(Float32Array);
    expect(Array.from(z.data)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(z.requiresGrad).toBe(false);
    expect(ones([2], { dtype: 'float64', requiresGrad: true }).requiresGrad).toBe(true);
    expect(ones([2], { dtype: 'float64' }).data).toBeInstanceOf(Float64Array);
    expect(full([2, 2], 7, { dtype: 'int32' }).toArray()).toEqual([
      [7, 7],
      [7, 7],
    ]);
    expect(full([0, 3], 1).size).toBe(0);
  });

  it('scalar, zerosLike and onesLike', () => {
    const s = scalar(2.5, { dtype: 'float64' });
    expect(s.shape).toEqual([]);
    expect(s.item()).toBe(2.5);
    const like = zerosLike(full([3, 1], 4, { dtype: 'int32' }));
    expect(like.shape).toEqual([3, 1]);
    expect(like.dtype).toBe('int32');
    expect(Array.from(onesLike(zeros([2], { dtype: 'float64' })).data)).toEqual([1, 1]);
  });

  it('a bad shape names the function and the shape', () => {
    expect(() => zeros([2, -1])).toThrow(/^full: shape \[2,-1\] must hold non-negative integers$/);
    expect(() => ones([1.5])).toThrow(/^full: shape \[1.5\] must hold non-negative integers$/);
  });

  it('full with dtype int32 rejects a value that is not an int32 value (regression: 2.7 was stored as 2)', () => {
    expect(() => full([2], 2.7, { dtype: 'int32' })).toThrow(/^full: the value 2.7 is not an int32 value, but the dtype is int32 \(/);
    expect(() => full([2], 2 ** 31, { dtype: 'int32' })).toThrow(/^full: the value 2147483648 is not an int32 value/);
    expect(() => full([2], NaN, { dtype: 'int32' })).toThrow(/^full: the value NaN is not an int32 value/);
    expect(() => scalar(-Infinity, { dtype: 'int32' })).toThrow(/^full: the value -Infinity is not an int32 value/);
    // The int32 range's ends, and any value for a float dtype, still work.
    expect(Array.from(full([2], -(2 ** 31), { dtype: 'int32' }).data)).toEqual([-(2 ** 31), -(2 ** 31)]);
    expect(scalar(2 ** 31 - 1, { dtype: 'int32' }).item()).toBe(2 ** 31 - 1);
    expect(full([1], 2.7, { dtype: 'float64' }).item()).toBe(2.7);
  });
});

describe('arange', () => {
  it('follows Python range: one argument, start/end, steps of either sign, fractional steps', () => {
    expect(Array.from(arange(5).data)).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(arange(2, 8, 2).data)).toEqual([2, 4, 6]);
    expect(Array.from(arange(5, 0, -2).data)).toEqual([5, 3, 1]);
    expect(Array.from(arange(0, 1, 0.25, { dtype: 'float64' }).data)).toEqual([0, 0.25, 0.5, 0.75]);
    expect(arange(3, 3).shape).toEqual([0]);
    expect(arange(5, 2).shape).toEqual([0]);
    expect(arange(4, undefined, 1, { dtype: 'int32' }).dtype).toBe('int32');
  });

  it('step 0 is an error', () => {
    expect(() => arange(0, 5, 0)).toThrow(/^arange: step must not be 0$/);
  });

  it('an infinite, NaN or too fine range is an error naming the bounds (regression: RangeError from the allocator)', () => {
    expect(() => arange(0, Infinity)).toThrow(/^arange: start, end and step must be finite numbers, got start 0, end Infinity, step 1$/);
    expect(() => arange(NaN)).toThrow(/^arange: start, end and step must be finite numbers, got start 0, end NaN, step 1$/);
    expect(() => arange(0, 1, -Infinity)).toThrow(/^arange: start, end and step must be finite numbers/);
    expect(() => arange(0, 1, 1e-300)).toThrow(/^arange: \[0, 1\) in steps of 1e-300 would hold .* elements, too many to allocate$/);
  });

  it('dtype int32 takes only int32 values, naming the first other one and its index (regression: truncated)', () => {
    // Was [0, 0, 1, 1]: 0.5 and 1.5 stored as 0 and 1.
    expect(() => arange(0, 2, 0.5, { dtype: 'int32' })).toThrow(/^arange: the value 0.5 at index 1 is not an int32 value, but the dtype is int32/);
    expect(() => arange(0.5, 3, 1, { dtype: 'int32' })).toThrow(/^arange: the value 0.5 at index 0 is not an int32 value/);
    expect(() => arange(2 ** 31 - 1, 2 ** 31 + 1, 1, { dtype: 'int32' })).toThrow(/^arange: the value 2147483648 at index 1 is not an int32 value/);
    // Integer values are fine, even with a fractional end or a step too large to reach a fractional value.
    expect(Array.from(arange(0, 2.5, 1, { dtype: 'int32' }).data)).toEqual([0, 1, 2]);
    expect(Array.from(arange(0, 1, 1.5, { dtype: 'int32' }).data)).toEqual([0]);
    expect(Array.from(arange(6, 0, -3, { dtype: 'int32' }).data)).toEqual([6, 3]);
  });
});

describe('tensor() from nested arrays and typed arrays', () => {
  it('infers the shape from the nesting', () => {
    const t = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe('float32');
    expect(Array.from(t.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(tensor([[[1], [2]]]).shape).toEqual([1, 2, 1]);
    expect(tensor(3).shape).toEqual([]);
    expect(tensor(3).item()).toBe(3);
    expect(tensor([]).shape).toEqual([0]);
    expect(tensor([[], []]).shape).toEqual([2, 0]);
  });

  it('takes dtype, requiresGrad and an explicit shape', () => {
    const t = tensor([1, 2, 3, 4], { dtype: 'int32', shape: [2, 2], requiresGrad: false });
    expect(t.dtype).toBe('int32');
    expect(t.toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(tensor([0.1], { dtype: 'float64' }).data[0]).toBe(0.1);
    expect(tensor([0.1]).data[0]).toBe(Math.fround(0.1));
    expect(() => tensor([1, 2, 3], { shape: [2, 2] })).toThrow(/^tensor: 3 values cannot take shape \[2,2\]$/);
    // Regression: [-2,-3] has 6 "elements", so it passed the count check and failed in the Tensor constructor.
    expect(() => tensor([1, 2, 3, 4, 5, 6], { shape: [-2, -3] })).toThrow(/^tensor: shape \[-2,-3\] must hold non-negative integers$/);
    expect(() => tensor(new Float32Array(6), { shape: [-2, -3] })).toThrow(/^tensor: shape \[-2,-3\] must hold non-negative integers$/);
  });

  it('copies a typed array, keeping its dtype unless told otherwise', () => {
    const src = Float64Array.from([1, 2, 3, 4]);
    const t = tensor(src, { shape: [2, 2] });
    expect(t.dtype).toBe('float64');
    src[0] = 99;
    expect(t.data[0]).toBe(1);
    expect(tensor(Int32Array.from([5, 6])).dtype).toBe('int32');
    expect(tensor(Int32Array.from([5, 6]), { dtype: 'float32' }).dtype).toBe('float32');
  });

  it('dtype int32 takes only int32 values, naming the value and where it is (regression: 1.5 was stored as 1)', () => {
    expect(() => tensor([1.5], { dtype: 'int32' })).toThrow(/^tensor: the value 1.5 at \[0\] is not an int32 value, but the dtype is int32 \(/);
    expect(() =>
      tensor(
        [
          [1, 2],
          [3, 4.25],
        ],
        { dtype: 'int32' },
      ),
    ).toThrow(/^tensor: the value 4.25 at \[1\]\[1\] is not an int32 value/);
    expect(() => tensor(0.5, { dtype: 'int32' })).toThrow(/^tensor: the value 0.5 at the top is not an int32 value/);
    expect(() => tensor([0, -(2 ** 31) - 1], { dtype: 'int32' })).toThrow(/^tensor: the value -2147483649 at \[1\] is not an int32 value/);
    expect(() => tensor([NaN], { dtype: 'int32' })).toThrow(/^tensor: the value NaN at \[0\] is not an int32 value/);
    // A float typed array converted to int32 is checked too; an Int32Array needs no check.
    expect(() => tensor(Float32Array.from([1, 2.5]), { dtype: 'int32' })).toThrow(/^tensor: the value 2.5 at index 1 is not an int32 value/);
    expect(Array.from(tensor(Float64Array.from([1, -2]), { dtype: 'int32' }).data)).toEqual([1, -2]);
    expect(Array.from(tensor(Int32Array.from([2 ** 31 - 1]), { dtype: 'int32' }).data)).toEqual([2 ** 31 - 1]);
    expect(
      tensor(
        [
          [1, 2],
          [3, 4],
        ],
        { dtype: 'int32' },
      ).toArray(),
    ).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it('ragged nesting is an error that says where the rows differ', () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(/^tensor: ragged nested array at \[1\]: expected length 2, found length 1$/);
    expect(() => tensor([[1, 2], 3] as never)).toThrow(/^tensor: ragged nested array at \[1\]: expected length 2, found a number$/);
    expect(() => tensor([1, [2]] as never)).toThrow(/^tensor: expected a number at \[1\], found an array$/);
    expect(() =>
      tensor([
        [
          [1, 2],
          [3, 4],
        ],
        [[5, 6], [7]],
      ]),
    ).toThrow(/^tensor: ragged nested array at \[1\]\[1\]: expected length 2, found length 1$/);
  });
});

describe('random tensors from a seeded Rng', () => {
  const mean = (v: ArrayLike<number>) => Array.from(v).reduce((a, b) => a + b, 0) / v.length;
  const std = (v: ArrayLike<number>) => {
    const m = mean(v);
    return Math.sqrt(Array.from(v).reduce((a, b) => a + (b - m) ** 2, 0) / v.length);
  };
  const N = 20_000;

  it('the same seed gives the same tensor; another seed a different one', () => {
    for (const make of [
      (rng: Rng) => randn([50], rng),
      (rng: Rng) => uniform([50], rng, -1, 1),
      (rng: Rng) => bernoulli([50], 0.5, rng),
      (rng: Rng) => randint([50], 10, rng),
    ]) {
      expect(Array.from(make(new Rng(42)).data)).toEqual(Array.from(make(new Rng(42)).data));
      expect(Array.from(make(new Rng(42)).data)).not.toEqual(Array.from(make(new Rng(43)).data));
    }
  });

  it('randn: mean 0 and std 1 by default, shifted and scaled by options (20,000 samples)', () => {
    const z = randn([N], new Rng(1), { dtype: 'float64' });
    expect(Math.abs(mean(z.data))).toBeLessThan(0.03); // standard error 1/sqrt(N) = 0.007
    expect(Math.abs(std(z.data) - 1)).toBeLessThan(0.03);
    const fraction1 = Array.from(z.data).filter((v) => Math.abs(v) < 1).length / N;
    expect(Math.abs(fraction1 - 0.6827)).toBeLessThan(0.02);
    const s = randn([N], new Rng(2), { mean: 5, std: 0.02 });
    expect(Math.abs(mean(s.data) - 5)).toBeLessThan(0.001);
    expect(Math.abs(std(s.data) - 0.02)).toBeLessThan(0.001);
    expect(s.dtype).toBe('float32');
  });

  it('uniform: every value in [low, high), mean at the middle, std (high - low)/sqrt(12)', () => {
    const u = uniform([N], new Rng(3), -2, 6, { dtype: 'float64' });
    expect(Array.from(u.data).every((v) => v >= -2 && v < 6)).toBe(true);
    expect(Math.abs(mean(u.data) - 2)).toBeLessThan(0.06);
    expect(Math.abs(std(u.data) - 8 / Math.sqrt(12))).toBeLessThan(0.06);
    const d = uniform([100], new Rng(3));
    expect(Array.from(d.data).every((v) => v >= 0 && v < 1)).toBe(true);
  });

  it('bernoulli: 0/1 with the requested frequency; p = 0 and p = 1 are exact; other p is an error', () => {
    const b = bernoulli([N], 0.3, new Rng(4));
    expect(Array.from(b.data).every((v) => v === 0 || v === 1)).toBe(true);
    expect(Math.abs(mean(b.data) - 0.3)).toBeLessThan(0.02);
    expect(Array.from(bernoulli([100], 0, new Rng(4)).data).every((v) => v === 0)).toBe(true);
    expect(Array.from(bernoulli([100], 1, new Rng(4)).data).every((v) => v === 1)).toBe(true);
    expect(() => bernoulli([2], 1.5, new Rng(4))).toThrow(/^bernoulli: probability must be in \[0, 1\], got 1.5$/);
  });

  it('randint: int32 values in [0, high), each about equally often', () => {
    const r = randint([N], 7, new Rng(5));
    expect(r.dtype).toBe('int32');
    const counts = new Array<number>(7).fill(0);
    for (const v of r.data) {
      expect(v >= 0 && v < 7).toBe(true);
      counts[v]++;
    }
    for (const c of counts) expect(Math.abs(c / N - 1 / 7)).toBeLessThan(0.015);
    expect(() => randint([2], 0, new Rng(5))).toThrow(
      /^randint: high must be an integer in \[1, 2\^31\] so that every value in \[0, high\) is an int32 value, got 0$/,
    );
  });

  it('int32 random tensors: randint rejects a high past int32, randn and uniform reject dtype int32 (regression: wrapped / truncated)', () => {
    expect(() => randint([2], 2 ** 32, new Rng(5))).toThrow(/^randint: high must be an integer in \[1, 2\^31\] .*, got 4294967296$/);
    expect(() => randint([0], 2.5, new Rng(5))).toThrow(/^randint: high must be an integer in \[1, 2\^31\] .*, got 2.5$/);
    const top = randint([200], 2 ** 31, new Rng(5));
    expect(Array.from(top.data).every((v) => v >= 0)).toBe(true);
    expect(() => randn([2], new Rng(5), { dtype: 'int32' })).toThrow(/^randn: dtype int32 cannot hold its fractional samples/);
    expect(() => uniform([2], new Rng(5), 0, 10, { dtype: 'int32' })).toThrow(
      /^uniform: dtype int32 cannot hold its fractional samples .*use a float dtype, or randint for random integers$/,
    );
    expect(Array.from(bernoulli([3], 1, new Rng(5), { dtype: 'int32' }).data)).toEqual([1, 1, 1]);
  });
});

describe('allocation failures', () => {
  it("a tensor too large for a typed array is refused naming its size and dtype, not with the engine's bare RangeError", () => {
    expect(() => zeros([1e10])).toThrow(/cannot allocate 10000000000 float32 elements \(37\.25 GiB\).*at most 4294967295 elements/);
    expect(() => zeros([1e5, 1e5], { dtype: 'float64' })).toThrow(/cannot allocate 10000000000 float64 elements \(74\.51 GiB\)/);
  });
});
