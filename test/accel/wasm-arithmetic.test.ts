/**
 * The cpu backend's float32 arithmetic, gradient sums and column sums in WebAssembly SIMD
 * (src/accel/wasm/arithmetic.ts) against the core's loops, on random shapes (rows of any length: the last
 * cols mod 4 take the one-at-a-time path), the four operations, a and b of one shape or b a bias row (with
 * leading 1s or without), and special values (NaN, infinities, signed zeros, subnormals): the same bits.
 * The layouts and sizes the kernels do not take are declined, so that the core's loops run.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addGradientsWasm, arithmeticWasm, MIN_WASM_ELEMENTS, sumToShapeWasm } from '../../src/accel/wasm/arithmetic.ts';
import { getBackend } from '../../src/autograd/dispatch.ts';
import { addGradientsReference } from '../../src/autograd/backward.ts';
import { add, div, mul, Rng, sub, Tensor } from '../../src/index.ts';
import { sumToShape } from '../../src/ops/elementwise.ts';
import { expectSameValues, onBackend } from './kernel-checks.ts';

const OPS = { add, sub, mul, div };

/** Random float32 values, a few of them special. */
function values(n: number, rng: Rng): Float32Array {
  const out = new Float32Array(n);
  const specials = [Number.NaN, Infinity, -Infinity, 0, -0, 1e-42, -3e-39];
  for (let i = 0; i < n; i++) out[i] = rng.next() < 0.03 ? specials[rng.int(specials.length)] : rng.uniform(-100, 100);
  return out;
}

/** The values `run` computes on `backend`. */
function on(backend: string, run: () => Tensor): ArrayLike<number> {
  return onBackend(backend, run).data;
}

const shapeArb = fc.record({
  cols: fc.integer({ min: 1, max: 70 }),
  extraRows: fc.integer({ min: 0, max: 40 }),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});

describe('wasm arithmetic (cpu backend, float32)', () => {
  it("gives the core's bits for a op b of one shape and with a bias row, for the four operations", () => {
    expect(getBackend()).toBe('cpu');
    fc.assert(
      fc.property(
        shapeArb,
        fc.constantFrom('add', 'sub', 'mul', 'div'),
        fc.constantFrom('same', 'row', '[1, cols] row'),
        ({ cols, extraRows, seed }, op, layout) => {
          const rng = new Rng(seed);
          const rows = Math.ceil(MIN_WASM_ELEMENTS / cols) + extraRows;
          const a = new Tensor(values(rows * cols, rng), [rows, cols]);
          const bShape = layout === 'same' ? [rows, cols] : layout === 'row' ? [cols] : [1, cols];
          const b = new Tensor(
            values(
              bShape.reduce((p, q) => p * q, 1),
              rng,
            ),
            bShape,
          );
          const f = OPS[op as keyof typeof OPS];
          expect(arithmeticWasm({ a, b }, { op: op as 'add', shape: [rows, cols] })).not.toBeNull(); // the kernel runs
          expectSameValues(
            on('cpu', () => f(a, b)),
            on('reference', () => f(a, b)),
            `${op} [${rows}, ${cols}] with b ${layout}`,
          );
        },
      ),
      { numRuns: 150, seed: 31 },
    );
  });

  it("gives the core's bits for a gradient's sum over leading dimensions and for adding two gradients", () => {
    fc.assert(
      fc.property(shapeArb, fc.integer({ min: 1, max: 3 }), ({ cols, extraRows, seed }, batch) => {
        const rng = new Rng(seed);
        const seq = Math.ceil(MIN_WASM_ELEMENTS / (cols * batch)) + extraRows;
        const t = new Tensor(values(batch * seq * cols, rng), [batch, seq, cols]);
        for (const shape of [[cols], [1, cols], [seq, cols], [1, seq, cols]]) {
          expect(sumToShapeWasm({ t }, { shape })).not.toBeNull();
          expectSameValues(
            on('cpu', () => sumToShape(t, shape)),
            on('reference', () => sumToShape(t, shape)),
            `sum of [${t.shape}] to [${shape}]`,
          );
        }
        const u = new Tensor(values(t.size, rng), t.shape);
        expectSameValues(addGradientsWasm({ a: t, b: u })!.data, addGradientsReference({ a: t, b: u }).data, `gradients [${t.shape}]`);
      }),
      { numRuns: 100, seed: 37 },
    );
  });

  it('declines what it does not take: small arrays, float64, b broadcast along another axis, sums to other than trailing dimensions', () => {
    const rng = new Rng(3);
    const big = new Tensor(values(64 * 64, rng), [64, 64]);
    const small = new Tensor(values(8 * 8, rng), [8, 8]);
    expect(arithmeticWasm({ a: small, b: small }, { op: 'add', shape: [8, 8] })).toBeNull();
    const f64 = new Tensor(Float64Array.from(big.data), [64, 64]);
    expect(arithmeticWasm({ a: f64, b: f64 }, { op: 'add', shape: [64, 64] })).toBeNull();
    const column = new Tensor(values(64, rng), [64, 1]); // repeated along the last axis, not the rows
    expect(arithmeticWasm({ a: big, b: column }, { op: 'add', shape: [64, 64] })).toBeNull();
    expect(sumToShapeWasm({ t: big }, { shape: [64, 1] })).toBeNull();
    expect(addGradientsWasm({ a: small, b: small })).toBeNull();
    // and through the ops, the core's loops then give the same values on both backends
    expectSameValues(
      on('cpu', () => add(big, column)),
      on('reference', () => add(big, column)),
      'add with a column',
    );
  });
});
