/**
 * PackedInstances (src/data/packed-instances.ts) holds the same pretraining instances as the object list
 * createPretrainingInstances makes, in the same order, for the same generator; and a batch stream serves the
 * same batches from either.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PackedInstances } from '../../src/data/packed-instances.ts';
import { PretrainingBatchStream } from '../../src/data/pretraining-batches.ts';
import { createPackedPretrainingInstances, createPretrainingInstances, type TokenizedDocument } from '../../src/data/pretraining-instances.ts';
import { createMaskingVocab } from '../../src/data/masking.ts';
import { Rng } from '../../src/tensor/random.ts';

const vocabTokens = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...Array.from({ length: 60 }, (_, i) => (i % 4 === 3 ? `##p${i}` : `w${i}`))];
const vocab = { ...createMaskingVocab(vocabTokens), size: vocabTokens.length };

/** Documents of random sentences of random ids (no specials). */
function randomDocs(seed: number, count: number): TokenizedDocument[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () =>
    Array.from({ length: 1 + Math.floor(rng.next() * 6) }, () =>
      Int32Array.from({ length: 1 + Math.floor(rng.next() * 12) }, () => 5 + Math.floor(rng.next() * 60)),
    ),
  );
}

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
          const options = { maxSeqLength, shortSeqProb: 0.2, maskedLmProb: 0.15, maxPredictionsPerSeq: 6, wholeWordMask, dupeFactor };
          const list = createPretrainingInstances(docs, vocab, options, new Rng(`${seed}:data`));
          const packed = createPackedPretrainingInstances(docs, vocab, options, new Rng(`${seed}:data`));
          expect(packed.length).toBe(list.length);
          for (let i = 0; i < list.length; i++) expect(packed.get(i)).toEqual(list[i]);
        },
      ),
      { numRuns: 40, seed: 5 },
    );
  });

  it('a batch stream serves the same batches from the packed instances as from the list', () => {
    const docs = randomDocs(9, 40);
    const options = { maxSeqLength: 24, shortSeqProb: 0.1, maskedLmProb: 0.15, maxPredictionsPerSeq: 5, dupeFactor: 2 };
    const list = createPretrainingInstances(docs, vocab, options, new Rng(2));
    const packed = createPackedPretrainingInstances(docs, vocab, options, new Rng(2));
    const streamOptions = { batchSize: 8, maxSeqLength: 24, maxPredictionsPerSeq: 5, padId: vocab.padId };
    const a = new PretrainingBatchStream({ kind: 'static', instances: list }, streamOptions, new Rng(3));
    const b = new PretrainingBatchStream({ kind: 'static', instances: packed }, streamOptions, new Rng(3));
    for (let k = 0; k < 2 * a.batchesPerEpoch; k++) expect(b.nextBatch()).toEqual(a.nextBatch());
  });

  it('stores ids in 16 bits for vocabularies up to 65,536 tokens, in 32 bits above, and refuses what it cannot store', () => {
    const inst = {
      ids: Int32Array.from([2, 70000, 3, 9, 3]),
      segmentIds: Int32Array.from([0, 0, 0, 1, 1]),
      isRandomNext: true,
      maskedPositions: [1],
      maskedLabels: [70000],
    };
    const wide = new PackedInstances(8, 2, 80000);
    wide.push(inst);
    expect(wide.get(0)).toEqual(inst);
    const narrow = new PackedInstances(8, 2, 30522);
    expect(() => narrow.push(inst)).toThrow(/id 70000 does not fit 16 bits/);
    expect(() => narrow.push({ ...inst, ids: new Int32Array(9), segmentIds: new Int32Array(9) })).toThrow(/9 tokens, expected at most maxSeqLength 8/);
    expect(() => narrow.push({ ...inst, ids: Int32Array.from([2, 5, 3, 9, 3]), segmentIds: Int32Array.from([0, 1, 0, 1, 1]) })).toThrow(
      /segment ids must be 0s then 1s/,
    );
    expect(() => narrow.get(0)).toThrow(/index 0 is outside \[0, 0\)/);
  });
});
