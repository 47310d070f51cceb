/**
 * The cpu backend's float32 permute in WebAssembly (src/accel/wasm/permute.ts, elementwise.wat's
 * permuteRuns) against the core's loop: random shapes of rank 2 to 5 and every permutation that keeps the
 * last dimension last, values compared bit for bit (NaN and -0 included); the gradient, itself a permute,
 * too. Permutes that move the last dimension are declined to the core's loop.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MIN_WASM_ELEMENTS } from '../../src/accel/wasm/arithmetic.ts';
import { permuteWasm } from '../../src/accel/wasm/permute.ts';
import { getBackend } from '../../src/autograd/dispatch.ts';
import { mul, permute, Rng, sum, Tensor } from '../../src/index.ts';
import { expectSameValues, onBackend } from './kernel-checks.ts';

function permuted(backend: string, values: Float32Array, shape: number[], dims: number[], g: Float32Array) {
  // y and dx of permute(x, dims), as the backend computes them
  return onBackend(backend, () => {
    const x = new Tensor(values.slice(), shape, true);
    const y = permute(x, dims);
    sum(mul(y, new Tensor(g, y.shape))).backward();
    return { y: y.data, shape: y.shape, dx: x.grad!.data };
  });
}

function expectSame(got: ReturnType<typeof permuted>, want: ReturnType<typeof permuted>, what: string): void {
  expect(got.shape).toEqual(want.shape);
  expectSameValues(got.y, want.y, `${what}: values`);
  expectSameValues(got.dx, want.dx, `${what}: gradient`);
}

describe('wasm permute (cpu backend, float32)', () => {
  it("gives the core's values for every permutation that keeps the last dimension last, and the same gradient", () => {
    expect(getBackend()).toBe('cpu');
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (generated, last, seed) => {
          const rng = new Rng(seed);
          // enough rows that the kernel runs: grow the first dimension (of a copy: fast-check runs the
          // same generated value again while it shrinks a failure)
          const leading = [...generated];
          const rows = leading.reduce((p, q) => p * q, 1);
          leading[0] *= Math.max(1, Math.ceil(MIN_WASM_ELEMENTS / (rows * last)));
          const shape = [...leading, last];
          const n = shape.reduce((p, q) => p * q, 1);
          const values = Float32Array.from({ length: n }, () => (rng.next() < 0.02 ? (rng.next() < 0.5 ? Number.NaN : -0) : rng.uniform(-5, 5)));
          const g = Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
          const order = leading.map((_, i) => i);
          for (let i = order.length - 1; i > 0; i--) {
            const j = rng.int(i + 1);
            [order[i], order[j]] = [order[j], order[i]];
          }
          const dims = [...order, shape.length - 1];
          const x = new Tensor(values, shape);
          const inStrides = shape.map((_, i) => shape.slice(i + 1).reduce((p, q) => p * q, 1));
          const kernel = permuteWasm({ x }, { shape: dims.map((d) => shape[d]), strides: dims.map((d) => inStrides[d]) });
          expect(kernel).not.toBeNull(); // the kernel runs on these
          expectSame(permuted('cpu', values, shape, dims, g), permuted('reference', values, shape, dims, g), `permute [${shape}] by [${dims}]`);
        },
      ),
      { numRuns: 150, seed: 41 },
    );
  });

  it('declines a permute that moves the last dimension (a transpose of the last two), and small arrays', () => {
    const rng = new Rng(2);
    const big = new Tensor(
      Float32Array.from({ length: 64 * 64 }, () => rng.uniform(-1, 1)),
      [64, 64],
    );
    expect(permuteWasm({ x: big }, { shape: [64, 64], strides: [1, 64] })).toBeNull();
    const small = new Tensor(new Float32Array(6), [2, 3]);
    expect(permuteWasm({ x: small }, { shape: [3, 2], strides: [1, 3] })).toBeNull();
    const g = Float32Array.from({ length: 64 * 64 }, () => rng.uniform(-1, 1));
    expectSame(
      permuted('cpu', big.data as Float32Array, [64, 64], [1, 0], g),
      permuted('reference', big.data as Float32Array, [64, 64], [1, 0], g),
      'transpose',
    );
  });
});
