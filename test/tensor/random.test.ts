/**
 * The seeded generator: determinism, state save/restore (also mid-way through a Box-Muller pair and through
 * JSON), and the helpers built on next().
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../ops/core.ts';

/** A mixed stream of draws, so that every kind of draw advances the state the same way on replay. */
function draws(rng: Rng, n = 40): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    switch (i % 5) {
      case 0:
        out.push(rng.next());
        break;
      case 1:
        out.push(rng.normal());
        break;
      case 2:
        out.push(rng.int(1000));
        break;
      case 3:
        out.push(rng.uniform(-3, 3));
        break;
      default:
        out.push(rng.normal(10, 2));
    }
  }
  return out;
}

describe('Rng', () => {
  it('the same seed gives the same stream; numbers and their string form are the same seed', () => {
    expect(draws(new Rng(7))).toEqual(draws(new Rng(7)));
    expect(draws(new Rng(7))).toEqual(draws(new Rng('7')));
    expect(draws(new Rng(7))).not.toEqual(draws(new Rng(8)));
  });

  it('next() is in [0, 1)', () => {
    const rng = new Rng('range');
    for (let i = 0; i < 10_000; i++) {
      const v = rng.next();
      expect(v >= 0 && v < 1).toBe(true);
    }
  });

  it('getState / fromState continues exactly where the saved generator stopped', () => {
    const rng = new Rng(123);
    draws(rng, 17);
    const state = rng.getState();
    const expected = draws(rng);
    expect(draws(Rng.fromState(state))).toEqual(expected);
    // The saved state is a copy: drawing more from the original did not change it.
    expect(draws(Rng.fromState(state))).toEqual(expected);
  });

  it('restoring between the two normals of a Box-Muller pair replays the cached second one', () => {
    const rng = new Rng(9);
    rng.normal(); // the pair's second deviate is now cached
    const state = rng.getState();
    expect(state.spareNormal).not.toBe(null);
    const a = [rng.normal(), rng.normal(), rng.next()];
    const replay = Rng.fromState(state);
    expect([replay.normal(), replay.normal(), replay.next()]).toEqual(a);
  });

  it('the state survives JSON (a checkpoint) unchanged', () => {
    const rng = new Rng('checkpoint');
    draws(rng, 11);
    const json = JSON.stringify(rng.getState());
    const expected = draws(rng);
    expect(draws(Rng.fromState(JSON.parse(json)))).toEqual(expected);
  });

  it('int(n) covers [0, n) and rejects bad bounds; randint(low, high) includes both ends', () => {
    const rng = new Rng(1);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) seen.add(rng.int(6));
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    const inclusive = new Set<number>();
    for (let i = 0; i < 2000; i++) inclusive.add(rng.randint(-2, 2));
    expect([...inclusive].sort((a, b) => a - b)).toEqual([-2, -1, 0, 1, 2]);
    for (const bad of [0, -3, 2.5, NaN]) expect(() => rng.int(bad)).toThrow(/^Rng.int: expected a positive integer bound, got /);
  });

  it('normal(): mean and std over 20,000 draws', () => {
    const rng = new Rng(2);
    const v = Array.from({ length: 20_000 }, () => rng.normal(3, 0.5));
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    const s = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length);
    expect(Math.abs(m - 3)).toBeLessThan(0.015);
    expect(Math.abs(s - 0.5)).toBeLessThan(0.015);
    expect(v.every(Number.isFinite)).toBe(true);
  });

  it('bernoulli(p) frequency; shuffle is a deterministic permutation; choice picks members and rejects []', () => {
    const rng = new Rng(3);
    let hits = 0;
    for (let i = 0; i < 10_000; i++) if (rng.bernoulli(0.25)) hits++;
    expect(Math.abs(hits / 10_000 - 0.25)).toBeLessThan(0.02);

    const items = Array.from({ length: 20 }, (_, i) => i);
    const a = new Rng(4).shuffle([...items]);
    const b = new Rng(4).shuffle([...items]);
    expect(a).toEqual(b);
    expect([...a].sort((x, y) => x - y)).toEqual(items);
    expect(a).not.toEqual(items);
    const arr = [1, 2, 3];
    expect(new Rng(4).shuffle(arr)).toBe(arr); // in place

    const pick = new Rng(5);
    for (let i = 0; i < 50; i++) expect(['x', 'y', 'z']).toContain(pick.choice(['x', 'y', 'z']));
    expect(() => pick.choice([])).toThrow(/^Rng.choice: the array is empty$/);
  });
});
