/**
 * The tokenizer's Unicode tables: frozen at the versions Hugging Face `tokenizers` 0.23.2 uses (categories and
 * NFD coverage: Unicode 8.0; White_Space and lowercase: 17.0), not the JavaScript engine's. The expected words
 * below were read from the Rust library itself (scripts/tokenizer-unicode-differential.ts compares every code
 * point); the property tests bound where the tables may disagree with the engine's `\p{...}` classes.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { normalizeText } from '../../src/tokenizer/normalizer.ts';
import { preTokenize } from '../../src/tokenizer/pre-tokenizer.ts';
import { isBertControl, isBertPunctuation, isBertWhitespace, isNonspacingMark, lowercaseCodePoint } from '../../src/tokenizer/unicode.ts';
import { UNICODE_TABLE_VERSIONS } from '../../src/tokenizer/unicode-tables.ts';
import { BertTokenizer } from '../../src/tokenizer/index.ts';
import { VOCAB_PATH } from './helpers.ts';

const words = (text: string, lowercase = true) => preTokenize(text, { lowercase }).map((w) => w.text);
const around = (cp: number) => 'a' + String.fromCodePoint(cp) + 'b';

describe('characters whose category changed after Unicode 8.0 follow the Rust library', () => {
  it('punctuation added later is not punctuation: U+0C84, U+2E58..U+2E5D stay inside the word', () => {
    for (const cp of [0x0c84, 0x2e58, 0x2e59, 0x2e5a, 0x2e5b, 0x2e5c, 0x2e5d]) {
      expect(words(around(cp)), cp.toString(16)).toEqual([around(cp)]);
    }
  });

  it('non-spacing marks added later are not stripped: U+0D3B, U+08CA', () => {
    for (const cp of [0x0d3b, 0x08ca]) expect(words(around(cp)), cp.toString(16)).toEqual([around(cp)]);
  });

  it('a format character added later is not removed: U+0890', () => {
    expect(normalizeText(around(0x0890))).toBe(around(0x0890));
  });

  it('the reverse: U+166D is still punctuation (So since 12.0), U+1734 still a non-spacing mark (Mc since 14.0)', () => {
    expect(words(around(0x166d))).toEqual(['a', '\u166d', 'b']);
    expect(words(around(0x1734))).toEqual(['ab']);
    expect(words(around(0x1734), false)).toEqual([around(0x1734)]); // cased: no accent stripping
  });

  it('a character whose decomposition is newer than the NFD tables does not decompose (U+11938, Unicode 13.0)', () => {
    expect(words(around(0x11938))).toEqual([around(0x11938)]);
    expect(words('caf\u00e9')).toEqual(['cafe']); // an old one still does
  });

  it('lowercase is per character from the Unicode 17.0 tables: İ -> i + U+0307 (then stripped), ẞ -> ß, Ꟃ -> ɤ', () => {
    expect(lowercaseCodePoint(0x0130)).toEqual([0x69, 0x307]);
    expect(words(around(0x0130))).toEqual(['aib']);
    expect(words(around(0x1e9e))).toEqual(['a\u00dfb']);
    expect(words(around(0xa7cb))).toEqual(['a\u0264b']);
    expect(words('ΣΑΣ')).toEqual(['σασ']); // no final-sigma rule
  });
});

describe('lone UTF-16 surrogates', () => {
  it('are dropped, as the Rust library drops them (its binding reads them as U+FFFD, which cleaning removes)', () => {
    expect(words('a\ud800b c\udfff')).toEqual(['ab', 'c']);
    expect(words('a\ud800b', false)).toEqual(['ab']);
    expect(normalizeText('x\udbffy')).toBe('xy');
  });

  it('give no [UNK] and keep offsets in the original text', () => {
    const tok = BertTokenizer.fromFile(VOCAB_PATH);
    const e = tok.encode('hello\ud800 world', undefined, { addSpecialTokens: false });
    expect(e.tokens).toEqual(['hello', 'world']);
    expect(e.offsets).toEqual([
      [0, 5],
      [7, 12],
    ]);
  });

  it('without text cleaning they stay as U+FFFD, as in the Rust library', () => {
    expect(normalizeText('a\ud800b', { cleanText: false, lowercase: false })).toBe('a\ufffdb');
  });
});

describe('the tables against the JavaScript engine', () => {
  const changes = JSON.parse(readFileSync(new URL('../fixtures/tokenizer/unicode-changes.json', import.meta.url), 'utf8')) as {
    from: string;
    to: string;
    control: string[];
    punctuation: string[];
    nonspacingMark: string[];
  };
  const expand = (list: string[]) => {
    const s = new Set<number>();
    for (const r of list) {
      const [a, b = a] = r.split('-').map((x) => Number.parseInt(x, 16));
      for (let cp = a; cp <= b; cp++) s.add(cp);
    }
    return s;
  };
  const classes = [
    { name: 'control', ours: (cp: number) => isBertControl(cp), re: /^[\p{Cc}\p{Cf}\p{Co}]$/u, listed: expand(changes.control) },
    { name: 'punctuation', ours: (cp: number) => isBertPunctuation(cp), re: /^\p{P}$/u, listed: expand(changes.punctuation) },
    { name: 'nonspacingMark', ours: (cp: number) => isNonspacingMark(cp), re: /^\p{Mn}$/u, listed: expand(changes.nonspacingMark) },
  ];
  const engine = process.versions.unicode; // e.g. '17.0'

  it('the versions are the documented ones', () => {
    expect(UNICODE_TABLE_VERSIONS).toEqual({ categories: '8.0.0', nfd: '8.0.0', whiteSpace: '17.0.0', lowercase: '17.0.0' });
    expect([changes.from, changes.to]).toEqual(['8.0.0', '17.0.0']);
  });

  it.each(classes)('$name agrees with \\p{...} on every code point except the listed changes since 8.0', ({ name, ours, re, listed }) => {
    const differ: number[] = [];
    for (let cp = 0; cp < 0x110000; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      // Tab, newline and carriage return are whitespace, not control, for BERT.
      if (cp === 9 || cp === 10 || cp === 13) continue;
      // ASCII symbols ($, +, ^ ...) are punctuation by BERT's own rule, whatever their category (tested elsewhere).
      if (cp < 128 && name === 'punctuation') continue;
      if (ours(cp) !== re.test(String.fromCodePoint(cp))) differ.push(cp);
    }
    const unlisted = differ.filter((cp) => !listed.has(cp)).map((cp) => cp.toString(16));
    expect(unlisted).toEqual([]);
    // On an engine with Unicode 17.0 tables (Node 20.20), the differences are exactly the listed ones.
    if (engine === '17.0') expect(differ.length).toBe(listed.size);
    expect(listed.size).toBeGreaterThan(0);
  });

  it('the listed changes are few: 20 control, 143 punctuation, 496 non-spacing marks', () => {
    expect(classes.map((c) => c.listed.size)).toEqual([20, 143, 496]);
  });

  it('White_Space and lowercase agree with the engine (both Unicode 17.0 on Node 20.20)', () => {
    const ws = /^\p{White_Space}$/u;
    let lowerDiffer = 0;
    const wsDiffer: string[] = [];
    for (let cp = 0; cp < 0x110000; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const ch = String.fromCodePoint(cp);
      if (isBertWhitespace(cp) !== ws.test(ch)) wsDiffer.push(cp.toString(16));
      const l = lowercaseCodePoint(cp);
      if ((typeof l === 'number' ? String.fromCodePoint(l) : String.fromCodePoint(...l)) !== ch.toLowerCase()) lowerDiffer++;
    }
    expect(wsDiffer).toEqual([]); // White_Space has not changed since Unicode 6.3
    if (engine === '17.0') expect(lowerDiffer).toBe(0);
  });
});
