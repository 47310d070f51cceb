/**
 * The bulk normal generator (src/tensor/ziggurat.ts, Rng.fillNormal): determinism under the seed and the
 * Rng's state, and the distribution of a million values: mean, std, the shape over 34 bins by chi-square,
 * the tails (including the region past r = 3.4426 that the tail algorithm makes), and independence of
 * neighbours.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/tensor/random.ts';
import { fillNormal } from '../../src/tensor/ziggurat.ts';

/** P(a < Z < b) for a standard normal Z, by Simpson's rule on the density (error far below 1e-9 here). */
function normalMass(a: number, b: number): number {
  const steps = 2000;
  const h = (b - a) / steps;
  const f = (x: number) => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
  let s = f(a) + f(b);
  for (let i = 1; i < steps; i++) s += (i % 2 === 1 ? 4 : 2) * f(a + i * h);
  return (s * h) / 3;
}

/** P(Z > x) for x >= 0. */
function upperTail(x: number): number {
  return 0.5 - normalMass(0, x);
}

const N = 1_000_000;
const sample = new Float64Array(N);
new Rng('ziggurat').fillNormal(sample);

describe('Rng.fillNormal (ziggurat over xoshiro128**)', () => {
  it('is fixed by the seed, and advances the Rng by four words whatever the length', () => {
    const a = new Float32Array(10_000);
    const b = new Float32Array(10_000);
    const r1 = new Rng(5);
    const r2 = new Rng(5);
    r1.fillNormal(a, 0, 0.02);
    r2.fillNormal(b, 0, 0.02);
    expect(Array.from(a)).toEqual(Array.from(b));
    const c = new Float32Array(10_000);
    new Rng(6).fillNormal(c, 0, 0.02);
    expect(Array.from(c)).not.toEqual(Array.from(a));
    // After the fill, r1 is where an Rng that drew four words is, so later draws do not depend on the length.
    const r3 = new Rng(5);
    for (let i = 0; i < 4; i++) r3.nextUint32();
    expect(r1.next()).toBe(r3.next());
    const r4 = new Rng(5);
    r4.fillNormal(new Float64Array(3));
    expect(r4.next()).toBe(r2.next());
  });

  it('survives a save and restore of the Rng, and float32 output is the float64 output rounded', () => {
    const rng = new Rng(9);
    rng.normal();
    const saved = rng.getState();
    const a = new Float64Array(5000);
    rng.fillNormal(a, 1, 3);
    const b = new Float32Array(5000);
    Rng.fromState(JSON.parse(JSON.stringify(saved))).fillNormal(b, 1, 3);
    expect(Array.from(b)).toEqual(Array.from(a, Math.fround));
  });

  it('applies mean and std as mean + std * z', () => {
    const z = new Float64Array(1000);
    const y = new Float64Array(1000);
    fillNormal([1, 2, 3, 4], z, 0, 1);
    fillNormal([1, 2, 3, 4], y, -2, 0.5);
    for (let i = 0; i < z.length; i++) expect(y[i]).toBe(-2 + 0.5 * z[i]);
  });

  it('refuses the all-zero xoshiro state', () => {
    expect(() => fillNormal([0, 0, 0, 0], new Float64Array(4), 0, 1)).toThrow(/must not be all zeros/);
  });

  it('has mean 0 and std 1 within sampling error', () => {
    let s = 0;
    let s2 = 0;
    for (const v of sample) {
      s += v;
      s2 += v * v;
    }
    const mean = s / N;
    const variance = s2 / N - mean * mean;
    // Standard errors: 1/sqrt(N) = 0.001 for the mean, sqrt(2/N) = 0.0014 for the variance; 5 of each.
    expect(Math.abs(mean)).toBeLessThan(0.005);
    expect(Math.abs(variance - 1)).toBeLessThan(0.0071);
  });

  it('matches the normal shape over 34 bins (chi-square)', () => {
    const edges: number[] = [];
    for (let x = -4; x <= 4 + 1e-9; x += 0.25) edges.push(x);
    const counts = new Array<number>(edges.length + 1).fill(0);
    for (const v of sample) {
      let bin = Math.floor((v + 4) / 0.25) + 1;
      if (v < -4) bin = 0;
      if (bin > edges.length) bin = edges.length;
      counts[bin]++;
    }
    let chi2 = 0;
    for (let bin = 0; bin <= edges.length; bin++) {
      const p = bin === 0 || bin === edges.length ? upperTail(4) : normalMass(edges[bin - 1], edges[bin]);
      const expected = N * p;
      chi2 += (counts[bin] - expected) ** 2 / expected;
    }
    // 33 degrees of freedom: above 63.9 happens with probability 0.001 for a normal sample.
    expect(chi2).toBeLessThan(63.9);
  });

  it('has tails of the right weight, past 3, past r = 3.4426 (the tail algorithm) and past 4, on both sides', () => {
    for (const x of [3, 3.442619855899, 4]) {
      const expected = N * upperTail(x);
      const sd = Math.sqrt(expected);
      let above = 0;
      let below = 0;
      for (const v of sample) {
        if (v > x) above++;
        else if (v < -x) below++;
      }
      expect(Math.abs(above - expected)).toBeLessThan(4 * sd);
      expect(Math.abs(below - expected)).toBeLessThan(4 * sd);
    }
  });

  it('gives neighbours that are uncorrelated, in value and in size', () => {
    // Correlation of z_i with z_{i+1} and of |z_i| with |z_{i+1}| (a dependence the first would miss);
    // each has standard error about 1/sqrt(N) = 0.001 under independence.
    const corr = (f: (v: number) => number) => {
      let sa = 0;
      let sb = 0;
      let sab = 0;
      let saa = 0;
      let sbb = 0;
      for (let i = 0; i + 1 < N; i++) {
        const a = f(sample[i]);
        const b = f(sample[i + 1]);
        sa += a;
        sb += b;
        sab += a * b;
        saa += a * a;
        sbb += b * b;
      }
      const n = N - 1;
      return (sab / n - (sa / n) * (sb / n)) / Math.sqrt((saa / n - (sa / n) ** 2) * (sbb / n - (sb / n) ** 2));
    };
    expect(Math.abs(corr((v) => v))).toBeLessThan(0.005);
    expect(Math.abs(corr(Math.abs))).toBeLessThan(0.005);
  });
});
