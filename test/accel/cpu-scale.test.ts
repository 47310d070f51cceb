/**
 * The cpu backend's 'scale' kernel (src/accel/cpu/scale.ts), x * c in a loop of its own, against the core's
 * unary reference on random shapes, both dtypes and special values: the same bits forward and backward.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getBackend } from '../../src/autograd/dispatch.ts';
import { mul, Rng, scale, sum, Tensor } from '../../src/index.ts';
import { onBackend } from './kernel-checks.ts';

function scaledOn(backend: string, values: Float32Array | Float64Array, shape: number[], c: number, g: Float32Array | Float64Array) {
  return onBackend(backend, () => {
    const x = new Tensor(values.slice(), shape, true);
    const y = scale(x, c);
    sum(mul(y, new Tensor(g.slice(), shape))).backward();
    return { y: Array.from(y.data), dx: Array.from(x.grad!.data) };
  });
}

describe("cpu backend 'scale' kernel", () => {
  it('gives the reference bit for bit, forward and backward, in float32 and float64', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 }),
        fc.constantFrom('float32', 'float64'),
        fc.oneof(fc.double({ min: -10, max: 10, noNaN: true }), fc.constantFrom(0, -0, 1e-40, Infinity, Number.NaN)),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (shape, dtype, c, seed) => {
          const rng = new Rng(seed);
          const n = shape.reduce((a, b) => a * b, 1);
          const make = () => (dtype === 'float32' ? new Float32Array(n) : new Float64Array(n));
          const values = make();
          const g = make();
          for (let i = 0; i < n; i++) {
            const u = rng.next();
            values[i] = u < 0.05 ? Number.NaN : u < 0.1 ? -Infinity : rng.uniform(-1e3, 1e3);
            g[i] = rng.uniform(-2, 2);
          }
          expect(getBackend()).toBe('cpu');
          expect(scaledOn('cpu', values, shape, c, g)).toEqual(scaledOn('reference', values, shape, c, g));
        },
      ),
      { numRuns: 200, seed: 5 },
    );
  });
});
