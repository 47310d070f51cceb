/**
 * Speck32/64, the counter-based generator of dropout masks on a device (src/accel/speck.ts): the cipher
 * against the published test vector, its key checks, and the mask it makes.
 */
import { describe, expect, it } from 'vitest';
import { SPECK_ROUNDS, speckDropoutMask, speckEncrypt, speckKeyFromWords, speckRoundKeys } from '../../src/accel/speck.ts';

describe('Speck32/64', () => {
  it('encrypts the test vector of the SIMON and SPECK paper', () => {
    // Key (l2, l1, l0, k0) = 1918 1110 0908 0100, plaintext 6574 694c, ciphertext a868 42f2.
    const keys = speckRoundKeys([0x0100, 0x0908, 0x1110, 0x1918]);
    expect(keys.length).toBe(SPECK_ROUNDS);
    expect(speckEncrypt(0x6574, 0x694c, keys)).toEqual([0xa868, 0x42f2]);
  });

  it('refuses key words outside 16 bits, naming the word', () => {
    expect(() => speckRoundKeys([0, 1, 2, 65536])).toThrow(/integers in \[0, 65536\), got 65536/);
    expect(() => speckRoundKeys([0, 1.5, 2, 3])).toThrow(/got 1.5/);
  });

  it('splits two 32-bit words into the four 16-bit key words', () => {
    expect(speckKeyFromWords(0x12345678, 0x9abcdef0)).toEqual([0x5678, 0x1234, 0xdef0, 0x9abc]);
  });

  it('is a permutation of the 2^16 blocks with a fixed high word (a cipher loses nothing)', () => {
    const keys = speckRoundKeys(speckKeyFromWords(0xdeadbeef, 0x01234567));
    const seen = new Set<number>();
    for (let lo = 0; lo < 65536; lo++) {
      const [x, y] = speckEncrypt(3, lo, keys);
      seen.add(x * 65536 + y);
    }
    expect(seen.size).toBe(65536);
  });
});

describe('speckDropoutMask', () => {
  const keys = speckRoundKeys(speckKeyFromWords(42, 7));

  it('keeps element i exactly when the word of counter i (speckEncrypt) reaches ceil(p 2^32), with the value keepScale', () => {
    const p = 0.3;
    const mask = speckDropoutMask(keys, 70_000, p, 1 / 0.7);
    for (let i = 0; i < 70_000; i++) {
      const [x, y] = speckEncrypt(Math.floor(i / 65536), i % 65536, keys);
      if (mask[i] !== (x * 65536 + y >= Math.ceil(p * 2 ** 32) ? Math.fround(1 / 0.7) : 0))
        expect.fail(`element ${i}: mask ${mask[i]}, cipher word ${x * 65536 + y}`);
    }
    // Counters past 2^16 use the high word: the second block of 2^16 is not a copy of the first.
    let same = 0;
    for (let i = 0; i < 4464; i++) if (mask[i] === mask[i + 65536]) same++;
    expect(same).toBeLessThan(4464 * 0.7); // independent masks agree with probability 0.3^2 + 0.7^2 = 0.58
  });

  it('keeps each element with probability 1 - p', () => {
    const n = 100_000;
    for (const p of [0.1, 0.5, 0.9]) {
      const kept = speckDropoutMask(keys, n, p, 1).reduce((a, b) => a + b, 0);
      expect(Math.abs(kept - n * (1 - p))).toBeLessThan(5 * Math.sqrt(n * p * (1 - p)));
    }
  });

  it('with different keys makes different masks', () => {
    const a = speckDropoutMask(keys, 1000, 0.5, 1);
    const b = speckDropoutMask(speckRoundKeys(speckKeyFromWords(43, 7)), 1000, 0.5, 1);
    let same = 0;
    for (let i = 0; i < 1000; i++) if (a[i] === b[i]) same++;
    expect(same).toBeGreaterThan(400);
    expect(same).toBeLessThan(600);
  });
});
