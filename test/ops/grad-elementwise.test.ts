/**
 * Gradient checks (float64 central differences, gradcheck defaults 1e-6) for the elementwise ops:
 * broadcasting binary ops, unary ops, where / maskedFill and cast. Shapes and values are drawn by fast-check;
 * draws stay away from the points where an op is not differentiable (kinks, ties, log/sqrt of x <= 0).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  abs,
  add,
  biasGelu,
  cast,
  div,
  erf,
  exp,
  gelu,
  log,
  maskedFill,
  maximum,
  minimum,
  mul,
  neg,
  pow,
  relu,
  scale,
  sigmoid,
  sqrt,
  square,
  sub,
  sum,
  tanh,
  Tensor,
  where,
} from './core.ts';
import {
  broadcastableTo,
  broadcastOf,
  broadcastPair,
  distinctValues,
  expectGradOk,
  indices,
  readBroadcast,
  runs,
  shapeArb,
  sizeOfShape,
  t64,
  values,
  valuesAwayFromZero,
} from './helpers.ts';

/** A broadcast pair of shapes with values for each operand from the given generators. */
function pairWith(genA: (n: number) => fc.Arbitrary<number[]>, genB: (n: number) => fc.Arbitrary<number[]>) {
  return broadcastPair.chain(({ a, b }) => fc.tuple(genA(sizeOfShape(a)), genB(sizeOfShape(b))).map(([va, vb]) => [t64(a, va), t64(b, vb)] as const));
}

describe('gradients of broadcasting binary ops', () => {
  const plain = pairWith(
    (n) => values(n),
    (n) => values(n),
  );

  it.each([
    ['add', add],
    ['sub', sub],
    ['mul', mul],
  ] as const)('%s over broadcast shapes', (_name, op) => {
    fc.assert(
      fc.property(plain, ([a, b]) => expectGradOk((x, y) => op(x, y), [a, b])),
      runs(25),
    );
  });

  it('div with the divisor away from 0', () => {
    const pair = pairWith(
      (n) => values(n),
      (n) => valuesAwayFromZero(n, 0.5, 2),
    );
    fc.assert(
      fc.property(pair, ([a, b]) => expectGradOk((x, y) => div(x, y), [a, b])),
      runs(25),
    );
  });

  it('pow with a positive base, gradient to both base and exponent', () => {
    const pair = pairWith(
      (n) => values(n, 0.5, 2),
      (n) => values(n, -2, 2),
    );
    fc.assert(
      fc.property(pair, ([a, b]) => expectGradOk((x, y) => pow(x, y), [a, b])),
      runs(25),
    );
  });

  it('pow with a number exponent (any sign of base) and a number base', () => {
    const arb = shapeArb(0, 3).chain((s) => fc.tuple(values(sizeOfShape(s), -2, 2), fc.integer({ min: 0, max: 4 })).map(([v, e]) => [t64(s, v), e] as const));
    fc.assert(
      fc.property(arb, ([x, e]) => {
        expectGradOk((t) => pow(t, e), [x]);
        expectGradOk((t) => pow(1.7, t), [x]);
      }),
      runs(20),
    );
  });

  it('pow(x, 0) has gradient exactly 0, also at x = 0 (regression: was 0 * 0^-1 = NaN)', () => {
    const x = t64([3], [0, 2, -1]);
    sum(pow(x, 0)).backward();
    expect(Array.from(x.grad!.data)).toEqual([0, 0, 0]);
  });

  it.each([
    ['maximum', maximum],
    ['minimum', minimum],
  ] as const)('%s with no ties (distinct values)', (_name, op) => {
    const arb = broadcastPair.chain(({ a, b }) =>
      distinctValues(sizeOfShape(a) + sizeOfShape(b)).map((v) => [t64(a, v.slice(0, sizeOfShape(a))), t64(b, v.slice(sizeOfShape(a)))] as const),
    );
    fc.assert(
      fc.property(arb, ([a, b]) => expectGradOk((x, y) => op(x, y), [a, b])),
      runs(25),
    );
  });

  it('a number on either side is a constant: add, sub, mul, div, maximum', () => {
    const arb = shapeArb(0, 3).chain((s) => valuesAwayFromZero(sizeOfShape(s), 0.3, 2).map((v) => t64(s, v)));
    fc.assert(
      fc.property(arb, (x) => {
        expectGradOk((t) => add(2.5, t), [x]);
        expectGradOk((t) => sub(t, 1.25), [x]);
        expectGradOk((t) => sub(1.25, t), [x]);
        expectGradOk((t) => mul(t, -3), [x]);
        expectGradOk((t) => div(1, t), [x]);
        expectGradOk((t) => maximum(t, 0.1), [x]);
      }),
      runs(15),
    );
  });

  it('gradients with respect to an operand that is used on both sides (x * x, x / x)', () => {
    const arb = shapeArb(1, 3).chain((s) => valuesAwayFromZero(sizeOfShape(s), 0.5, 2).map((v) => t64(s, v)));
    fc.assert(
      fc.property(arb, (x) => {
        expectGradOk((t) => mul(t, t), [x]);
        expectGradOk((t) => div(add(t, t), t), [x]);
      }),
      runs(15),
    );
  });
});

describe('gradients of unary ops', () => {
  const unaryCases: [string, (x: Tensor) => Tensor, (n: number) => fc.Arbitrary<number[]>][] = [
    ['neg', neg, (n) => values(n)],
    ['exp', exp, (n) => values(n, -3, 3)],
    ['log', log, (n) => values(n, 0.1, 5)],
    ['sqrt', sqrt, (n) => values(n, 0.1, 5)],
    ['tanh', tanh, (n) => values(n, -4, 4)],
    // erf and gelu over every range of the rational approximation (|x| < 0.84, < 1.25, < 2.86, < 6, >= 6).
    ['erf', erf, (n) => values(n, -7, 7)],
    ['gelu', gelu, (n) => values(n, -7, 7)],
    ['relu', relu, (n) => valuesAwayFromZero(n, 0.01, 3)],
    ['abs', abs, (n) => valuesAwayFromZero(n, 0.01, 3)],
    ['sigmoid', sigmoid, (n) => values(n, -12, 12)],
    ['square', square, (n) => values(n)],
  ];
  it.each(unaryCases)('%s', (_name, op, gen) => {
    const arb = shapeArb(0, 3).chain((s) => gen(sizeOfShape(s)).map((v) => t64(s, v)));
    fc.assert(
      fc.property(arb, (x) => expectGradOk(op, [x])),
      runs(20),
    );
  });

  it('biasGelu(x, bias) with respect to x and the bias, x of any leading shape', () => {
    const arb = fc
      .tuple(shapeArb(0, 2), fc.integer({ min: 1, max: 6 }), fc.boolean())
      .chain(([lead, H, biasNeedsGrad]) =>
        fc.tuple(values(sizeOfShape(lead) * H, -5, 5), values(H, -2, 2)).map(([xv, bv]) => [t64([...lead, H], xv), t64([H], bv, biasNeedsGrad)] as const),
      );
    fc.assert(
      fc.property(arb, ([x, b]) => expectGradOk((t, u) => biasGelu(t, u), [x, b])),
      runs(20),
    );
  });

  it('scale by any constant', () => {
    const arb = shapeArb(0, 3).chain((s) =>
      fc.tuple(values(sizeOfShape(s)), fc.double({ min: -5, max: 5, noNaN: true })).map(([v, c]) => [t64(s, v), c] as const),
    );
    fc.assert(
      fc.property(arb, ([x, c]) => expectGradOk((t) => scale(t, c), [x])),
      runs(20),
    );
  });

  it('relu and abs at exactly 0 give gradient 0 (the documented subgradient)', () => {
    const x = t64([3], [0, 1, -1]);
    sum(relu(x)).backward();
    expect(Array.from(x.grad!.data)).toEqual([0, 1, 0]);
    const y = t64([3], [0, 1, -1]);
    sum(abs(y)).backward();
    expect(Array.from(y.grad!.data)).toEqual([0, 1, -1]);
  });
});

describe('gradients of where, maskedFill and cast', () => {
  it('where(cond, a, b) with all three broadcast together', () => {
    const arb = shapeArb(0, 3).chain((out) =>
      fc
        .tuple(broadcastableTo(out), broadcastableTo(out), broadcastableTo(out))
        .chain(([c, a, b]) =>
          fc
            .tuple(
              fc.array(fc.integer({ min: 0, max: 1 }), { minLength: sizeOfShape(c), maxLength: sizeOfShape(c) }),
              values(sizeOfShape(a)),
              values(sizeOfShape(b)),
            )
            .map(([vc, va, vb]) => [new Tensor(Int32Array.from(vc), c), t64(a, va), t64(b, vb)] as const),
        ),
    );
    fc.assert(
      fc.property(arb, ([c, a, b]) => expectGradOk((x, y) => where(c, x, y), [a, b])),
      runs(25),
    );
  });

  it('maskedFill with a mask broadcast to the input; filled positions get exactly zero gradient', () => {
    const arb = shapeArb(0, 3).chain((s) =>
      broadcastableTo(s).chain((m) =>
        fc
          .tuple(values(sizeOfShape(s)), fc.array(fc.integer({ min: 0, max: 1 }), { minLength: sizeOfShape(m), maxLength: sizeOfShape(m) }))
          .map(([vx, vm]) => [t64(s, vx), new Tensor(Int32Array.from(vm), m)] as const),
      ),
    );
    fc.assert(
      fc.property(arb, ([x, mask]) => {
        // A moderate fill value: a huge constant in f would cost the central differences their precision.
        expectGradOk((t) => maskedFill(t, mask, -3), [x]);
        // The filled positions: where the broadcast mask is non-zero, the gradient is exactly 0.
        x.grad = null;
        const y = maskedFill(x, mask, 5);
        sum(y).backward();
        indices(x.shape).forEach((idx, i) => {
          const masked = readBroadcast(mask.data, mask.shape, idx) !== 0;
          expect(x.grad!.data[i]).toBe(masked ? 0 : 1);
          expect(y.data[i]).toBe(masked ? 5 : x.data[i]);
        });
      }),
      runs(20),
    );
  });

  it('cast float64 -> float32 -> float64 passes the gradient through (values exact in float32, eps 2^-10)', () => {
    // Multiples of 2^-10 in [-4, 4] and their neighbours at +-2^-10 are exact in float32, so the round trip
    // loses nothing and central differences of square(cast(cast(x))) are exact.
    const arb = shapeArb(0, 3).chain((s) =>
      fc.array(fc.integer({ min: -4096, max: 4096 }), { minLength: sizeOfShape(s), maxLength: sizeOfShape(s) }).map((v) =>
        t64(
          s,
          v.map((k) => k / 1024),
        ),
      ),
    );
    fc.assert(
      fc.property(arb, (x) => {
        expectGradOk((t) => square(cast(cast(t, 'float32'), 'float64')), [x], { eps: 2 ** -10 });
        const mid = cast(x, 'float32');
        expect(mid.dtype).toBe('float32');
        expect(mid.requiresGrad).toBe(true);
      }),
      runs(15),
    );
  });

  it('cast float32 -> float64 gives the float32 input a float32 gradient equal to the upstream one', () => {
    const x = new Tensor(Float32Array.from([0.5, -1.5, 2]), [3], true);
    const y = mul(cast(x, 'float64'), t64([3], [1, 2, 3], false));
    sum(y).backward();
    expect(x.grad!.dtype).toBe('float32');
    expect(Array.from(x.grad!.data)).toEqual([1, 2, 3]);
  });

  it('cast to int32 is not differentiable; cast to the same dtype is the identity', () => {
    const x = t64([2], [1.7, -2.2]);
    const i = cast(x, 'int32');
    expect(i.dtype).toBe('int32');
    expect(Array.from(i.data)).toEqual([1, -2]);
    expect(i.requiresGrad).toBe(false);
    expect(cast(x, 'float64')).toBe(x);
  });
});

describe('broadcast shapes drawn above are really broadcasting', () => {
  // Guards the generators: if they only drew equal shapes, the tests above would not exercise sumToShape.
  it('some pairs differ in rank and some have stretched size-1 dimensions', () => {
    const samples = fc.sample(broadcastPair, { numRuns: 200, seed: 1 });
    expect(samples.some(({ a, b }) => a.length !== b.length)).toBe(true);
    expect(samples.some(({ a, out }) => a.length === out.length && a.some((d, i) => d === 1 && out[i] > 1))).toBe(true);
    for (const { a, b, out } of samples) expect(broadcastOf(a, b)).toEqual(out);
  });
});
