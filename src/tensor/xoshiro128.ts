/**
 * xoshiro128** (Blackman and Vigna, "Scrambled linear pseudorandom number generators", 2018): 32-bit words
 * from a 128-bit state with a handful of shifts, xors and two multiplies. It is for bulk draws such as
 * dropout masks, where the project's main generator (ARC4, random.ts) costs about 30 ns per word; this one
 * costs a few. It is always seeded from an `Rng` (`Rng.fastStream()`), so a run stays determined by its seed
 * and a checkpoint of the Rng is enough to replay it.
 *
 * One step, with rotl(x, r) the 32-bit left rotation:
 *   output = rotl(s1 * 5, 7) * 9
 *   t = s1 << 9;  s2 ^= s0;  s3 ^= s1;  s1 ^= s2;  s0 ^= s3;  s2 ^= t;  s3 = rotl(s3, 11)
 * (all arithmetic mod 2^32). The state must not be all zeros: that is the one state that never leaves itself.
 */
export class Xoshiro128 {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** @param s0..s3 the state, four 32-bit words, not all zero */
  constructor(s0: number, s1: number, s2: number, s3: number) {
    this.s0 = s0 | 0;
    this.s1 = s1 | 0;
    this.s2 = s2 | 0;
    this.s3 = s3 | 0;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) {
      throw new Error('Xoshiro128: the state must not be all zeros (the generator would output only zeros)');
    }
  }

  /** The next uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const s1 = this.s1;
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= s1;
    this.s1 = s1 ^ this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = (this.s3 << 11) | (this.s3 >>> 21);
    return result;
  }
}
