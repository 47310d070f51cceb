/**
 * The one source of randomness in the project: a seeded generator built on seedrandom's ARC4 ("arc4" is
 * seedrandom's default `seedrandom()` algorithm). Every random draw - weight initialisation, dropout masks,
 * data shuffling, masking for pretraining - goes through an `Rng`, so the same seed replays the same run.
 *
 * The generator's full state can be saved and restored (`getState` / `Rng.fromState`), which is how a
 * training checkpoint resumes with exactly the random numbers the uninterrupted run would have drawn.
 */
import seedrandom from 'seedrandom';
import { Xoshiro128 } from './xoshiro128.ts';
import { fillNormal } from './ziggurat.ts';

/** Serializable generator state: seedrandom's ARC4 state plus the cached second normal deviate. */
export interface RngState {
  arc4: { i: number; j: number; S: number[] };
  spareNormal: number | null;
}

export class Rng {
  private prng: seedrandom.StatefulPRNG<seedrandom.State.Arc4>;
  /** Box-Muller makes normals in pairs; the second one waits here for the next call. */
  private spareNormal: number | null = null;

  /** @param seed any string or number; the same seed gives the same sequence. */
  constructor(seed: string | number, state?: RngState) {
    if (state) {
      this.prng = seedrandom('', { state: state.arc4 as unknown as seedrandom.State.Arc4 });
      this.spareNormal = state.spareNormal;
    } else {
      this.prng = seedrandom(String(seed), { state: true });
    }
  }

  /** Rebuild a generator from `getState()`; it continues exactly where the saved one stopped. */
  static fromState(state: RngState): Rng {
    return new Rng('', state);
  }

  /** A deep copy of the state, safe to JSON.stringify. */
  getState(): RngState {
    const s = this.prng.state() as unknown as { i: number; j: number; S: number[] };
    return { arc4: { i: s.i, j: s.j, S: Array.from(s.S) }, spareNormal: this.spareNormal };
  }

  /** Uniform in [0, 1) with 53 random bits. */
  next(): number {
    return this.prng.double();
  }

  /** Uniform 32-bit unsigned integer (one draw of 4 bytes: cheaper than next()'s 7). */
  nextUint32(): number {
    return this.prng.int32() >>> 0;
  }

  /**
   * A fast generator of 32-bit words for bulk draws (a dropout mask), seeded with four words of this one.
   * Its words are not this generator's words, but they are fixed by this generator's state, so saving and
   * restoring the Rng still replays them.
   */
  fastStream(): Xoshiro128 {
    const w = this.fastSeed();
    return new Xoshiro128(w[0], w[1], w[2], w[3]);
  }

  /**
   * Four words of this generator, not all zero: the starting state of a xoshiro128** stream (what
   * fastStream() starts from; a loop that runs the stream elsewhere, such as in WebAssembly, starts here).
   */
  fastSeed(): [number, number, number, number] {
    let words: [number, number, number, number];
    do words = [this.nextUint32(), this.nextUint32(), this.nextUint32(), this.nextUint32()];
    while (words.every((w) => w === 0));
    return words;
  }

  /**
   * Fill `out` with Normal(mean, std) samples, in bulk: the ziggurat method over a xoshiro128** stream
   * seeded with four words of this generator (ziggurat.ts), a few ns a value against about 70 for `normal()`.
   * This generator advances by those four words whatever the length, so the values are fixed by its state,
   * and so is everything drawn after them. They are not the values `normal()` would give.
   */
  fillNormal(out: Float32Array | Float64Array, mean = 0, std = 1): void {
    fillNormal(this.fastSeed(), out, mean, std);
  }

  /** Uniform in [low, high). */
  uniform(low = 0, high = 1): number {
    return low + (high - low) * this.next();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!(Number.isInteger(n) && n > 0)) throw new Error(`Rng.int: expected a positive integer bound, got ${n}`);
    return Math.floor(this.next() * n);
  }

  /** Uniform integer in [low, high] (both ends included, like Python's random.randint). */
  randint(low: number, high: number): number {
    return low + this.int(high - low + 1);
  }

  /**
   * Standard normal deviate by the Box-Muller transform:
   * z0 = sqrt(-2 ln u1) cos(2 pi u2), z1 = sqrt(-2 ln u1) sin(2 pi u2), with u1 in (0, 1].
   */
  normal(mean = 0, std = 1): number {
    if (this.spareNormal !== null) {
      const z = this.spareNormal;
      this.spareNormal = null;
      return mean + std * z;
    }
    const u1 = 1 - this.next();
    const u2 = this.next();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spareNormal = r * Math.sin(2 * Math.PI * u2);
    return mean + std * r * Math.cos(2 * Math.PI * u2);
  }

  /** True with probability p. */
  bernoulli(p: number): boolean {
    return this.next() < p;
  }

  /** Fisher-Yates shuffle in place; returns the same array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = items[i];
      items[i] = items[j];
      items[j] = t;
    }
    return items;
  }

  /** One element chosen uniformly. */
  choice<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Rng.choice: the array is empty');
    return items[this.int(items.length)];
  }
}
