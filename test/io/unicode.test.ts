/**
 * The UTF-16 / UTF-8 helpers of the safetensors writer and reader, against Node's own UTF-8 (Buffer).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareUtf8, firstLoneSurrogate, jsonStringUtf8Length, utf8Length } from '../../src/io/unicode.ts';

const validString = fc.string({ unit: 'binary', maxLength: 8 }).filter((s) => firstLoneSurrogate(s) < 0);
const anyString = fc.oneof(validString, fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 6 }));

describe('unicode helpers', () => {
  it('compareUtf8 orders strings as their UTF-8 bytes do (Rust String order), unlike <', () => {
    expect(compareUtf8('\uff5e', '\u{1F600}')).toBeLessThan(0);
    expect('\uff5e' < '\u{1F600}').toBe(false); // the UTF-16 order the writer used to follow
    expect(compareUtf8('\ue000', '\u{10000}')).toBeLessThan(0);
    expect(compareUtf8('a', 'ab')).toBeLessThan(0);
    expect(compareUtf8('é', 'é')).toBe(0);
    fc.assert(
      fc.property(validString, validString, (a, b) => {
        expect(Math.sign(compareUtf8(a, b))).toBe(Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))));
      }),
      { numRuns: 1000, seed: 7 },
    );
  });

  it('firstLoneSurrogate finds half pairs and passes whole ones', () => {
    expect(firstLoneSurrogate('ab')).toBe(-1);
    expect(firstLoneSurrogate('a\u{1F600}b')).toBe(-1);
    expect(firstLoneSurrogate('a\ud800')).toBe(1);
    expect(firstLoneSurrogate('\udc00\ud83d\ude00')).toBe(0);
    expect(firstLoneSurrogate('\ud83d\ude00\ud83d')).toBe(2);
    fc.assert(
      fc.property(anyString, (s) => {
        // a string is valid Unicode exactly when it survives a trip through UTF-8
        expect(firstLoneSurrogate(s) < 0).toBe(Buffer.from(s).toString() === s);
      }),
      { numRuns: 1000, seed: 8 },
    );
  });

  it('utf8Length and jsonStringUtf8Length count what Buffer and JSON.stringify produce', () => {
    expect(jsonStringUtf8Length('a"b\\c\n\u0001é😀')).toBe(Buffer.byteLength(JSON.stringify('a"b\\c\n\u0001é😀')));
    fc.assert(
      fc.property(fc.oneof(validString, fc.string({ maxLength: 8 }), fc.constantFrom('\u0000\b\t\n\f\r\u001f"\\/\u007f')), (s) => {
        expect(utf8Length(s)).toBe(Buffer.byteLength(s));
        expect(jsonStringUtf8Length(s)).toBe(Buffer.byteLength(JSON.stringify(s)));
      }),
      { numRuns: 1000, seed: 9 },
    );
  });
});
