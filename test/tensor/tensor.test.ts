/**
 * The Tensor class (toArray, item, copies and dtype conversion), the shape helpers, and the scalar erf / GELU.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  broadcastShapes,
  dtypeOf,
  erfScalar,
  geluDerivative,
  geluScalar,
  isFloat,
  normalizeAxis,
  sameShape,
  shapeToString,
  sizeOf,
  stridesOf,
  tensor,
  Tensor,
} from '../ops/core.ts';

describe('Tensor', () => {
  it('wraps the data without copying; the shape is frozen; size and rank', () => {
    const data = new Float32Array(6);
    const shape = [2, 3];
    const t = new Tensor(data, shape);
    expect(t.data).toBe(data);
    shape[0] = 99;
    expect(t.shape).toEqual([2, 3]);
    expect(Object.isFrozen(t.shape)).toBe(true);
    expect(t.size).toBe(6);
    expect(t.rank).toBe(2);
    expect(t.dtype).toBe('float32');
    expect(t.isLeaf).toBe(true);
    expect(new Tensor(new Int32Array(1), []).dtype).toBe('int32');
  });

  it('toArray gives nested arrays (a number for a scalar); item reads a one-element tensor', () => {
    const t = tensor([[[1, 2]], [[3, 4]]]);
    expect(t.toArray()).toEqual([[[1, 2]], [[3, 4]]]);
    expect(tensor(7).toArray()).toBe(7);
    expect(tensor([[5]]).item()).toBe(5);
    expect(tensor([[], []]).toArray()).toEqual([[], []]);
    expect(() => tensor([1, 2]).item()).toThrow(/^item: expected a tensor with one element, got shape \[2\]$/);
  });

  it('toArray inverts tensor() for random nested arrays', () => {
    const nested = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 3 }).chain((shape) => {
      const build = (d: number): fc.Arbitrary<unknown> =>
        d === shape.length ? fc.integer({ min: -100, max: 100 }) : fc.array(build(d + 1), { minLength: shape[d], maxLength: shape[d] });
      return build(0);
    });
    fc.assert(
      fc.property(nested, (v) => {
        expect(tensor(v as never, { dtype: 'int32' }).toArray()).toEqual(v);
      }),
      { numRuns: 50, seed: 8 },
    );
  });

  it('clone copies the data; detach shares it but leaves the graph', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const c = x.clone();
    c.data[0] = 10;
    expect(x.data[0]).toBe(1);
    const d = x.detach();
    expect(d.data).toBe(x.data);
    expect(d.requiresGrad).toBe(false);
  });

  it('toDType converts (truncating toward zero into int32) into new storage', () => {
    const x = tensor([1.7, -1.7, 2.5], { dtype: 'float64' });
    expect(Array.from(x.toDType('int32').data)).toEqual([1, -1, 2]);
    const f = x.toDType('float32');
    expect(f.dtype).toBe('float32');
    expect(f.data[0]).toBe(Math.fround(1.7));
    expect(tensor([3], { dtype: 'int32' }).toDType('float64').data).toBeInstanceOf(Float64Array);
  });

  it('toString names shape, dtype and values', () => {
    expect(tensor([[1, 2]], { requiresGrad: true }).toString()).toBe('Tensor([1,2], float32, requiresGrad: [[1,2]])');
    expect(tensor(new Float64Array(30)).toString()).toBe('Tensor([30], float64: 30 values)');
  });

  it('backward on a tensor that needs no gradient is a clear error', () => {
    expect(() => tensor([1]).backward()).toThrow(/^backward: the tensor does not require a gradient/);
  });
});

describe('shape helpers', () => {
  it('sizeOf, stridesOf, shapeToString, sameShape', () => {
    expect(sizeOf([])).toBe(1);
    expect(sizeOf([2, 0, 3])).toBe(0);
    expect(stridesOf([2, 3, 4])).toEqual([12, 4, 1]);
    expect(stridesOf([])).toEqual([]);
    expect(shapeToString([2, 3])).toBe('[2,3]');
    expect(sameShape([2, 3], [2, 3])).toBe(true);
    expect(sameShape([2, 3], [3, 2])).toBe(false);
    expect(sameShape([1], [])).toBe(false);
  });

  it('broadcastShapes aligns from the right; incompatible sizes name the op and both shapes', () => {
    expect(broadcastShapes([2, 1, 4], [3, 1], 'op')).toEqual([2, 3, 4]);
    expect(broadcastShapes([], [5], 'op')).toEqual([5]);
    expect(broadcastShapes([0], [1], 'op')).toEqual([0]);
    expect(() => broadcastShapes([2, 3], [2], 'myop')).toThrow(
      /^myop: shapes \[2,3\] and \[2\] cannot be broadcast \(dimension 1 from the left of the result: 3 vs 2\)$/,
    );
  });

  it('normalizeAxis accepts -rank..rank-1 and names the op otherwise', () => {
    expect(normalizeAxis(-1, 3, 'op')).toBe(2);
    expect(normalizeAxis(0, 1, 'op')).toBe(0);
    expect(() => normalizeAxis(3, 3, 'foo')).toThrow(/^foo: axis 3 is out of range for a tensor of rank 3$/);
    expect(() => normalizeAxis(-4, 3, 'foo')).toThrow(/^foo: axis -4 is out of range/);
    expect(() => normalizeAxis(0, 0, 'foo')).toThrow(/^foo: axis 0 is out of range for a tensor of rank 0$/);
  });

  it('dtypeOf and isFloat', () => {
    expect(dtypeOf(new Float64Array(1))).toBe('float64');
    expect(() => dtypeOf(new Uint8Array(1) as never)).toThrow(/^expected a Float32Array, Float64Array or Int32Array$/);
    expect(isFloat('float32') && isFloat('float64') && !isFloat('int32')).toBe(true);
  });
});

describe('scalar erf and GELU', () => {
  // Reference values from a correctly rounded libm (Python's math.erf).
  const erfTable: [number, number][] = [
    [0.1, 0.1124629160182849],
    [0.5, 0.5204998778130465],
    [0.84375, 0.7672256612323416],
    [1, 0.8427007929497149],
    [1.2, 0.9103139782296353],
    [1.5, 0.9661051464753108],
    [2, 0.9953222650189527],
    [2.5, 0.999593047982555],
    [3, 0.9999779095030014],
    [4, 0.9999999845827421],
    [5, 0.9999999999984626],
    [5.9, 0.9999999999999999],
    [-0.7, -0.6778011938374184],
  ];

  it('erf matches reference values in every range of the approximation, to a few ulp', () => {
    for (const [x, want] of erfTable) expect(Math.abs(erfScalar(x) - want)).toBeLessThanOrEqual(4 * Number.EPSILON * Math.abs(want));
    expect(erfScalar(0)).toBe(0);
    expect(erfScalar(6)).toBe(1);
    expect(erfScalar(-30)).toBe(-1);
    expect(erfScalar(1e-20)).toBeCloseTo((2 / Math.sqrt(Math.PI)) * 1e-20, 30);
    expect(Number.isNaN(erfScalar(NaN))).toBe(true);
  });

  it('erf is odd, increasing and bounded by 1', () => {
    fc.assert(
      fc.property(fc.double({ min: -8, max: 8, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (x, d) => {
        expect(erfScalar(-x)).toBe(-erfScalar(x));
        expect(erfScalar(x + d)).toBeGreaterThanOrEqual(erfScalar(x));
        expect(Math.abs(erfScalar(x))).toBeLessThanOrEqual(1);
      }),
      { numRuns: 200, seed: 9 },
    );
  });

  it('gelu(x) = x Phi(x) at known points; geluDerivative matches central differences', () => {
    expect(Math.abs(geluScalar(1) - 0.8413447460685429)).toBeLessThanOrEqual(1e-15);
    expect(Math.abs(geluScalar(-1) - -0.15865525393145707)).toBeLessThanOrEqual(1e-15);
    expect(Math.abs(geluScalar(3) - 2.99595030590511)).toBeLessThanOrEqual(1e-14);
    expect(geluScalar(0)).toBe(0);
    fc.assert(
      fc.property(fc.double({ min: -8, max: 8, noNaN: true }), (x) => {
        const h = 1e-6;
        const numeric = (geluScalar(x + h) - geluScalar(x - h)) / (2 * h);
        expect(Math.abs(geluDerivative(x) - numeric)).toBeLessThanOrEqual(1e-6 + 1e-6 * Math.abs(numeric));
      }),
      { numRuns: 200, seed: 10 },
    );
  });
});
