/**
 * Speck32/64 (Beaver, Shors, Treatman-Clark, Weeks, Wingers, "The SIMON and SPECK Families of Lightweight
 * Block Ciphers", 2013) used as a counter-based random generator: the random word for element i of a
 * dropout mask is the encryption of the counter i under a key drawn from the seeded `Rng`. Unlike a
 * sequential generator (tensor/xoshiro128.ts), any element's word can be computed on its own, so a GPU thread
 * makes its element's mask bit itself and no mask crosses from host to device.
 *
 * Speck32/64 works on two 16-bit words with additions mod 2^16, rotations and xors only: every value stays
 * below 2^17, exact even in float32, which is what gpu.js kernels compute in. One round, with key word k:
 *   x = (rotr(x, 7) + y) mod 2^16 xor k
 *   y = rotl(y, 2) xor x
 * Its 22 round keys come from the 64-bit key (k0, l0, l1, l2) by the same round function:
 *   l[i + 3] = (k[i] + rotr(l[i], 7)) mod 2^16 xor i,   k[i + 1] = rotl(k[i], 2) xor l[i + 3]
 * This file is the plain reference; the device kernel (gpujs/device-kernels.ts, DROPOUT) is tested to give
 * the same words bit for bit.
 */

/** Number of rounds of Speck32/64. */
export const SPECK_ROUNDS = 22;

const rotr16 = (v: number, r: number): number => ((v >>> r) | (v << (16 - r))) & 0xffff;
const rotl16 = (v: number, r: number): number => ((v << r) | (v >>> (16 - r))) & 0xffff;

/**
 * The 22 round keys of a 64-bit key given as four 16-bit words.
 * @param key [k0, l0, l1, l2]; the paper writes its key the other way round, as (l2, l1, l0, k0)
 */
export function speckRoundKeys(key: readonly [number, number, number, number]): Uint16Array {
  const [k0, ...l0] = key.map((w) => {
    if (!(Number.isInteger(w) && w >= 0 && w < 65536)) throw new Error(`speckRoundKeys: key words must be integers in [0, 65536), got ${w}`);
    return w;
  });
  const keys = new Uint16Array(SPECK_ROUNDS);
  const l = [...l0];
  keys[0] = k0;
  for (let i = 0; i < SPECK_ROUNDS - 1; i++) {
    l.push(((keys[i] + rotr16(l[i], 7)) & 0xffff) ^ i);
    keys[i + 1] = rotl16(keys[i], 2) ^ l[i + 3];
  }
  return keys;
}

/** Encrypt the block (x, y) of two 16-bit words: returns [x, y] after the 22 rounds. [docs: speck-encrypt] */
export function speckEncrypt(x: number, y: number, roundKeys: Uint16Array): [number, number] {
  for (let r = 0; r < SPECK_ROUNDS; r++) {
    x = ((rotr16(x, 7) + y) & 0xffff) ^ roundKeys[r];
    y = rotl16(y, 2) ^ x;
  }
  return [x, y];
}

/**
 * The 64-bit key of one dropout mask, from two 32-bit words of the seeded generator.
 */
export function speckKeyFromWords(w0: number, w1: number): [number, number, number, number] {
  return [w0 & 0xffff, w0 >>> 16, w1 & 0xffff, w1 >>> 16];
}

/**
 * The smallest 32-bit word that keeps an element: ceil(p 2^32), so that a uniform word keeps it with
 * probability 1 - p. The device kernel compares against the same number (split into 16-bit halves).
 */
export function speckKeepThreshold(p: number): number {
  return Math.ceil(p * 4294967296);
}

/**
 * [docs: speck-dropout-mask]
 * An inverted-dropout mask by the counter generator: element i is kept (value `keepScale`) when the
 * 32-bit word of counter i, (x 2^16 + y), is at least speckKeepThreshold(p), else 0. The counter's high
 * word is floor(i / 2^16), its low word i mod 2^16.
 * @param size number of elements (below 2^31)
 */
export function speckDropoutMask(roundKeys: Uint16Array, size: number, p: number, keepScale: number): Float32Array {
  const mask = new Float32Array(size);
  const threshold = speckKeepThreshold(p);
  for (let i = 0; i < size; i++) {
    const [x, y] = speckEncrypt(i >>> 16, i & 0xffff, roundKeys);
    if (x * 65536 + y >= threshold) mask[i] = keepScale;
  }
  return mask;
}
