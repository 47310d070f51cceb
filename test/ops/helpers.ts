/**
 * Shared pieces of the ops tests: fast-check arbitraries for shapes and values, a gradcheck assertion, and
 * plain nested-index helpers that the naive float64 references are written with.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { gradcheck, Tensor, type GradcheckOptions, type Shape } from './core.ts';

/** Fixed fast-check parameters: deterministic runs, modest counts (gradcheck is O(elements) forwards). */
export const runs = (numRuns = 20, seed = 4242) => ({ numRuns, seed });

/** A dimension size: 1 (broadcast / degenerate), 2..4, and 5 (above the 4-wide matmul tile). */
export const dim = fc.integer({ min: 1, max: 5 });

/** A shape of rank minRank..maxRank with sizes 1..5. */
export const shapeArb = (minRank = 0, maxRank = 3): fc.Arbitrary<number[]> => fc.array(dim, { minLength: minRank, maxLength: maxRank });

/**
 * A shape that broadcasts to `out`: some leading dimensions dropped, some of the rest set to 1.
 * (Broadcasting aligns from the right, so this is every shape that broadcasts to `out`.)
 */
export function broadcastableTo(out: readonly number[]): fc.Arbitrary<number[]> {
  return fc
    .tuple(fc.integer({ min: 0, max: out.length }), fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }))
    .map(([drop, ones]) => out.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)));
}

/** Two shapes that broadcast together, with their broadcast shape. */
export const broadcastPair: fc.Arbitrary<{ a: number[]; b: number[]; out: number[] }> = shapeArb(0, 3).chain((out) =>
  fc.tuple(broadcastableTo(out), broadcastableTo(out)).map(([a, b]) => ({ a, b, out: broadcastOf(a, b) })),
);

/** The broadcast shape of a and b (both known to be compatible). */
export function broadcastOf(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    out.push(Math.max(da, db));
  }
  return out;
}

export function sizeOfShape(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

/** `n` doubles in [min, max] (no NaN/Infinity). */
export function values(n: number, min = -2, max = 2): fc.Arbitrary<number[]> {
  return fc.array(fc.double({ min, max, noNaN: true, noDefaultInfinity: true }), { minLength: n, maxLength: n });
}

/** Values whose magnitude is at least `gap` (away from a kink at 0): |v| in [gap, max], either sign. */
export function valuesAwayFromZero(n: number, gap = 0.05, max = 2): fc.Arbitrary<number[]> {
  return fc.array(
    fc.tuple(fc.double({ min: gap, max, noNaN: true }), fc.boolean()).map(([m, neg]) => (neg ? -m : m)),
    { minLength: n, maxLength: n },
  );
}

/** Distinct values: n different multiples of 1/64 in [-4, 4], in random order (so no ties within 2 eps). */
export function distinctValues(n: number): fc.Arbitrary<number[]> {
  return fc.uniqueArray(fc.integer({ min: -256, max: 256 }), { minLength: n, maxLength: n }).map((xs) => xs.map((x) => x / 64));
}

/** A float64 tensor of `shape` from `vals`, requiring a gradient by default. */
export function t64(shape: readonly number[], vals: readonly number[], requiresGrad = true): Tensor {
  return new Tensor(Float64Array.from(vals), shape, requiresGrad);
}

/** A float64 tensor arbitrary for a fixed shape. */
export function tensorArb(shape: readonly number[], min = -2, max = 2): fc.Arbitrary<Tensor> {
  return values(sizeOfShape(shape), min, max).map((v) => t64(shape, v));
}

/** Assert that backward() agrees with central differences (gradcheck defaults: eps 1e-6, atol = rtol = 1e-6). */
export function expectGradOk(fn: (...inputs: Tensor[]) => Tensor, inputs: Tensor[], opts?: GradcheckOptions): void {
  const r = gradcheck(fn, inputs, opts);
  if (!r.ok) {
    const shapes = inputs.map((t) => `[${t.shape.join(',')}]`).join(', ');
    throw new Error(`gradcheck failed for inputs ${shapes}: worst ratio ${r.worstRatio.toFixed(3)} at ${r.worst}`);
  }
  expect(r.worstRatio).toBeLessThanOrEqual(1);
}

// ---------------------------------------------------------------------------------------------------------------
// Plain nested-index helpers for the references.

/** Every multi-index of `shape`, in row-major order. */
export function indices(shape: readonly number[]): number[][] {
  const out: number[][] = [];
  const rec = (prefix: number[]): void => {
    if (prefix.length === shape.length) {
      out.push(prefix);
      return;
    }
    for (let i = 0; i < shape[prefix.length]; i++) rec([...prefix, i]);
  };
  rec([]);
  return out;
}

/** Row-major flat offset of `index` in `shape`. */
export function offsetOf(shape: readonly number[], index: readonly number[]): number {
  let off = 0;
  for (let d = 0; d < shape.length; d++) off = off * shape[d] + index[d];
  return off;
}

/** Element of a tensor of `shape` read at `outIndex` of a (larger) broadcast shape: right-aligned, size-1 dims read 0. */
export function readBroadcast(data: ArrayLike<number>, shape: readonly number[], outIndex: readonly number[]): number {
  const lead = outIndex.length - shape.length;
  const idx = shape.map((d, i) => (d === 1 ? 0 : outIndex[i + lead]));
  return data[offsetOf(shape, idx)];
}

/** Expect every element of `actual` within atol + rtol*|expected| of `expected` (same length), with a readable failure. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol: number, rtol = 0, what = 'values'): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(actual[i] - expected[i]);
    if (!(diff <= atol + rtol * Math.abs(expected[i]))) {
      throw new Error(`${what}: element ${i}: got ${actual[i]}, expected ${expected[i]} (|diff| ${diff} > ${atol} + ${rtol}*|expected|)`);
    }
  }
}

export type { Shape };

/**
 * `drop` (a dropout of probability p on a tensor of ones) keeps each of 200,000 elements with probability
 * 1 - p, and neighbours together as often as independence predicts, (1 - p)^2: within 5 binomial standard
 * deviations (at most 224 elements for the count).
 */
export function expectKeepsIndependently(drop: (x: Tensor) => Tensor, p: number): void {
  const n = 200_000;
  const y = drop(new Tensor(new Float32Array(n).fill(1), [n])).data;
  let kept = 0;
  let keptPairs = 0;
  for (let i = 0; i < n; i++) {
    if (y[i] !== 0) kept++;
    if (i > 0 && y[i] !== 0 && y[i - 1] !== 0) keptPairs++;
  }
  expect(Math.abs(kept - n * (1 - p))).toBeLessThan(5 * Math.sqrt(n * p * (1 - p)));
  const q = (1 - p) ** 2;
  expect(Math.abs(keptPairs - (n - 1) * q)).toBeLessThan(5 * Math.sqrt(n * q * (1 - q)));
}
