/**
 * Normal deviates in bulk by the ziggurat method (Marsaglia and Tsang, "The Ziggurat Method for Generating
 * Random Variables", 2000), drawing 32-bit words from xoshiro128** (xoshiro128.ts). It is how weights are
 * initialised: BERT-Large has 336M of them, and one Box-Muller pair through the ARC4 generator costs about
 * 70 ns, so drawing them one at a time took 25 s; here a value costs a few ns.
 *
 * The idea. Cover the right half of the density's shape f(x) = exp(-x^2 / 2) with 128 stacked horizontal
 * strips of equal area v. Numbered from the top as in Marsaglia and Tsang's tables, strip i (1 <= i <= 127)
 * is the rectangle [0, x_i] x [f(x_i), f(x_{i-1})], with x_1 < x_2 < ... < x_127 = r and f(x_0) = 1; strip 0,
 * the base, is the rectangle [0, r] x [0, f(r)] plus the tail x > r under f (together area v). Pick a strip
 * uniformly and a point x uniformly in [0, x_i] (for the base, in [0, v / f(r)]):
 * - if x < x_{i-1} (for the base, x < r), the point lies in the part of the strip wholly under the curve
 *   and x is accepted at once. That is about 98.8% of draws: one word, a compare and a multiply;
 * - otherwise, for i >= 1, draw a height y uniform in [f(x_i), f(x_{i-1})] and accept x if y < f(x), else
 *   start again with a new word;
 * - for the base, x beyond r means a draw from the tail, done by Marsaglia's method
 *   (x = -ln(u1) / r, y = -ln(u2), accept when 2y > x^2, return r + x).
 * A random sign makes it symmetric. Accepted points are uniform under the curve, so x ~ Normal(0, 1).
 *
 * One word gives the strip (its low 7 bits) and a signed 25-bit position (the other 25 bits, with the sign),
 * so the strip index and the position share no bits. The position's resolution, 2^-24 of a strip's width,
 * matches float32's 24-bit significand.
 *
 * The constants: r = x_127 = 3.442619855899 and v = 9.91256303526217e-3 are the values for 128 strips
 * (Marsaglia and Tsang's): with them the recursion below ends with a top strip [0, x_1] x [f(x_1), 1] whose
 * area is v too, so the strips tile the shape exactly.
 */
const STRIPS = 128;
const R = 3.442619855899;
const V = 9.91256303526217e-3;
/** Positions are signed 25-bit integers: |j| < 2^24. */
const SCALE = 2 ** 24;

/** x_i / 2^24: turns an integer position in strip i into x. */
const width = new Float64Array(STRIPS);
/** f(x_i), the height of strip i's lower edge; height[0] = 1, the top of the shape, is strip 1's upper edge. */
const height = new Float64Array(STRIPS);
/** Integer positions |j| below accept[i] lie wholly under the curve: accept[i] = floor(x_{i-1} / x_i * 2^24). */
const accept = new Int32Array(STRIPS);

// Build the tables from the base up: x_{i-1} solves v = x_i (f(x_{i-1}) - f(x_i)), i.e.
// x_{i-1} = sqrt(-2 ln(v / x_i + f(x_i))), starting from x_127 = r. The base's width is v / f(r), the
// rectangle with the tail's area folded in, so that a position beyond r means "go to the tail".
{
  const fR = Math.exp(-0.5 * R * R);
  const q = V / fR;
  width[0] = q / SCALE;
  height[0] = 1;
  accept[0] = Math.floor((R / q) * SCALE);
  let x = R;
  // Strip 127, the widest above the base, spans [0, r].
  width[STRIPS - 1] = R / SCALE;
  height[STRIPS - 1] = fR;
  for (let i = STRIPS - 2; i >= 1; i--) {
    const next = Math.sqrt(-2 * Math.log(V / x + Math.exp(-0.5 * x * x)));
    accept[i + 1] = Math.floor((next / x) * SCALE);
    x = next;
    height[i] = Math.exp(-0.5 * x * x);
    width[i] = x / SCALE;
  }
  accept[1] = 0;
}

/**
 * One xoshiro128** step on the state `st` (four words, updated in place), the same update as
 * Xoshiro128.nextUint32 (xoshiro128.ts), returning the word as a signed 32-bit integer. The hot loop of
 * fillNormal inlines this on local variables; this function serves the slow path.
 */
function step(st: Int32Array): number {
  const s1 = st[1];
  const m = Math.imul(s1, 5);
  const result = Math.imul((m << 7) | (m >>> 25), 9);
  const t = s1 << 9;
  st[2] ^= st[0];
  st[3] ^= s1;
  st[1] = s1 ^ st[2];
  st[0] ^= st[3];
  st[2] ^= t;
  st[3] = (st[3] << 11) | (st[3] >>> 21);
  return result;
}

/** A uniform double in (0, 1] from one word (never 0, so its logarithm is finite). */
function unitOpen(st: Int32Array): number {
  return ((step(st) >>> 0) + 1) / 4294967296;
}

/** The slow path, for a word whose position fell outside the strip's inner rectangle (about 1.2% of words). */
function slowNormal(st: Int32Array, word: number): number {
  for (;;) {
    const i = word & (STRIPS - 1);
    const j = word >> 7;
    if ((j < 0 ? -j : j) < accept[i]) return j * width[i];
    if (i === 0) {
      // The tail beyond r, with the sign of j.
      let x: number;
      let y: number;
      do {
        x = -Math.log(unitOpen(st)) / R;
        y = -Math.log(unitOpen(st));
      } while (y + y < x * x);
      return j > 0 ? R + x : -R - x;
    }
    const x = j * width[i];
    // A height uniform between the strip's edges f(x_i) and f(x_{i-1}); x is under the curve if below f(x).
    if (height[i] + unitOpen(st) * (height[i - 1] - height[i]) < Math.exp(-0.5 * x * x)) return x;
    word = step(st);
  }
}

/** Values are made in blocks of this many; see fillNormal. */
const BLOCK = 4096;

/**
 * Fill `out` with Normal(mean, std) samples, drawing words from xoshiro128** started at `state` (four
 * 32-bit words, not all zero, as Xoshiro128's constructor takes them).
 *
 * Values are made in blocks of 4096 in two passes. The first pass draws one word per value and writes
 * x = j * width[i]; the words that fall outside their strip's inner rectangle (about 1.2%) are noted. The
 * second pass replaces those values, in order, by the slow path, which continues the same word stream. The
 * split is for speed: with the rare call inside the hot loop, V8 kept the generator's state in memory
 * rather than registers and the loop took about twice as long.
 */
export function fillNormal(state: readonly [number, number, number, number], out: Float32Array | Float64Array, mean: number, std: number): void {
  if ((state[0] | state[1] | state[2] | state[3]) === 0) throw new Error('fillNormal: the xoshiro128** state must not be all zeros');
  const st = new Int32Array(state);
  const slowAt = new Int32Array(BLOCK);
  const slowWord = new Int32Array(BLOCK);
  // Local names for the tables: module-level bindings are read through the module's context on every use.
  const acceptAt = accept;
  const widthAt = width;
  for (let start = 0; start < out.length; start += BLOCK) {
    const end = Math.min(out.length, start + BLOCK);
    let s0 = st[0];
    let s1 = st[1];
    let s2 = st[2];
    let s3 = st[3];
    let slow = 0;
    for (let k = start; k < end; k++) {
      const m = Math.imul(s1, 5);
      const word = Math.imul((m << 7) | (m >>> 25), 9);
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      const i = word & 127; // STRIPS - 1, written out: a module constant is a context load in the loop
      const j = word >> 7;
      // |j| without a branch (the sign is a coin toss, so a branch would be mispredicted half the time).
      const sign = j >> 31;
      if ((j ^ sign) - sign >= acceptAt[i]) {
        slowAt[slow] = k;
        slowWord[slow++] = word;
      }
      out[k] = mean + std * (j * widthAt[i]);
    }
    st[0] = s0;
    st[1] = s1;
    st[2] = s2;
    st[3] = s3;
    for (let n = 0; n < slow; n++) out[slowAt[n]] = mean + std * slowNormal(st, slowWord[n]);
  }
}
