/**
 * Properties on arbitrary Unicode text (fast-check): encoding never throws, offsets lie inside the text and never
 * go backwards, every token's span normalises back to the token, output is deterministic, the ASCII fast path
 * agrees with the general path, and code point / UTF-16 offsets describe the same spans.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BertTokenizer, normalizeText, preTokenize } from '../../src/tokenizer/index.ts';
import { bertVocab } from './helpers.ts';

/** Pieces that exercise every branch: ASCII, accents, CJK, emoji, controls, odd whitespace, specials, surrogates. */
const piece = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 8 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 4 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 3 }) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'Café',
      'naïve',
      'İstanbul',
      'ΣΊΣΥΦΟΣ',
      'й',
      'ﬁ',
      '½',
      'Ｆｕｌｌ',
      '한국어',
      '模型',
      '豈',
      '𠀀',
      '🤖',
      '❤️',
      '\u0000',
      '\u0007',
      '\u00ad',
      '\u200b',
      '\ufeff',
      '\ufffd',
      '\u0085',
      '\u00a0',
      '\u3000',
      '\u2028',
      '\t',
      '\r\n',
      'e\u0301\u0323',
      '[CLS]',
      '[SEP]',
      '[MASK]',
      '[PAD]',
      '[UNK]',
      '[cls]',
      '[[SEP]]',
      "don't",
      '...',
      '—',
      '¿',
      '\ud800',
      '\udfff',
      'a'.repeat(101),
    ),
  },
);
const text = fc.array(piece, { maxLength: 12 }).map((ps) => ps.join(''));

/** Slice by code points (the default offset unit). */
function cpSlice(s: string, start: number, end: number): string {
  return Array.from(s).slice(start, end).join('');
}

describe.each([true, false])('properties, lowercase %s', (lowercase) => {
  const tok = new BertTokenizer(bertVocab(), { lowercase });
  const special = new Set(['[CLS]', '[SEP]', '[MASK]', '[PAD]']);

  it('never throws; offsets are inside the text and non-decreasing', () => {
    fc.assert(
      fc.property(text, (s) => {
        const e = tok.encode(s);
        const n = Array.from(s).length;
        let prevStart = 0;
        let prevEnd = 0;
        e.offsets.forEach(([a, b], i) => {
          if (e.specialTokensMask[i] === 1) {
            expect([a, b]).toEqual([0, 0]);
            return;
          }
          expect(0 <= a && a < b && b <= n).toBe(true);
          expect(a >= prevStart && b >= prevEnd).toBe(true);
          prevStart = a;
          prevEnd = b;
        });
      }),
      { numRuns: 400 },
    );
  });

  it("every token's span normalises to the token (tokens sharing an original character are taken together)", () => {
    fc.assert(
      fc.property(text, (s) => {
        const seq = tok.encodeSequence(s);
        const tokens = tok.convertIdsToTokens(seq.ids);
        let i = 0;
        while (i < tokens.length) {
          // A group: tokens whose spans overlap (one original character that expanded into several pieces).
          let j = i + 1;
          let end = seq.offsets[2 * i + 1];
          while (j < tokens.length && seq.offsets[2 * j] < end) end = Math.max(end, seq.offsets[2 * j++ + 1]);
          const span = cpSlice(s, seq.offsets[2 * i], end);
          const group = tokens.slice(i, j);
          if (group.length === 1 && special.has(group[0])) {
            expect(span).toBe(group[0]); // written in the text, matched literally
          } else if (!group.includes('[UNK]')) {
            const joined = group.map((t) => t.replace(/^##/, '')).join('');
            expect(normalizeText(span, { lowercase }).replaceAll(' ', '')).toBe(joined);
          }
          i = j;
        }
      }),
      { numRuns: 400 },
    );
  });

  it('is deterministic, also across tokenizer instances (the word cache changes nothing)', () => {
    const fresh = new BertTokenizer(bertVocab(), { lowercase });
    fc.assert(
      fc.property(text, (s) => {
        const a = tok.encode(s, s, { maxLength: 40, stride: 3, returnOverflowing: true, padding: 'max_length' });
        const b = fresh.encode(s, s, { maxLength: 40, stride: 3, returnOverflowing: true, padding: 'max_length' });
        expect(b).toEqual(a);
        expect(tok.encode(s)).toEqual(tok.encode(s));
      }),
      { numRuns: 150 },
    );
  });

  it('the ASCII fast path gives exactly what the general path gives', () => {
    const general = new BertTokenizer(bertVocab(), { lowercase });
    general.fastPath = false;
    const ascii = fc.string({ unit: fc.integer({ min: 0, max: 127 }).map((c) => String.fromCharCode(c)), maxLength: 80 });
    const words = fc
      .array(fc.constantFrom('Hello', 'WORLD', "it's", '3.14', 'x-y', '[CLS]', '  ', '\t', 'unaffable', 'a'.repeat(120)), { maxLength: 10 })
      .map((w) => w.join(' '));
    fc.assert(
      fc.property(fc.oneof(ascii, words), (s) => {
        expect(tok.encodeSequence(s)).toEqual(general.encodeSequence(s));
      }),
      { numRuns: 500 },
    );
  });

  it('UTF-16 offsets cover the same characters as code point offsets', () => {
    fc.assert(
      fc.property(text, (s) => {
        const cp = tok.encodeSequence(s, 'codepoint');
        const u16 = tok.encodeSequence(s, 'utf16');
        expect(u16.ids).toEqual(cp.ids);
        for (let k = 0; k < cp.offsets.length; k += 2) {
          expect(s.slice(u16.offsets[k], u16.offsets[k + 1])).toBe(cpSlice(s, cp.offsets[k], cp.offsets[k + 1]));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('words from preTokenize normalise to their text and line up with the encoder word ids', () => {
    fc.assert(
      fc.property(
        text.filter((s) => !/\[(CLS|SEP|MASK|PAD|UNK)\]/.test(s)),
        (s) => {
          const words = preTokenize(s, { lowercase });
          for (const w of words) {
            expect(normalizeText(cpSlice(s, w.start, w.end), { lowercase }).replaceAll(' ', '')).toBe(w.text);
          }
          const seq = tok.encodeSequence(s);
          expect(new Set(seq.wordIds).size).toBe(words.length);
          seq.wordIds.forEach((wi, k) => {
            expect(seq.offsets[2 * k] >= words[wi].start && seq.offsets[2 * k + 1] <= words[wi].end).toBe(true);
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});
