import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  bfloat16BitsToNumber,
  decodeNarrowFloat,
  encodeNarrowFloat,
  float16BitsToNumber,
  numberToBfloat16Bits,
  numberToFloat16Bits,
} from '../../src/io/dtypes.ts';

const isNaNBits16 = (bits: number, expBits: number, mantBits: number) =>
  ((bits >>> mantBits) & ((1 << expBits) - 1)) === (1 << expBits) - 1 && (bits & ((1 << mantBits) - 1)) !== 0;

describe('float16 bit patterns', () => {
  it('decodes known patterns', () => {
    expect(float16BitsToNumber(0x3c00)).toBe(1);
    expect(float16BitsToNumber(0xbc00)).toBe(-1);
    expect(float16BitsToNumber(0x4000)).toBe(2);
    expect(float16BitsToNumber(0x3555)).toBe(0.333251953125);
    expect(float16BitsToNumber(0x7bff)).toBe(65504); // largest finite
    expect(float16BitsToNumber(0x0400)).toBe(2 ** -14); // smallest normal
    expect(float16BitsToNumber(0x0001)).toBe(2 ** -24); // smallest subnormal
    expect(float16BitsToNumber(0x03ff)).toBe(1023 * 2 ** -24); // largest subnormal
    expect(float16BitsToNumber(0x7c00)).toBe(Infinity);
    expect(float16BitsToNumber(0xfc00)).toBe(-Infinity);
    expect(float16BitsToNumber(0x7e00)).toBeNaN();
    expect(float16BitsToNumber(0x7c01)).toBeNaN();
    expect(Object.is(float16BitsToNumber(0x0000), 0)).toBe(true);
    expect(Object.is(float16BitsToNumber(0x8000), -0)).toBe(true);
  });

  it('encodes known values, rounding to nearest with ties to even', () => {
    expect(numberToFloat16Bits(1)).toBe(0x3c00);
    expect(numberToFloat16Bits(-2)).toBe(0xc000);
    expect(numberToFloat16Bits(65504)).toBe(0x7bff);
    expect(numberToFloat16Bits(65519.99)).toBe(0x7bff); // just below the halfway point to 65536
    expect(numberToFloat16Bits(65520)).toBe(0x7c00); // the halfway point rounds to even = Infinity
    expect(numberToFloat16Bits(1e6)).toBe(0x7c00);
    expect(numberToFloat16Bits(-1e6)).toBe(0xfc00);
    expect(numberToFloat16Bits(2 ** -24)).toBe(0x0001);
    expect(numberToFloat16Bits(2 ** -25)).toBe(0x0000); // halfway between 0 and 2^-24: even is 0
    expect(numberToFloat16Bits(3 * 2 ** -25)).toBe(0x0002); // halfway between 1 and 2 subnormal steps: even is 2
    expect(numberToFloat16Bits(2 ** -25 * 1.0001)).toBe(0x0001);
    expect(numberToFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // halfway between 1 and 1+2^-10: even is 1
    expect(numberToFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // halfway between 1+2^-10 and 1+2^-9: even
    expect(numberToFloat16Bits(2047 * 2 ** -25)).toBe(0x0400); // rounds up from the largest subnormal to 2^-14
    expect(numberToFloat16Bits(-0)).toBe(0x8000);
    expect(numberToFloat16Bits(NaN)).toBe(0x7e00);
    expect(numberToFloat16Bits(Infinity)).toBe(0x7c00);
  });

  it('every one of the 65536 patterns survives decode then encode (NaNs stay NaN)', () => {
    for (let h = 0; h < 65536; h++) {
      const x = float16BitsToNumber(h);
      const back = numberToFloat16Bits(x);
      if (isNaNBits16(h, 5, 10)) expect(isNaNBits16(back, 5, 10)).toBe(true);
      else if (back !== h) expect.fail(`0x${h.toString(16)} -> ${x} -> 0x${back.toString(16)}`);
    }
  });

  it('decoding is monotonic over the positive patterns', () => {
    for (let h = 1; h < 0x7c01; h++) {
      if (!(float16BitsToNumber(h) > float16BitsToNumber(h - 1))) expect.fail(`not increasing at 0x${h.toString(16)}`);
    }
  });
});

describe('bfloat16 bit patterns', () => {
  it('decodes known patterns (the top half of a float32)', () => {
    expect(bfloat16BitsToNumber(0x3f80)).toBe(1);
    expect(bfloat16BitsToNumber(0xc000)).toBe(-2);
    expect(bfloat16BitsToNumber(0x7f80)).toBe(Infinity);
    expect(bfloat16BitsToNumber(0xff80)).toBe(-Infinity);
    expect(bfloat16BitsToNumber(0x7fc0)).toBeNaN();
    expect(bfloat16BitsToNumber(0x0001)).toBe(2 ** -133);
    expect(bfloat16BitsToNumber(0x0080)).toBe(2 ** -126);
    expect(bfloat16BitsToNumber(0x7f7f)).toBe((2 - 2 ** -7) * 2 ** 127);
    // any bf16 pattern is exactly the float32 whose top 16 bits it is
    const f = new Float32Array(1);
    const u = new Uint32Array(f.buffer);
    for (const h of [0x3f80, 0x4049, 0xbdcd, 0x0001, 0x1234, 0x7f7f]) {
      u[0] = h << 16;
      expect(bfloat16BitsToNumber(h)).toBe(f[0]);
    }
  });

  it('encodes with round to nearest even', () => {
    expect(numberToBfloat16Bits(1)).toBe(0x3f80);
    expect(numberToBfloat16Bits(1 + 2 ** -8)).toBe(0x3f80); // tie -> even
    expect(numberToBfloat16Bits(1 + 3 * 2 ** -8)).toBe(0x3f82); // tie -> even (up)
    expect(numberToBfloat16Bits(1 + 2 ** -8 + 2 ** -20)).toBe(0x3f81); // above the tie
    expect(numberToBfloat16Bits(3.4e38)).toBe(0x7f80); // above the largest finite bf16 halfway point
    expect(numberToBfloat16Bits(NaN)).toBe(0x7fc0);
  });

  it('every one of the 65536 patterns survives decode then encode (NaNs stay NaN)', () => {
    for (let h = 0; h < 65536; h++) {
      const x = bfloat16BitsToNumber(h);
      const back = numberToBfloat16Bits(x);
      if (isNaNBits16(h, 8, 7)) expect(isNaNBits16(back, 8, 7)).toBe(true);
      else if (back !== h) expect.fail(`0x${h.toString(16)} -> ${x} -> 0x${back.toString(16)}`);
    }
  });
});

describe('encodeNarrowFloat picks the nearest representable value', () => {
  for (const [label, e, m, max] of [
    ['F16', 5, 10, 65000],
    ['BF16', 8, 7, 1e30],
  ] as const) {
    it(`${label}: no neighbouring pattern is closer`, () => {
      fc.assert(
        fc.property(fc.double({ noNaN: true, min: -max, max }), (x) => {
          const bits = encodeNarrowFloat(x, e, m);
          const y = decodeNarrowFloat(bits, e, m);
          const err = Math.abs(x - y);
          // neighbours in magnitude: the pattern below and above (same sign)
          const mag = bits & ((1 << (e + m)) - 1);
          const sign = bits & (1 << (e + m));
          for (const nb of [mag - 1, mag + 1]) {
            if (nb < 0 || nb >= ((1 << e) - 1) << m) continue; // skip below zero and Inf/NaN
            const z = decodeNarrowFloat(sign | nb, e, m);
            expect(Math.abs(x - z)).toBeGreaterThanOrEqual(err);
          }
        }),
      );
    });
  }
});
