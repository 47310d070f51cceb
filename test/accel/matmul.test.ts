/**
 * The cpu matmul kernels against a plain triple loop written here: matmulNaive must equal it exactly (same
 * summation order), matmulBlocked must agree within the rounding its reordering allows. Sizes cover 1,
 * non-multiples of the 4x4 tile, more than NC = 64 rows of B, and k > 256 (more than one KC block).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matmulNaive, type MatmulArgs } from '../../src/ops/matmul.ts';
import { matmulBlocked } from '../../src/accel/cpu/matmul-blocked.ts';
import { float64Reference as reference, randomMatmulArgs } from './matmul-cases.ts';

type Float = 'float32' | 'float64';

interface Problem {
  dtype: Float;
  batch: number;
  m: number;
  n: number;
  k: number;
  transposeA: boolean;
  transposeB: boolean;
  broadcastA: boolean;
  broadcastB: boolean;
  seed: number;
}

/** Random operands for a problem; a broadcast operand is one matrix with batch stride 0. */
function build(p: Problem): MatmulArgs {
  return randomMatmulArgs(p, p.dtype);
}

const small = fc.integer({ min: 1, max: 9 });
const sizeArb = fc.oneof(small, fc.integer({ min: 60, max: 70 }));
const kArb = fc.oneof(small, fc.integer({ min: 250, max: 600 }));

const problemArb: fc.Arbitrary<Problem> = fc.record({
  dtype: fc.constantFrom<Float>('float32', 'float64'),
  batch: fc.integer({ min: 1, max: 3 }),
  m: sizeArb,
  n: sizeArb,
  k: kArb,
  transposeA: fc.boolean(),
  transposeB: fc.boolean(),
  broadcastA: fc.boolean(),
  broadcastB: fc.boolean(),
  seed: fc.integer({ min: 0, max: 1e6 }),
});

describe('cpu matmul kernels', () => {
  it('matmulNaive equals the plain triple loop exactly (then rounded to the output type)', () => {
    fc.assert(
      fc.property(problemArb, (p) => {
        const args = build(p);
        matmulNaive(args);
        const { ref } = reference(args);
        const round = p.dtype === 'float32' ? Math.fround : (v: number) => v;
        for (let i = 0; i < ref.length; i++) if (args.out[i] !== round(ref[i])) throw new Error(`element ${i}: ${args.out[i]} vs ${round(ref[i])}`);
        expect(args.out.length).toBe(ref.length);
      }),
      { numRuns: 25, seed: 11 },
    );
  });

  it('matmulBlocked agrees with the plain loop and with matmulNaive within reordering/rounding error', () => {
    fc.assert(
      fc.property(problemArb, (p) => {
        const args = build(p);
        matmulBlocked(args);
        const blocked = args.out.slice();
        const naiveOut = args.out.slice().fill(NaN);
        matmulNaive({ ...args, out: naiveOut });
        const { ref, sumAbs } = reference(args);
        // float64: only the summation order differs (k terms, each error <= k ulp of sum |a b|).
        // float32: each block of KC = 256 terms is summed in float64 and added into the float32 output, so there is
        // one float32 rounding per block (and one more for the final value).
        const blocks = Math.ceil(p.k / 256);
        const unit = p.dtype === 'float64' ? p.k * 2 ** -52 : (blocks + 1) * 2 ** -24;
        for (let i = 0; i < ref.length; i++) {
          const bound = unit * sumAbs[i] + 1e-300;
          if (!(Math.abs(blocked[i] - ref[i]) <= bound))
            throw new Error(`element ${i} of ${JSON.stringify(p)}: blocked ${blocked[i]}, reference ${ref[i]}, bound ${bound}`);
          if (!(Math.abs(blocked[i] - naiveOut[i]) <= bound + Math.abs(naiveOut[i] - ref[i])))
            throw new Error(`element ${i}: blocked ${blocked[i]} vs naive ${naiveOut[i]}`);
        }
        expect(blocked.length).toBe(ref.length);
      }),
      { numRuns: 30, seed: 12 },
    );
  });

  it('k = 0 gives zeros (an empty sum), overwriting whatever was in out', () => {
    for (const kernel of [matmulBlocked, matmulNaive]) {
      const out = new Float32Array(6).fill(7);
      kernel({
        a: new Float32Array(0),
        b: new Float32Array(0),
        out,
        batch: 1,
        m: 2,
        n: 3,
        k: 0,
        transposeA: false,
        transposeB: false,
        aBatchStride: 0,
        bBatchStride: 0,
      });
      expect(Array.from(out)).toEqual([0, 0, 0, 0, 0, 0]);
    }
  });

  it('a hand-worked 2x3 @ 3x2 product in all four layouts', () => {
    const A = [
      [1, 2, 3],
      [4, 5, 6],
    ];
    const B = [
      [7, 8],
      [9, 10],
      [11, 12],
    ];
    const expected = [58, 64, 139, 154];
    const T = (m: number[][]) => m[0].map((_, j) => m.map((r) => r[j]));
    for (const transposeA of [false, true]) {
      for (const transposeB of [false, true]) {
        const a = Float64Array.from((transposeA ? T(A) : A).flat());
        const b = Float64Array.from((transposeB ? T(B) : B).flat());
        for (const kernel of [matmulBlocked, matmulNaive]) {
          const out = new Float64Array(4);
          kernel({ a, b, out, batch: 1, m: 2, n: 2, k: 3, transposeA, transposeB, aBatchStride: 6, bBatchStride: 6 });
          expect(Array.from(out)).toEqual(expected);
        }
      }
    }
  });
});
