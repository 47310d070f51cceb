/**
 * Forward results against naive float64 references written here with plain loops over nested indices:
 * broadcasting binary ops, reductions over random axes (keepDim), matmul (batch broadcast, transposes),
 * permute, slice / concat, gather / indexSelect, softmax / logSoftmax and layerNorm, in float32 and float64.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  add,
  argmax,
  biasGelu,
  concat,
  div,
  eq,
  geluScalar,
  gather,
  ge,
  gt,
  indexSelect,
  layerNorm,
  le,
  logSoftmax,
  lt,
  matmul,
  max,
  maximum,
  mean,
  minimum,
  mul,
  ne,
  permute,
  pow,
  scaledMaskedSoftmax,
  slice,
  softmax,
  sub,
  sum,
  Tensor,
  variance,
  type DType,
} from './core.ts';
import { broadcastableTo, broadcastPair, expectClose, indices, offsetOf, readBroadcast, runs, shapeArb, sizeOfShape, values } from './helpers.ts';

const floatDType = fc.constantFrom<DType>('float32', 'float64');

/** A tensor of `dtype` from `vals` (float32 rounds them; the reference then reads the rounded values back). */
const make = (dtype: DType, shape: readonly number[], vals: readonly number[]) =>
  new Tensor(dtype === 'float32' ? Float32Array.from(vals) : Float64Array.from(vals), shape);

/** Tolerance for comparing with a float64 reference: tight in float64, float32 precision otherwise. */
const tol = (dtype: DType) => (dtype === 'float64' ? 1e-12 : 2e-6);

/** `arb` of shape paired with a dtype and a tensor of it. */
const tensorOf = (shape: number[], min = -2, max = 2) => fc.tuple(floatDType, values(sizeOfShape(shape), min, max)).map(([dtype, v]) => make(dtype, shape, v));

describe('broadcasting binary ops match the elementwise definition', () => {
  const cases: [string, (a: Tensor, b: Tensor) => Tensor, (x: number, y: number) => number][] = [
    ['add', add, (x, y) => x + y],
    ['sub', sub, (x, y) => x - y],
    ['mul', mul, (x, y) => x * y],
    ['div', div, (x, y) => x / y],
    ['pow', pow, (x, y) => Math.pow(x, y)],
    ['maximum', maximum, Math.max],
    ['minimum', minimum, Math.min],
  ];
  const arb = fc
    .tuple(broadcastPair, floatDType)
    .chain(([{ a, b, out }, dtype]) =>
      fc.tuple(values(sizeOfShape(a), 0.25, 3), values(sizeOfShape(b), -3, 3)).map(([va, vb]) => ({ A: make(dtype, a, va), B: make(dtype, b, vb), out })),
    );

  it.each(cases)('%s, exactly (one rounding of an exact operation)', (_name, op, f) => {
    fc.assert(
      fc.property(arb, ({ A, B, out }) => {
        const y = op(A, B);
        expect(y.shape).toEqual(out);
        expect(y.dtype).toBe(A.dtype);
        const round = A.dtype === 'float32' ? Math.fround : (v: number) => v;
        const expected = indices(out).map((idx) => round(f(readBroadcast(A.data, A.shape, idx), readBroadcast(B.data, B.shape, idx))));
        expect(Array.from(y.data)).toEqual(expected);
      }),
      runs(30),
    );
  });

  it.each(cases.slice(0, 4))('%s, exactly, on the layouts with loops of their own (same shape; a row added to every row)', (_name, op, f) => {
    const layouts = fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 7 }), fc.boolean(), floatDType);
    const arb = layouts.chain(([rows, cols, sameShape, dtype]) =>
      fc.tuple(values(rows * cols, 0.25, 3), values(sameShape ? rows * cols : cols, 0.25, 3)).map(([va, vb]) => ({
        A: make(dtype, [rows, cols], va),
        B: make(dtype, sameShape ? [rows, cols] : [cols], vb),
        rows,
        cols,
      })),
    );
    fc.assert(
      fc.property(arb, ({ A, B, rows, cols }) => {
        const y = op(A, B);
        const round = A.dtype === 'float32' ? Math.fround : (v: number) => v;
        const expected = indices([rows, cols]).map((idx) => round(f(readBroadcast(A.data, A.shape, idx), readBroadcast(B.data, B.shape, idx))));
        expect(y.shape).toEqual([rows, cols]);
        expect(Array.from(y.data)).toEqual(expected);
      }),
      runs(30),
    );
  });

  it('comparisons give int32 masks of the broadcast shape', () => {
    const cmp: [(a: Tensor, b: Tensor) => Tensor, (x: number, y: number) => boolean][] = [
      [eq, (x, y) => x === y],
      [ne, (x, y) => x !== y],
      [lt, (x, y) => x < y],
      [le, (x, y) => x <= y],
      [gt, (x, y) => x > y],
      [ge, (x, y) => x >= y],
    ];
    const small = broadcastPair.chain(({ a, b, out }) =>
      fc
        .tuple(
          fc.array(fc.integer({ min: 0, max: 2 }), { minLength: sizeOfShape(a), maxLength: sizeOfShape(a) }),
          fc.array(fc.integer({ min: 0, max: 2 }), { minLength: sizeOfShape(b), maxLength: sizeOfShape(b) }),
        )
        .map(([va, vb]) => ({ A: make('float32', a, va), B: make('float32', b, vb), out })),
    );
    fc.assert(
      fc.property(small, ({ A, B, out }) => {
        for (const [op, f] of cmp) {
          const y = op(A, B);
          expect(y.dtype).toBe('int32');
          expect(Array.from(y.data)).toEqual(indices(out).map((idx) => (f(readBroadcast(A.data, A.shape, idx), readBroadcast(B.data, B.shape, idx)) ? 1 : 0)));
        }
      }),
      runs(20),
    );
  });
});

describe('reductions over random axes match grouping by the kept index', () => {
  /** Reference: the values of x grouped by their index with the reduced axes set to 0, in keepDim order. */
  function groups(x: Tensor, axes: number[]): { keptShape: number[]; members: number[][] } {
    const keptShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    const members: number[][] = Array.from({ length: sizeOfShape(keptShape) }, () => []);
    for (const idx of indices(x.shape)) {
      const kept = idx.map((v, i) => (axes.includes(i) ? 0 : v));
      members[offsetOf(keptShape, kept)].push(x.data[offsetOf(x.shape, idx)]);
    }
    return { keptShape, members };
  }
  const meanOf = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

  const arb = shapeArb(1, 4).chain((shape) =>
    fc.tuple(tensorOf(shape), fc.subarray(shape.map((_, i) => i)), fc.boolean()).map(([x, axes, keepDim]) => ({ x, axes, keepDim })),
  );

  it('sum, mean, max and variance (correction 0 and 1) with and without keepDim', () => {
    fc.assert(
      fc.property(arb, ({ x, axes, keepDim }) => {
        const { keptShape, members } = groups(x, axes);
        const shape = keepDim ? keptShape : x.shape.filter((_, i) => !axes.includes(i));
        const check = (y: Tensor, expected: number[], what: string) => {
          expect(y.shape, what).toEqual(shape);
          expectClose(y.data, expected, tol(x.dtype), tol(x.dtype), what);
        };
        check(
          sum(x, axes, { keepDim }),
          members.map((v) => v.reduce((a, b) => a + b, 0)),
          'sum',
        );
        check(mean(x, axes, { keepDim }), members.map(meanOf), 'mean');
        check(
          max(x, axes, { keepDim }),
          members.map((v) => Math.max(...v)),
          'max',
        );
        check(
          variance(x, axes, { keepDim }),
          members.map((v) => meanOf(v.map((e) => (e - meanOf(v)) ** 2))),
          'variance',
        );
        if (members[0].length > 1) {
          const sample = members.map((v) => v.reduce((a, e) => a + (e - meanOf(v)) ** 2, 0) / (v.length - 1));
          check(variance(x, axes, { keepDim, correction: 1 }), sample, 'sample variance');
        }
      }),
      runs(40),
    );
  });

  it('argmax along an axis is the index of the first maximum (ties: the first), int32, keepDim optional', () => {
    const arb = shapeArb(1, 3).chain((shape) =>
      fc
        .tuple(
          fc.array(fc.integer({ min: 0, max: 3 }), { minLength: sizeOfShape(shape), maxLength: sizeOfShape(shape) }), // many ties
          fc.integer({ min: 0, max: shape.length - 1 }),
          fc.boolean(),
        )
        .map(([v, axis, keepDim]) => ({ x: make('float32', shape, v), axis, keepDim })),
    );
    fc.assert(
      fc.property(arb, ({ x, axis, keepDim }) => {
        const y = argmax(x, axis, { keepDim });
        expect(y.dtype).toBe('int32');
        const kept = x.shape.map((d, i) => (i === axis ? 1 : d));
        expect(y.shape).toEqual(keepDim ? kept : x.shape.filter((_, i) => i !== axis));
        const expected = indices(kept).map((o) => {
          let best = 0;
          for (let j = 1; j < x.shape[axis]; j++) {
            const at = (k: number) =>
              x.data[
                offsetOf(
                  x.shape,
                  o.map((v, i) => (i === axis ? k : v)),
                )
              ];
            if (at(j) > at(best)) best = j;
          }
          return best;
        });
        expect(Array.from(y.data)).toEqual(expected);
        const flat = Array.from(x.data);
        expect(argmax(x).item()).toBe(flat.indexOf(Math.max(...flat)));
      }),
      runs(30),
    );
  });

  it('reducing over all axes (axes omitted) gives a scalar', () => {
    fc.assert(
      fc.property(
        shapeArb(0, 3).chain((s) => tensorOf(s)),
        (x) => {
          const all = Array.from(x.data);
          const s = sum(x);
          expect(s.shape).toEqual([]);
          expectClose(s.data, [all.reduce((a, b) => a + b, 0)], tol(x.dtype), tol(x.dtype));
          expectClose(max(x, undefined, { keepDim: true }).data, [Math.max(...all)], 0);
          expect(max(x, undefined, { keepDim: true }).shape).toEqual(x.shape.map(() => 1));
        },
      ),
      runs(20),
    );
  });
});

describe('matmul matches a plain triple loop over broadcast batches', () => {
  it('random batch shapes, m/n/k in 1..9, every transpose combination, float32 and float64', () => {
    const d = fc.integer({ min: 1, max: 9 });
    const arb = fc
      .tuple(
        broadcastPair.filter(({ out }) => out.length <= 2 && out.every((x) => x <= 3)),
        d,
        d,
        d,
        fc.boolean(),
        fc.boolean(),
        floatDType,
      )
      .chain(([{ a: ba, b: bb, out: batch }, m, n, k, tA, tB, dtype]) => {
        const sa = [...ba, ...(tA ? [k, m] : [m, k])];
        const sb = [...bb, ...(tB ? [n, k] : [k, n])];
        return fc.tuple(values(sizeOfShape(sa)), values(sizeOfShape(sb))).map(([va, vb]) => ({
          A: make(dtype, sa, va),
          B: make(dtype, sb, vb),
          batch,
          m,
          n,
          k,
          tA,
          tB,
        }));
      });
    fc.assert(
      fc.property(arb, ({ A, B, batch, m, n, k, tA, tB }) => {
        const y = matmul(A, B, { transposeA: tA, transposeB: tB });
        const outShape = [...batch, m, n];
        expect(y.shape).toEqual(outShape);
        const ba = A.shape.slice(0, -2);
        const bb = B.shape.slice(0, -2);
        const expected = indices(outShape).map((idx) => {
          const bIdx = idx.slice(0, -2);
          const [i, j] = idx.slice(-2);
          let s = 0;
          for (let p = 0; p < k; p++) {
            const av = readBroadcast(A.data, A.shape, [...bIdx, ...(tA ? [p, i] : [i, p])].slice(bIdx.length - ba.length));
            const bv = readBroadcast(B.data, B.shape, [...bIdx, ...(tB ? [j, p] : [p, j])].slice(bIdx.length - bb.length));
            s += av * bv;
          }
          return s;
        });
        // float32 kernels accumulate in float64 and round per block of k: one float32 rounding per element here.
        expectClose(y.data, expected, A.dtype === 'float64' ? 1e-12 : 1e-5, A.dtype === 'float64' ? 1e-12 : 1e-6, 'matmul');
      }),
      runs(40),
    );
  });
});

describe('permute, slice, concat, gather and indexSelect match their index definitions (exactly)', () => {
  it('permute: out[i0..in] = x[i at inverse positions]', () => {
    const arb = shapeArb(0, 4).chain((shape) =>
      fc.tuple(
        tensorOf(shape),
        fc.shuffledSubarray(
          shape.map((_, i) => i),
          { minLength: shape.length, maxLength: shape.length },
        ),
      ),
    );
    fc.assert(
      fc.property(arb, ([x, perm]) => {
        const y = permute(x, perm);
        expect(y.shape).toEqual(perm.map((p) => x.shape[p]));
        const expected = indices(y.shape).map((idx) => {
          const src = new Array<number>(x.rank);
          perm.forEach((p, i) => (src[p] = idx[i]));
          return x.data[offsetOf(x.shape, src)];
        });
        expect(Array.from(y.data)).toEqual(expected);
      }),
      runs(30),
    );
  });

  it('slice(x, axis, start, end) and concat of consecutive slices gives x back', () => {
    const arb = shapeArb(1, 3).chain((shape) =>
      fc.integer({ min: 0, max: shape.length - 1 }).chain((axis) =>
        fc.tuple(tensorOf(shape), fc.integer({ min: 0, max: shape[axis] }), fc.integer({ min: 0, max: shape[axis] })).map(([x, p, q]) => ({
          x,
          axis,
          start: Math.min(p, q),
          end: Math.max(p, q),
        })),
      ),
    );
    fc.assert(
      fc.property(arb, ({ x, axis, start, end }) => {
        const y = slice(x, axis, start, end);
        const expected = indices(y.shape).map(
          (idx) =>
            x.data[
              offsetOf(
                x.shape,
                idx.map((v, i) => (i === axis ? v + start : v)),
              )
            ],
        );
        expect(Array.from(y.data)).toEqual(expected);
        // Negative indices count from the end (-0 is 0, so only positions before the end can be written so).
        const n = x.shape[axis];
        expect(Array.from(slice(x, axis - x.rank, start < n ? start - n : start, end < n ? end - n : undefined).data)).toEqual(expected);
        const parts = [slice(x, axis, 0, start), y, slice(x, axis, end)];
        const back = concat(parts, axis);
        expect(back.shape).toEqual(x.shape);
        expect(Array.from(back.data)).toEqual(Array.from(x.data));
      }),
      runs(30),
    );
  });

  it('concat along an axis: element i of the axis comes from the tensor whose range holds i', () => {
    const arb = shapeArb(1, 3).chain((shape) =>
      fc.tuple(fc.integer({ min: 0, max: shape.length - 1 }), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 4 })).chain(([axis, lens]) =>
        fc.tuple(floatDType, fc.tuple(...lens.map((l) => values(sizeOfShape(shape.map((d, i) => (i === axis ? l : d))))))).map(([dtype, vs]) => ({
          axis,
          ts: vs.map((v, t) =>
            make(
              dtype,
              shape.map((d, i) => (i === axis ? lens[t] : d)),
              v,
            ),
          ),
        })),
      ),
    );
    fc.assert(
      fc.property(arb, ({ axis, ts }) => {
        const y = concat(ts, axis);
        const expected = indices(y.shape).map((idx) => {
          let i = idx[axis];
          let t = 0;
          while (i >= ts[t].shape[axis]) i -= ts[t++].shape[axis];
          return ts[t].data[
            offsetOf(
              ts[t].shape,
              idx.map((v, d) => (d === axis ? i : v)),
            )
          ];
        });
        expect(Array.from(y.data)).toEqual(expected);
      }),
      runs(30),
    );
  });

  it('indexSelect: out[before, j.., after] = x[before, idx[j..], after]; gather: out[..j..] = x[..index[..j..]..]', () => {
    const arb = shapeArb(1, 3).chain((shape) =>
      fc.tuple(fc.integer({ min: 0, max: shape.length - 1 }), shapeArb(0, 2), fc.integer({ min: 1, max: 4 })).chain(([axis, idxShape, m]) => {
        const gShape = shape.map((d, i) => (i === axis ? m : d));
        const ints = (n: number) => fc.array(fc.integer({ min: 0, max: shape[axis] - 1 }), { minLength: n, maxLength: n });
        return fc.tuple(tensorOf(shape), ints(sizeOfShape(idxShape)), ints(sizeOfShape(gShape))).map(([x, iv, gv]) => ({
          x,
          axis,
          idx: new Tensor(Int32Array.from(iv), idxShape),
          index: new Tensor(Int32Array.from(gv), gShape),
        }));
      }),
    );
    fc.assert(
      fc.property(arb, ({ x, axis, idx, index }) => {
        const y = indexSelect(x, axis, idx);
        const expectedSelect = indices(y.shape).map((o) => {
          const before = o.slice(0, axis);
          const j = o.slice(axis, axis + idx.rank);
          const after = o.slice(axis + idx.rank);
          return x.data[offsetOf(x.shape, [...before, idx.data[offsetOf(idx.shape, j)], ...after])];
        });
        expect(Array.from(y.data)).toEqual(expectedSelect);
        const g = gather(x, axis, index);
        expect(g.shape).toEqual(index.shape);
        const expectedGather = indices(index.shape).map(
          (o) =>
            x.data[
              offsetOf(
                x.shape,
                o.map((v, d) => (d === axis ? index.data[offsetOf(index.shape, o)] : v)),
              )
            ],
        );
        expect(Array.from(g.data)).toEqual(expectedGather);
      }),
      runs(30),
    );
  });
});

describe('softmax, logSoftmax and layerNorm match their formulas', () => {
  /** The index lists of every line along `axis`: one list of flat offsets per position of the other axes. */
  function lines(shape: readonly number[], axis: number): number[][] {
    const other = shape.map((d, i) => (i === axis ? 1 : d));
    return indices(other).map((o) =>
      Array.from({ length: shape[axis] }, (_, j) =>
        offsetOf(
          shape,
          o.map((v, i) => (i === axis ? j : v)),
        ),
      ),
    );
  }

  it('softmax and logSoftmax along a random axis (float64 reference, logits up to 30 in size)', () => {
    const arb = shapeArb(1, 3).chain((shape) => fc.tuple(tensorOf(shape, -30, 30), fc.integer({ min: 0, max: shape.length - 1 })));
    fc.assert(
      fc.property(arb, ([x, axis]) => {
        const sm = new Array<number>(x.size);
        const lsm = new Array<number>(x.size);
        for (const line of lines(x.shape, axis)) {
          const v = line.map((o) => x.data[o]);
          const m = Math.max(...v);
          const z = v.reduce((a, e) => a + Math.exp(e - m), 0);
          line.forEach((o, j) => {
            sm[o] = Math.exp(v[j] - m) / z;
            lsm[o] = v[j] - m - Math.log(z);
          });
        }
        expectClose(softmax(x, axis).data, sm, x.dtype === 'float64' ? 1e-15 : 1e-7, tol(x.dtype), 'softmax');
        expectClose(logSoftmax(x, axis).data, lsm, x.dtype === 'float64' ? 1e-12 : 1e-5, tol(x.dtype), 'logSoftmax');
      }),
      runs(30),
    );
  });

  it('scaledMaskedSoftmax(scores, c, mask) = softmax(c * scores + mask) with the mask broadcast (or absent)', () => {
    const arb = shapeArb(1, 4).chain((shape) =>
      fc
        .tuple(tensorOf(shape, -5, 5), fc.double({ min: -3, max: 3, noNaN: true }), fc.option(broadcastableTo(shape), { nil: undefined }))
        .chain(([x, c, m]) => (m ? values(sizeOfShape(m), -4, 4).map((v) => make(x.dtype, m, v)) : fc.constant(undefined)).map((mask) => ({ x, c, mask }))),
    );
    fc.assert(
      fc.property(arb, ({ x, c, mask }) => {
        const z = indices(x.shape).map((idx, i) => c * x.data[i] + (mask ? readBroadcast(mask.data, mask.shape, idx) : 0));
        const expected = new Array<number>(x.size);
        const cols = x.shape[x.rank - 1];
        for (let o = 0; o < x.size; o += cols) {
          const row = z.slice(o, o + cols);
          const m = Math.max(...row);
          const total = row.reduce((a, e) => a + Math.exp(e - m), 0);
          row.forEach((e, j) => (expected[o + j] = Math.exp(e - m) / total));
        }
        const y = scaledMaskedSoftmax(x, c, mask);
        expect(y.shape).toEqual(x.shape);
        // float32 rounds c * x and the sum with the mask before the exponential: a few float32 ulps of |z|.
        expectClose(y.data, expected, x.dtype === 'float64' ? 1e-14 : 1e-5, tol(x.dtype), 'scaledMaskedSoftmax');
      }),
      runs(30),
    );
  });

  it('biasGelu(x, b) = gelu(x + b) elementwise, with b along the last axis', () => {
    const arb = fc
      .tuple(shapeArb(0, 2), fc.integer({ min: 1, max: 7 }), floatDType)
      .chain(([lead, H, dtype]) =>
        fc.tuple(values(sizeOfShape(lead) * H, -6, 6), values(H, -2, 2)).map(([xv, bv]) => ({ x: make(dtype, [...lead, H], xv), b: make(dtype, [H], bv), H })),
      );
    fc.assert(
      fc.property(arb, ({ x, b, H }) => {
        const round = x.dtype === 'float32' ? Math.fround : (v: number) => v;
        // x + b is rounded to the dtype first (as add() would), then GELU: x Phi(x) with Phi from erf.
        const expected = Array.from(x.data, (v, i) => geluScalar(round(v + b.data[i % H])));
        expectClose(biasGelu(x, b).data, expected, x.dtype === 'float64' ? 1e-15 : 1e-6, tol(x.dtype), 'biasGelu');
      }),
      runs(30),
    );
  });

  it('layerNorm over the last axis: (x - mean) / sqrt(var + eps) * weight + bias', () => {
    const arb = fc.tuple(shapeArb(0, 2), fc.integer({ min: 1, max: 9 }), floatDType, fc.constantFrom(1e-12, 1e-5)).chain(([lead, H, dtype, eps]) =>
      fc.tuple(values(sizeOfShape(lead) * H, -3, 3), values(H), values(H)).map(([xv, wv, bv]) => ({
        x: make(dtype, [...lead, H], xv),
        w: make(dtype, [H], wv),
        b: make(dtype, [H], bv),
        eps,
        H,
      })),
    );
    fc.assert(
      fc.property(arb, ({ x, w, b, eps, H }) => {
        const expected: number[] = [];
        for (let o = 0; o < x.size; o += H) {
          const row = Array.from(x.data.subarray(o, o + H));
          const mu = row.reduce((a, e) => a + e, 0) / H;
          const v = row.reduce((a, e) => a + (e - mu) ** 2, 0) / H;
          row.forEach((e, j) => expected.push(((e - mu) / Math.sqrt(v + eps)) * w.data[j] + b.data[j]));
        }
        const y = layerNorm(x, w, b, eps);
        expect(y.shape).toEqual(x.shape);
        expectClose(y.data, expected, x.dtype === 'float64' ? 1e-12 : 1e-6, tol(x.dtype), 'layerNorm');
      }),
      runs(30),
    );
  });
});
