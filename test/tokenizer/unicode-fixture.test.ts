/**
 * Our tokenizer against what Hugging Face `tokenizers` 0.23.2 recorded on 3,000 random Unicode strings
 * (test/fixtures/tokenizer/hf-unicode-random.json, written by scripts/tokenizer-unicode-fixture.ts with the
 * library's npm binding): every plane, lone surrogates, combining marks, CJK, punctuation, whitespace and
 * control characters, accented text, and the characters whose class changed since the tables' Unicode 8.0.
 * Uncased and cased, the words of the normaliser and pre-tokeniser and the WordPiece ids must be the
 * library's, on the fast path and the general one. A wrong entry in the Unicode tables for a character the
 * fixture holds shows here as a difference.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { preTokenize } from '../../src/tokenizer/pre-tokenizer.ts';
import { BertTokenizer } from '../../src/tokenizer/index.ts';
import { bertVocab } from './helpers.ts';

interface RecordedCase {
  text: string;
  /** [words, WordPiece ids] per casing. */
  uncased: [string[], number[]];
  cased: [string[], number[]];
}
const fixture = JSON.parse(readFileSync(fileURLToPath(new URL('../fixtures/tokenizer/hf-unicode-random.json', import.meta.url)), 'utf8')) as {
  tokenizers: string;
  vocab: string;
  cases: RecordedCase[];
};

const ascii = (s: string) => JSON.stringify(s).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

describe.each([
  ['uncased', true],
  ['cased', false],
] as const)('Hugging Face tokenizers on random Unicode, %s', (mode, lowercase) => {
  it('the fixture is the one described: tokenizers 0.23.2, the bert-base-uncased vocabulary, 3,000 strings', () => {
    expect(fixture.tokenizers).toBe('0.23.2');
    expect(fixture.vocab).toBe('bert-base-uncased-vocab.txt');
    expect(fixture.cases.length).toBe(3000);
  });

  it.each([true, false])('words and ids agree on every string (fast path %s)', (fast) => {
    const tok = new BertTokenizer(bertVocab(), { lowercase });
    tok.fastPath = fast;
    const differences: string[] = [];
    for (const c of fixture.cases) {
      const [words, ids] = c[mode];
      const ourWords = preTokenize(c.text, { lowercase }).map((w) => w.text);
      const ourIds = tok.encodeSequence(c.text).ids;
      if (JSON.stringify(ourWords) !== JSON.stringify(words) || JSON.stringify(ourIds) !== JSON.stringify(ids)) {
        differences.push(`${ascii(c.text)}: words ${ascii(ourWords.join(' | '))} (HF ${ascii(words.join(' | '))}), ids ${ourIds} (HF ${ids})`);
      }
    }
    expect(differences.slice(0, 10), `${differences.length} of ${fixture.cases.length} strings differ`).toEqual([]);
  });
});
