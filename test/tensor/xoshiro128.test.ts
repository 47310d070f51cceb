/**
 * xoshiro128**: the first outputs worked by hand from the update rule (see src/tensor/xoshiro128.ts), the
 * all-zero state refused, uniformity of the words, and Rng.fastStream's determinism under save/restore.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/tensor/random.ts';
import { Xoshiro128 } from '../../src/tensor/xoshiro128.ts';

describe('Xoshiro128', () => {
  it('gives the outputs worked by hand from the state (1, 2, 3, 4)', () => {
    // Step 1: rotl(2 * 5, 7) * 9 = 1280 * 9 = 11520; the state becomes (7, 0, 1026, 12288).
    // Step 2: s1 = 0, so the output is 0; the state becomes (12295, 1029, 1026, 25165824).
    // Step 3: rotl(1029 * 5, 7) * 9 = 5145 * 128 * 9 = 5927040.
    const g = new Xoshiro128(1, 2, 3, 4);
    expect([g.nextUint32(), g.nextUint32(), g.nextUint32()]).toEqual([11520, 0, 5927040]);
  });

  it('refuses the all-zero state, which would output zeros forever', () => {
    expect(() => new Xoshiro128(0, 0, 0, 0)).toThrow(/must not be all zeros/);
  });

  it('spreads its words evenly over 16 buckets and keeps them in [0, 2^32)', () => {
    const g = new Rng(7).fastStream();
    const buckets = new Array<number>(16).fill(0);
    const n = 160_000;
    for (let i = 0; i < n; i++) {
      const w = g.nextUint32();
      expect(Number.isInteger(w) && w >= 0 && w < 2 ** 32).toBe(true);
      buckets[w >>> 28]++;
    }
    // Chi-square with 15 degrees of freedom: above 37.7 happens with probability 0.001 for a uniform source.
    const expected = n / 16;
    const chi2 = buckets.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(37.7);
  });

  it('is fixed by the Rng it comes from: a restored Rng gives the same stream', () => {
    const rng = new Rng(3);
    rng.next();
    const saved = rng.getState();
    const first = rng.fastStream();
    const again = Rng.fromState(saved).fastStream();
    const a = Array.from({ length: 8 }, () => first.nextUint32());
    const b = Array.from({ length: 8 }, () => again.nextUint32());
    expect(a).toEqual(b);
    expect(new Set(a).size).toBe(8);
    // and the next stream from the same Rng is a different one
    const next = rng.fastStream();
    expect(Array.from({ length: 8 }, () => next.nextUint32())).not.toEqual(a);
  });
});
