/**
 * Gradient checks for matmul: batch dimensions (with broadcasting between them), all four transposeA /
 * transposeB combinations, and the Linear-layer case of a 2-D weight times a 3-D input. m, n, k are drawn
 * from 1..6 so that both full 4x4 tiles and the leftover edges of the blocked kernel are exercised.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matmul } from './core.ts';
import { broadcastPair, expectGradOk, runs, tensorArb } from './helpers.ts';

const mnk = fc.integer({ min: 1, max: 6 });
const flags = fc.record({ transposeA: fc.boolean(), transposeB: fc.boolean() });

/** Stored shape of an operand: [..batch, rows, cols], swapped when transposed. */
const stored = (batch: number[], rows: number, cols: number, transposed: boolean) => [...batch, ...(transposed ? [cols, rows] : [rows, cols])];

describe('gradients of matmul', () => {
  it('batched, with broadcast batch dimensions and every transpose combination', () => {
    const smallBatch = broadcastPair.filter(({ out }) => out.length <= 2 && out.every((d) => d <= 3));
    const arb = fc
      .tuple(smallBatch, mnk, mnk, mnk, flags)
      .chain(([{ a: batchA, b: batchB }, m, n, k, opts]) =>
        fc.tuple(tensorArb(stored(batchA, m, k, opts.transposeA)), tensorArb(stored(batchB, k, n, opts.transposeB))).map(([a, b]) => ({ a, b, opts, m, n })),
      );
    fc.assert(
      fc.property(arb, ({ a, b, opts, m, n }) => {
        expectGradOk((x, y) => matmul(x, y, opts), [a, b]);
        const out = matmul(a, b, opts);
        expect(out.shape.slice(-2)).toEqual([m, n]);
      }),
      runs(30),
    );
  });

  it.each([
    [false, false],
    [false, true],
    [true, false],
    [true, true],
  ])('plain 2-D product, transposeA=%s transposeB=%s', (transposeA, transposeB) => {
    const arb = fc.tuple(mnk, mnk, mnk).chain(([m, n, k]) => fc.tuple(tensorArb(stored([], m, k, transposeA)), tensorArb(stored([], k, n, transposeB))));
    fc.assert(
      fc.property(arb, ([a, b]) => expectGradOk((x, y) => matmul(x, y, { transposeA, transposeB }), [a, b])),
      runs(15),
    );
  });

  it('a 3-D input times a 2-D weight ([B, T, in] @ W^T with W [out, in], and @ W with W [in, out])', () => {
    const arb = fc
      .tuple(fc.integer({ min: 1, max: 3 }), mnk, mnk, mnk, fc.boolean())
      .chain(([B, T, inF, outF, transposeB]) =>
        fc.tuple(tensorArb([B, T, inF]), tensorArb(transposeB ? [outF, inF] : [inF, outF])).map(([x, w]) => ({ x, w, transposeB, B, T, outF })),
      );
    fc.assert(
      fc.property(arb, ({ x, w, transposeB, B, T, outF }) => {
        expectGradOk((a, b) => matmul(a, b, { transposeB }), [x, w]);
        expect(matmul(x, w, { transposeB }).shape).toEqual([B, T, outF]);
      }),
      runs(20),
    );
  });

  it('a 2-D matrix times a 3-D batch, and a transposed 3-D input times a 2-D weight', () => {
    const arb = fc
      .tuple(fc.integer({ min: 1, max: 3 }), mnk, mnk, mnk)
      .chain(([B, m, k, n]) => fc.tuple(tensorArb([m, k]), tensorArb([B, k, n]), tensorArb([B, k, m]), tensorArb([k, n])));
    fc.assert(
      fc.property(arb, ([a2, b3, a3t, b2]) => {
        expectGradOk((x, y) => matmul(x, y), [a2, b3]);
        expectGradOk((x, y) => matmul(x, y, { transposeA: true }), [a3t, b2]);
      }),
      runs(15),
    );
  });

  it('only the operand that requires a gradient gets one', () => {
    const arb = fc.tuple(mnk, mnk, mnk).chain(([m, n, k]) => fc.tuple(tensorArb([m, k]), tensorArb([k, n])));
    fc.assert(
      fc.property(arb, ([a, b]) => {
        b.requiresGrad = false;
        expectGradOk((x) => matmul(x, b), [a]);
        expect(b.grad).toBe(null);
      }),
      runs(10),
    );
  });
});
