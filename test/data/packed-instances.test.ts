/**
 * PackedInstances (src/data/packed-instances.ts), built on a flat TokenCorpus, holds the same pretraining
 * instances as the object list createPretrainingInstances makes, in the same order, for the same generator
 * (and the same pairs as createPairInstances); and a batch stream serves the same batches from either.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCorpus } from '../../src/data/corpus.ts';
import { createMaskingVocab } from '../../src/data/masking.ts';
import { PackedInstances } from '../../src/data/packed-instances.ts';
import { PretrainingBatchStream } from '../../src/data/pretraining-batches.ts';
import {
  createPackedPairInstances,
  createPackedPretrainingInstances,
  createPairInstances,
  createPretrainingInstances,
  tokenizeCorpus,
  type TokenizedDocument,
} from '../../src/data/pretraining-instances.ts';
import { TokenCorpus } from '../../src/data/token-corpus.ts';
import { Rng } from '../../src/tensor/random.ts';
import { BertTokenizer } from '../../src/tokenizer/index.ts';

const vocabTokens = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...Array.from({ length: 60 }, (_, i) => (i % 4 === 3 ? `##p${i}` : `w${i}`))];
const vocab = createMaskingVocab(vocabTokens);

/** Documents of random sentences of random ids (no specials), some sentences and documents empty. */
function randomDocs(seed: number, count: number): TokenizedDocument[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () =>
    Array.from({ length: Math.floor(rng.next() * 7) }, () => Int32Array.from({ length: Math.floor(rng.next() * 13) }, () => 5 + Math.floor(rng.next() * 60))),
  );
}

/** The documents without empty sentences and documents: what createPretrainingInstances works on. */
const nonEmpty = (docs: TokenizedDocument[]): TokenizedDocument[] => docs.map((d) => d.filter((s) => s.length > 0)).filter((d) => d.length > 0);

describe('PackedInstances', () => {
  it('holds exactly the instances of createPretrainingInstances, in the same order, for any seed and options', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e6 }),
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 8, max: 40 }),
        fc.integer({ min: 1, max: 3 }),
        fc.boolean(),
        (seed, count, maxSeqLength, dupeFactor, wholeWordMask) => {
          const docs = randomDocs(seed, count);
          fc.pre(nonEmpty(docs).length > 0);
          const options = { maxSeqLength, shortSeqProb: 0.2, maskedLmProb: 0.15, maxPredictionsPerSeq: 6, wholeWordMask, dupeFactor };
          const list = createPretrainingInstances(docs, vocab, options, new Rng(`${seed}:data`));
          const packed = createPackedPretrainingInstances(TokenCorpus.fromDocuments(docs, vocab.size), vocab, options, new Rng(`${seed}:data`));
          expect(packed.length).toBe(list.length);
          for (let i = 0; i < list.length; i++) expect(packed.get(i)).toEqual(list[i]);
        },
      ),
      { numRuns: 40, seed: 5 },
    );
  });

  it('holds the same instances as the object list on real text, for several seeds, lengths and dupe factors', async () => {
    const fixtures = join(import.meta.dirname, '../fixtures');
    const tokenizer = BertTokenizer.fromFile(join(fixtures, 'tokenizer/bert-base-uncased-vocab.txt'));
    const bertVocab = createMaskingVocab(tokenizer.vocab.tokens);
    const docs = await tokenizeCorpus(readCorpus(join(fixtures, 'data/sample_text.txt')), tokenizer);
    const corpus = TokenCorpus.fromDocuments(docs, tokenizer.vocab.size);
    for (const [seed, maxSeqLength, dupeFactor, wholeWordMask] of [
      [0, 128, 3, false],
      [1, 32, 2, true],
      [7, 512, 1, false],
    ] as const) {
      const options = { maxSeqLength, shortSeqProb: 0.1, maskedLmProb: 0.15, maxPredictionsPerSeq: Math.round(0.15 * maxSeqLength), wholeWordMask, dupeFactor };
      const list = createPretrainingInstances(docs, bertVocab, options, new Rng(`${seed}:data`));
      const packed = createPackedPretrainingInstances(corpus, bertVocab, options, new Rng(`${seed}:data`));
      expect(list.length).toBeGreaterThan(5);
      expect(Array.from({ length: packed.length }, (_, i) => packed.get(i))).toEqual(list);
    }
  });

  it('holds exactly the pairs of createPairInstances when unmasked (dynamic masking)', () => {
    for (const seed of [1, 2, 3]) {
      const docs = randomDocs(seed, 25);
      const options = { maxSeqLength: 20, shortSeqProb: 0.3, dupeFactor: 2 };
      const list = createPairInstances(docs, options, vocab, new Rng(seed));
      const packed = createPackedPairInstances(TokenCorpus.fromDocuments(docs, vocab.size), options, vocab, new Rng(seed));
      expect(Array.from({ length: packed.length }, (_, i) => packed.getPair(i))).toEqual(list);
      expect(() => packed.get(0)).toThrow(/holds unmasked pairs/);
    }
  });

  it('a batch stream serves the same batches from the packed instances as from the list, static and dynamic', () => {
    const docs = randomDocs(9, 40);
    const corpus = TokenCorpus.fromDocuments(docs, vocab.size);
    const options = { maxSeqLength: 24, shortSeqProb: 0.1, maskedLmProb: 0.15, maxPredictionsPerSeq: 5, dupeFactor: 2 };
    const streamOptions = { batchSize: 8, maxSeqLength: 24, maxPredictionsPerSeq: 5, padId: vocab.padId };
    const list = createPretrainingInstances(docs, vocab, options, new Rng(2));
    const packed = createPackedPretrainingInstances(corpus, vocab, options, new Rng(2));
    const a = new PretrainingBatchStream({ kind: 'static', instances: list }, streamOptions, new Rng(3));
    const b = new PretrainingBatchStream({ kind: 'static', instances: packed }, streamOptions, new Rng(3));
    for (let k = 0; k < 2 * a.batchesPerEpoch; k++) expect(b.nextBatch()).toEqual(a.nextBatch());

    const pairs = createPairInstances(docs, options, vocab, new Rng(4));
    const packedPairs = createPackedPairInstances(corpus, options, vocab, new Rng(4));
    const c = new PretrainingBatchStream({ kind: 'dynamic', pairs, vocab, masking: options }, streamOptions, new Rng(5));
    const d = new PretrainingBatchStream({ kind: 'dynamic', pairs: packedPairs, vocab, masking: options }, streamOptions, new Rng(5));
    for (let k = 0; k < 2 * c.batchesPerEpoch; k++) expect(d.nextBatch()).toEqual(c.nextBatch());
  });

  it('stores ids in 16 bits for vocabularies up to 65,536 tokens, in 32 bits above, and refuses what it cannot store', () => {
    const wideCorpus = TokenCorpus.fromDocuments([[Int32Array.of(70000, 9, 11)]], 80000);
    const wide = new PackedInstances(wideCorpus, { clsId: 2, sepId: 3 }, 8, 2);
    wide.push({ aStart: 0, aLength: 1, bStart: 1, bLength: 2, isRandomNext: true }, { positions: [1, 4], maskedIds: [4, 75000] });
    expect(wide.get(0)).toEqual({
      ids: Int32Array.from([2, 4, 3, 9, 75000, 3]),
      segmentIds: Int32Array.from([0, 0, 0, 1, 1, 1]),
      isRandomNext: true,
      maskedPositions: [1, 4],
      maskedLabels: [70000, 11],
    });
    expect(wide.bytes).toBeGreaterThan(0);

    const corpus = TokenCorpus.fromDocuments([[Int32Array.of(5, 6, 7)]], 30522);
    expect(corpus.tokens).toBeInstanceOf(Uint16Array);
    const narrow = new PackedInstances(corpus, { clsId: 2, sepId: 3 }, 8, 2);
    const pair = { aStart: 0, aLength: 1, bStart: 1, bLength: 2, isRandomNext: false };
    expect(() => narrow.push({ ...pair, bLength: 5 })).toThrow(/an instance of 9 tokens, expected at most maxSeqLength 8/);
    expect(() => narrow.push({ ...pair, bStart: 2 }, { positions: [], maskedIds: [] })).toThrow(/tokens 2 \.\. 4 are outside the corpus's 3/);
    expect(() => narrow.push(pair)).toThrow(/expected the masking/);
    expect(() => narrow.push(pair, { positions: [1, 2, 3], maskedIds: [4, 4, 4] })).toThrow(/3 masked positions, expected at most 2/);
    expect(() => narrow.push(pair, { positions: [0], maskedIds: [4] })).toThrow(/masked position 0 is outside the instance's 1 \.\. 5/);
    expect(() => narrow.get(0)).toThrow(/index 0 is outside \[0, 0\)/);
    expect(() => new PackedInstances(corpus, { clsId: 2, sepId: 3 }, 4, 2)).toThrow(/maxSeqLength must be an integer in \[5, 65535\], got 4/);
  });

  it('refuses an empty corpus with the message of the object list', () => {
    const empty = TokenCorpus.fromDocuments([[], [new Int32Array(0)]], vocab.size);
    const options = { maxSeqLength: 8, shortSeqProb: 0, maskedLmProb: 0.15, maxPredictionsPerSeq: 2 };
    expect(() => createPackedPretrainingInstances(empty, vocab, options, new Rng(1))).toThrow(/expected at least one document with tokens, found none/);
    expect(() =>
      createPackedPretrainingInstances(TokenCorpus.fromDocuments([[Int32Array.of(5)]], vocab.size), vocab, { ...options, dupeFactor: 0 }, new Rng(1)),
    ).toThrow(/dupeFactor/);
  });
});
