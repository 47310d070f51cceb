/**
 * Gradient checks for reductions (sum, mean, max, variance over random axes, with and without keepDim) and
 * for the shape ops (reshape, broadcastTo, permute, transpose, slice, concat, stack, unsqueeze, squeeze,
 * flatten).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { broadcastTo, concat, flatten, max, mean, permute, reshape, slice, squeeze, stack, sum, transpose, unsqueeze, variance, type Tensor } from './core.ts';
import { broadcastableTo, distinctValues, expectGradOk, runs, shapeArb, sizeOfShape, t64, tensorArb, values } from './helpers.ts';

/** Axis `a` of a rank-r tensor written either way: a or a - r. */
const eitherSign = (a: number, r: number, negative: boolean) => (negative ? a - r : a);

/** A shape of rank 1..3 with a set of axes to reduce (undefined = all, a single number, or a list) and keepDim. */
const reduction = shapeArb(1, 3).chain((shape) =>
  fc.record({
    shape: fc.constant(shape),
    axes: fc.oneof(
      fc.constant(undefined),
      fc.integer({ min: -shape.length, max: shape.length - 1 }),
      fc
        .tuple(
          fc.subarray(
            shape.map((_, i) => i),
            { minLength: 1 },
          ),
          fc.array(fc.boolean(), { minLength: shape.length, maxLength: shape.length }),
        )
        .chain(([axes, neg]) =>
          fc.shuffledSubarray(axes, { minLength: axes.length, maxLength: axes.length }).map((order) => order.map((a) => eitherSign(a, shape.length, neg[a]))),
        ),
    ),
    keepDim: fc.boolean(),
  }),
);

describe('gradients of reductions', () => {
  it('sum over random axes', () => {
    const arb = reduction.chain((r) => tensorArb(r.shape).map((x) => ({ ...r, x })));
    fc.assert(
      fc.property(arb, ({ x, axes, keepDim }) => expectGradOk((t) => sum(t, axes, { keepDim }), [x])),
      runs(25),
    );
  });

  it('mean over random axes', () => {
    const arb = reduction.chain((r) => tensorArb(r.shape).map((x) => ({ ...r, x })));
    fc.assert(
      fc.property(arb, ({ x, axes, keepDim }) => expectGradOk((t) => mean(t, axes, { keepDim }), [x])),
      runs(25),
    );
  });

  it('max over random axes (distinct values, so no ties)', () => {
    const arb = reduction.chain((r) => distinctValues(sizeOfShape(r.shape)).map((v) => ({ ...r, x: t64(r.shape, v) })));
    fc.assert(
      fc.property(arb, ({ x, axes, keepDim }) => expectGradOk((t) => max(t, axes, { keepDim }), [x])),
      runs(25),
    );
  });

  it('max splits the gradient evenly between tied maxima', () => {
    const x = t64([2, 3], [1, 5, 5, 2, 2, 2]);
    max(x, 1).backward(t64([2], [6, 3], false));
    expect(Array.from(x.grad!.data)).toEqual([0, 3, 3, 1, 1, 1]);
  });

  it('variance over random axes, population and sample (correction 1)', () => {
    const arb = reduction.chain((r) => fc.tuple(tensorArb(r.shape), fc.integer({ min: 0, max: 1 })).map(([x, correction]) => ({ ...r, x, correction })));
    fc.assert(
      fc.property(arb, ({ x, axes, keepDim, correction }) => {
        const list = axes === undefined ? x.shape.map((_, i) => i) : typeof axes === 'number' ? [axes] : axes;
        const n = list.reduce((c, a) => c * x.shape[(a + x.rank) % x.rank], 1);
        fc.pre(n - correction > 0);
        expectGradOk((t) => variance(t, axes, { keepDim, correction }), [x]);
      }),
      runs(25),
    );
  });
});

describe('gradients of shape ops', () => {
  it('reshape to a reordering of the dimensions, with 1s inserted and possibly one -1', () => {
    const arb = shapeArb(0, 3).chain((shape) =>
      fc
        .tuple(fc.shuffledSubarray(shape, { minLength: shape.length, maxLength: shape.length }), fc.integer({ min: 0, max: 2 }), fc.boolean(), tensorArb(shape))
        .chain(([dims, ones, useInfer, x]) =>
          fc.integer({ min: 0, max: Math.max(0, dims.length + ones - 1) }).map((inferAt) => {
            const target = [...dims, ...Array<number>(ones).fill(1)];
            if (useInfer && target.length > 0) target[Math.min(inferAt, target.length - 1)] = -1;
            return { x, target };
          }),
        ),
    );
    fc.assert(
      fc.property(arb, ({ x, target }) => {
        expectGradOk((t) => reshape(t, target), [x]);
        expect(reshape(x, target).size).toBe(x.size);
      }),
      runs(25),
    );
  });

  it('flatten, unsqueeze and squeeze', () => {
    const arb = shapeArb(0, 3).chain((shape) =>
      fc.tuple(tensorArb(shape), fc.integer({ min: -(shape.length + 1), max: shape.length })).map(([x, axis]) => ({ x, axis })),
    );
    fc.assert(
      fc.property(arb, ({ x, axis }) => {
        expectGradOk((t) => flatten(t), [x]);
        expectGradOk((t) => unsqueeze(t, axis), [x]);
        expectGradOk((t) => squeeze(unsqueeze(t, axis), axis), [x]);
        const r = x.rank + 1;
        expect(unsqueeze(x, axis).shape[(axis + r) % r]).toBe(1);
      }),
      runs(20),
    );
  });

  it('broadcastTo a larger shape (the gradient sums back over stretched axes)', () => {
    const arb = shapeArb(0, 4).chain((out) => broadcastableTo(out).chain((s) => tensorArb(s).map((x) => ({ x, out }))));
    fc.assert(
      fc.property(arb, ({ x, out }) => expectGradOk((t) => broadcastTo(t, out), [x])),
      runs(25),
    );
  });

  it('permute by a random permutation (axes written either sign) and transpose of two random axes', () => {
    const arb = shapeArb(1, 4).chain((shape) =>
      fc.tuple(
        tensorArb(shape),
        fc.shuffledSubarray(
          shape.map((_, i) => i),
          { minLength: shape.length, maxLength: shape.length },
        ),
        fc.array(fc.boolean(), { minLength: shape.length, maxLength: shape.length }),
        fc.integer({ min: 0, max: shape.length - 1 }),
        fc.integer({ min: 0, max: shape.length - 1 }),
      ),
    );
    fc.assert(
      fc.property(arb, ([x, perm, neg, d0, d1]) => {
        const dims = perm.map((d, i) => eitherSign(d, x.rank, neg[i]));
        expectGradOk((t) => permute(t, dims), [x]);
        expectGradOk((t) => transpose(t, d0, d1), [x]);
      }),
      runs(25),
    );
  });

  it('slice along a random axis, with negative start/end', () => {
    const arb = shapeArb(1, 3).chain((shape) =>
      fc.integer({ min: 0, max: shape.length - 1 }).chain((axis) =>
        fc
          .tuple(fc.integer({ min: 0, max: shape[axis] }), fc.integer({ min: 0, max: shape[axis] }), fc.boolean(), fc.boolean(), tensorArb(shape))
          .map(([p, q, negStart, negEnd]) => {
            const n = shape[axis];
            const [s, e] = p <= q ? [p, q] : [q, p];
            return { shape, axis, start: negStart && s < n ? s - n : s, end: negEnd && e < n ? e - n : e };
          })
          .chain((r) => tensorArb(r.shape).map((x) => ({ ...r, x }))),
      ),
    );
    fc.assert(
      fc.property(arb, ({ x, axis, start, end }) => {
        const y = slice(x, axis, start, end);
        fc.pre(y.size > 0); // an empty slice has nothing to check
        expectGradOk((t) => slice(t, axis, start, end), [x]);
      }),
      runs(25),
    );
  });

  it('concat of 1..3 tensors differing only along the axis', () => {
    const arb = shapeArb(1, 3).chain((shape) =>
      fc
        .tuple(fc.integer({ min: 0, max: shape.length - 1 }), fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }), fc.boolean())
        .chain(([axis, lengths, neg]) =>
          fc.tuple(...lengths.map((len) => tensorArb(shape.map((d, i) => (i === axis ? len : d))))).map((ts) => ({
            ts: ts as Tensor[],
            axis: eitherSign(axis, shape.length, neg),
          })),
        ),
    );
    fc.assert(
      fc.property(arb, ({ ts, axis }) => expectGradOk((...t) => concat(t, axis), ts)),
      runs(25),
    );
  });

  it('concat where one input needs no gradient', () => {
    const a = t64([2, 2], [1, 2, 3, 4]);
    const b = t64([2, 1], [5, 6], false);
    expectGradOk((x) => concat([x, b], 1), [a]);
    expect(b.grad).toBe(null);
  });

  it('stack of 1..3 same-shape tensors on a new axis (either sign)', () => {
    const arb = shapeArb(0, 3).chain((shape) =>
      fc
        .tuple(fc.integer({ min: -(shape.length + 1), max: shape.length }), fc.integer({ min: 1, max: 3 }))
        .chain(([axis, k]) => fc.array(values(sizeOfShape(shape)), { minLength: k, maxLength: k }).map((vs) => ({ ts: vs.map((v) => t64(shape, v)), axis }))),
    );
    fc.assert(
      fc.property(arb, ({ ts, axis }) => expectGradOk((...t) => stack(t, axis), ts)),
      runs(25),
    );
  });
});
