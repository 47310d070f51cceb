/**
 * Gradient checks for the index ops: indexSelect and gather (repeated indices exercise the scatter-add),
 * and embedding, whose padding row must receive exactly zero gradient.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concat, embedding, gather, indexSelect, sum, Tensor } from './core.ts';
import { expectGradOk, runs, shapeArb, sizeOfShape, t64, tensorArb } from './helpers.ts';

/** An int32 tensor of `shape` with values in [0, high). */
function intTensorArb(shape: number[], high: number): fc.Arbitrary<Tensor> {
  const n = sizeOfShape(shape);
  return fc.array(fc.integer({ min: 0, max: high - 1 }), { minLength: n, maxLength: n }).map((v) => new Tensor(Int32Array.from(v), shape));
}

describe('gradients of index ops', () => {
  it('indexSelect along a random axis with indices of rank 0..2 (repeats allowed)', () => {
    const arb = shapeArb(1, 3).chain((shape) =>
      fc.integer({ min: 0, max: shape.length - 1 }).chain((axis) =>
        fc
          .tuple(
            tensorArb(shape),
            shapeArb(0, 2).chain((is) => intTensorArb(is, shape[axis])),
            fc.boolean(),
          )
          .map(([x, idx, neg]) => ({
            x,
            idx,
            axis: neg ? axis - shape.length : axis,
          })),
      ),
    );
    fc.assert(
      fc.property(arb, ({ x, idx, axis }) => {
        expectGradOk((t) => indexSelect(t, axis, idx), [x]);
        const a = (axis + x.rank) % x.rank;
        expect(indexSelect(x, axis, idx).shape).toEqual([...x.shape.slice(0, a), ...idx.shape, ...x.shape.slice(a + 1)]);
      }),
      runs(25),
    );
  });

  it('gather along a random axis (index sizes 1..4 on that axis)', () => {
    const arb = shapeArb(1, 3).chain((shape) =>
      fc.tuple(fc.integer({ min: 0, max: shape.length - 1 }), fc.integer({ min: 1, max: 4 })).chain(([axis, m]) =>
        fc
          .tuple(
            tensorArb(shape),
            intTensorArb(
              shape.map((d, i) => (i === axis ? m : d)),
              shape[axis],
            ),
          )
          .map(([x, index]) => ({ x, index, axis })),
      ),
    );
    fc.assert(
      fc.property(arb, ({ x, index, axis }) => expectGradOk((t) => gather(t, axis, index), [x])),
      runs(25),
    );
  });

  it('embedding: rows other than the padding row match central differences; the padding row gets exactly 0', () => {
    const arb = fc
      .tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 5 }), shapeArb(1, 2))
      .chain(([V, H, idsShape]) =>
        fc.tuple(fc.integer({ min: 0, max: V - 1 }), tensorArb([V, H]), intTensorArb(idsShape, V)).map(([pad, w, ids]) => ({ V, H, pad, w, ids })),
      );
    fc.assert(
      fc.property(arb, ({ V, H, pad, w, ids }) => {
        // Numeric check of every row but the padding one: the table is rebuilt from the rows before and after
        // it, and the padding row itself is a constant.
        const rows = w.toArray() as number[][];
        const before = t64([pad, H], rows.slice(0, pad).flat());
        const padRow = t64([1, H], rows[pad], false);
        const after = t64([V - pad - 1, H], rows.slice(pad + 1).flat());
        expectGradOk((b, a) => embedding(concat([b, padRow, a], 0), ids, pad), [before, after]);
        expectGradOk((t) => embedding(t, ids), [w]); // without paddingIdx every row is checked

        // The padding row gets exactly zero; every other row gets (number of times it appears) * upstream.
        w.grad = null;
        sum(embedding(w, ids, pad)).backward();
        const counts = new Array<number>(V).fill(0);
        for (const id of ids.data) counts[id]++;
        for (let r = 0; r < V; r++) {
          for (let j = 0; j < H; j++) expect(w.grad!.data[r * H + j]).toBe(r === pad ? 0 : counts[r]);
        }
      }),
      runs(25),
    );
  });
});
