/**
 * TokenCorpus (src/data/token-corpus.ts): a tokenized corpus as one flat array of ids plus sentence and
 * document offsets holds the same documents as the arrays of sentences tokenizeCorpus returns.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCorpus, readCorpus } from '../../src/data/corpus.ts';
import { tokenizeCorpus, tokenizeToCorpus, type TokenizedDocument } from '../../src/data/pretraining-instances.ts';
import { TokenCorpus, TokenCorpusBuilder } from '../../src/data/token-corpus.ts';
import { BertTokenizer } from '../../src/tokenizer/index.ts';

const fixtures = join(import.meta.dirname, '../fixtures');
const documents = (corpus: TokenCorpus): TokenizedDocument[] => Array.from({ length: corpus.documentCount }, (_, d) => corpus.document(d));

describe('TokenCorpus', () => {
  it('holds the documents it was given, without empty sentences and documents, across block boundaries', () => {
    const docs = [
      [Int32Array.of(5, 6, 7), new Int32Array(0), Int32Array.of(8)],
      [],
      [new Int32Array(0)],
      [Int32Array.of(9, 10, 11, 12, 13), Int32Array.of(14)],
    ];
    const builder = new TokenCorpusBuilder(100, 2);
    for (const doc of docs) builder.addDocument(doc);
    expect(builder.documentCount).toBe(2);
    const corpus = builder.finish();
    expect(documents(corpus)).toEqual([
      [Int32Array.of(5, 6, 7), Int32Array.of(8)],
      [Int32Array.of(9, 10, 11, 12, 13), Int32Array.of(14)],
    ]);
    expect(Array.from(corpus.tokens)).toEqual([5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    expect(Array.from(corpus.sentenceStarts)).toEqual([0, 3, 4, 9, 10]);
    expect(Array.from(corpus.documentStarts)).toEqual([0, 2, 4]);
    expect([corpus.sentenceCount(1), corpus.sentenceStart(1, 1), corpus.sentenceLength(1, 0), corpus.tokenCount]).toEqual([2, 9, 5, 10]);
    expect(corpus.bytes).toBe(10 * 2 + 5 * 4 + 3 * 4);
    expect(() => builder.addDocument([Int32Array.of(5)])).toThrow(/already finished/);
  });

  it('keeps ids in 16 bits up to 65,536 tokens of vocabulary, in 32 above, and refuses ids outside the vocabulary', () => {
    expect(TokenCorpus.fromDocuments([[Int32Array.of(65535)]], 65536).tokens).toBeInstanceOf(Uint16Array);
    const wide = TokenCorpus.fromDocuments([[Int32Array.of(70000)]], 80000);
    expect(wide.tokens).toBeInstanceOf(Int32Array);
    expect(wide.document(0)).toEqual([Int32Array.of(70000)]);
    expect(() => TokenCorpus.fromDocuments([[Int32Array.of(1)], [Int32Array.of(2), Int32Array.of(3, 30000)]], 30000)).toThrow(
      'TokenCorpusBuilder: expected token ids in [0, 30000), found 30000 (sentence 2 of document 2)',
    );
    expect(() => new TokenCorpusBuilder(0)).toThrow(/vocabSize must be a positive integer, got 0/);
  });

  it('tokenizeToCorpus gives the documents of tokenizeCorpus, and the same warning for a corpus of unknown words', async () => {
    const tokenizer = BertTokenizer.fromFile(join(fixtures, 'tokenizer/bert-base-uncased-vocab.txt'));
    const file = join(fixtures, 'data/sample_text.txt');
    const corpus = await tokenizeToCorpus(readCorpus(file), tokenizer, tokenizer.vocab.size);
    expect(corpus.documentCount).toBe(3);
    expect(documents(corpus)).toEqual(await tokenizeCorpus(readCorpus(file), tokenizer));

    const warnings: string[] = [];
    const flatWarnings: string[] = [];
    const unknown = 'ⴰⴱⴳ ⴷⴹⴻ\nⴼⴽⵀ\n\nⵃⵄⵅ\n';
    await tokenizeCorpus(parseCorpus(unknown, 'tifinagh.txt'), tokenizer, { onWarning: (m) => warnings.push(m) });
    await tokenizeToCorpus(parseCorpus(unknown, 'tifinagh.txt'), tokenizer, tokenizer.vocab.size, { onWarning: (m) => flatWarnings.push(m) });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^tifinagh\.txt: 4 of the corpus's 4 tokens \(100\.0%\) are \[UNK\]/);
    expect(flatWarnings).toEqual(warnings);
  });
});
