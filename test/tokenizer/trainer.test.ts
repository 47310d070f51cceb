/** WordPiece trainer: merges worked out by hand on a tiny corpus, options, and word counting. */
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BertTokenizer, countWords, preTokenize, trainWordPiece, Vocab } from '../../src/tokenizer/index.ts';
import { resolveNormalizerOptions } from '../../src/tokenizer/normalizer.ts';

const SPECIAL = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
// Words: hug x3, pug x2, pun, bun, hugs.
const corpus = 'Hug hug hug pug\npug pun bun hugs';

describe('trainWordPiece', () => {
  it('learns the merges worked out by hand', () => {
    // Pair counts: (##u,##g)=6, (h,##u)=4, (p,##u)=3, (##u,##n)=2, (b,##u)=1, (##g,##s)=1.
    //  1. ##u + ##g -> ##ug (6)      2. h + ##ug -> hug (4)
    //  3. p + ##ug -> pug (2) and ##u + ##n (2) tie: (p, ##ug) has the smaller ids (9, 16) < (15, 13)
    //  4. ##u + ##n -> ##un (2)      then every pair is seen once: below minFrequency 2, stop.
    const merges: string[] = [];
    const tokens = trainWordPiece({
      texts: [corpus],
      vocabSize: 100,
      onMerge: (m) => merges.push(`${m.left} + ${m.right} -> ${m.token} (${m.count})`),
    });
    expect(tokens).toEqual([...SPECIAL, ...['b', 'g', 'h', 'n', 'p', 's', 'u'], ...['##g', '##n', '##s', '##u'], ...['##ug', 'hug', 'pug', '##un']]);
    expect(merges).toEqual(['##u + ##g -> ##ug (6)', 'h + ##ug -> hug (4)', 'p + ##ug -> pug (2)', '##u + ##n -> ##un (2)']);
  });

  it('stops at vocabSize (special tokens and alphabet included) and honours minFrequency', () => {
    expect(trainWordPiece({ texts: [corpus], vocabSize: 18 }).slice(16)).toEqual(['##ug', 'hug']);
    expect(trainWordPiece({ texts: [corpus], vocabSize: 100, minFrequency: 5 }).slice(16)).toEqual(['##ug']);
    expect(trainWordPiece({ texts: [corpus], vocabSize: 100, minFrequency: 1 }).length).toBe(23);
    // Smaller than the special tokens and the alphabet: an error naming the minimum (Hugging Face would
    // silently return the 16 tokens).
    expect(() => trainWordPiece({ texts: [corpus], vocabSize: 3 })).toThrow(
      'vocabulary size 3 is below the minimum for this corpus, 16 (5 special tokens, 7 characters and 4 ##-continuations of them): ask for at least 16',
    );
    expect(trainWordPiece({ texts: [corpus], vocabSize: 16 }).length).toBe(16);
  });

  it('limits the alphabet to the most frequent characters; a word may then start with a ## symbol', () => {
    // Weighted counts: u 8, g 6, h 4, p 3, n 2, b 1, s 1.
    const tokens = trainWordPiece({ texts: [corpus], vocabSize: 9, limitAlphabet: 3, specialTokens: ['[UNK]'] });
    // 'pug' is spelled ##u ##g (p is dropped, but u is still not the first character).
    expect(tokens).toEqual(['[UNK]', 'g', 'h', 'u', '##g', '##u', '##ug', 'hug']);
    expect(tokens.length).toBeLessThan(9); // (hug, ##s) no longer exists: s is gone; remaining pairs are rare
  });

  it('keeps case for cased training and reads corpus files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'train-test-'));
    try {
      const f = join(dir, 'c.txt');
      writeFileSync(f, 'Ab Ab ab');
      const cased = trainWordPiece({ files: [f], vocabSize: 100, lowercase: false, specialTokens: [] });
      expect(cased).toEqual(['A', 'a', 'b', '##b', 'Ab']);
      expect(trainWordPiece({ files: [f], vocabSize: 100, specialTokens: [] })).toEqual(['a', 'b', '##b', 'ab']);
      expect(() => trainWordPiece({ files: [join(dir, 'nope.txt')], vocabSize: 10 })).toThrow(/nope\.txt: the corpus file does not exist/);
      expect(() => trainWordPiece({ texts: ['  \n '], vocabSize: 10 })).toThrow('the corpus has no words');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives a vocabulary that tokenizes its own corpus without [UNK]', () => {
    const text = 'In the beginning God created the heaven and the earth. And God said, Let there be light: and there was light.';
    const tokens = trainWordPiece({ texts: [text], vocabSize: 60 });
    const tok = new BertTokenizer(new Vocab(tokens));
    expect(tok.tokenize(text)).not.toContain('[UNK]');
    expect(tok.tokenize('the light')).toEqual(['the', 'light']);
  });
});

describe('countWords', () => {
  it('counts the same words as preTokenize', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), fc.boolean(), (s, lowercase) => {
        const norm = resolveNormalizerOptions({ lowercase });
        const got = new Map<string, number>();
        countWords(s, norm, got);
        const want = new Map<string, number>();
        for (const line of s.split('\n')) for (const w of preTokenize(line, { lowercase })) want.set(w.text, (want.get(w.text) ?? 0) + 1);
        expect(got).toEqual(want);
      }),
      { numRuns: 300 },
    );
    const got = new Map<string, number>();
    countWords("Don't stop.\nDON'T!", resolveNormalizerOptions(), got);
    expect(Object.fromEntries(got)).toEqual({ don: 2, "'": 2, t: 2, stop: 1, '.': 1, '!': 1 });
  });
});
