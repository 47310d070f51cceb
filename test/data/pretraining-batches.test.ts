import { describe, expect, it } from 'vitest';
import { createMaskingVocab } from '../../src/data/masking.ts';
import {
  collatePretrainingBatch,
  MLM_IGNORE_INDEX,
  PretrainingBatchStream,
  type PretrainingBatch,
  type PretrainingSource,
} from '../../src/data/pretraining-batches.ts';
import { createPairInstances, createPretrainingInstances, type PretrainingInstance, type TokenizedDocument } from '../../src/data/pretraining-instances.ts';
import { Rng } from '../../src/tensor/random.ts';

const tokens = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...Array.from({ length: 95 }, (_, i) => `w${i}`)];
const vocab = createMaskingVocab(tokens);

function randomDocs(seed: string, n: number): TokenizedDocument[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () =>
    Array.from({ length: rng.randint(1, 8) }, () => Int32Array.from({ length: rng.randint(1, 9) }, () => rng.randint(5, 99))),
  );
}

describe('collatePretrainingBatch', () => {
  const a: PretrainingInstance = {
    ids: Int32Array.of(2, 4, 11, 3, 12, 3),
    segmentIds: Int32Array.of(0, 0, 0, 0, 1, 1),
    isRandomNext: false,
    maskedPositions: [1, 4],
    maskedLabels: [10, 12],
  };
  const b: PretrainingInstance = {
    ids: Int32Array.of(2, 20, 3, 4, 3),
    segmentIds: Int32Array.of(0, 0, 0, 1, 1),
    isRandomNext: true,
    maskedPositions: [3],
    maskedLabels: [21],
  };

  it('pads to maxSeqLength and lays out compact and dense MLM labels', () => {
    const batch = collatePretrainingBatch([a, b], { maxSeqLength: 8, maxPredictionsPerSeq: 3, padId: 0 });
    expect([batch.batchSize, batch.seqLength, batch.maxPredictionsPerSeq]).toEqual([2, 8, 3]);
    expect(Array.from(batch.inputIds)).toEqual([2, 4, 11, 3, 12, 3, 0, 0, 2, 20, 3, 4, 3, 0, 0, 0]);
    expect(Array.from(batch.tokenTypeIds)).toEqual([0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0]);
    expect(Array.from(batch.attentionMask)).toEqual([1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0]);
    expect(Array.from(batch.mlmPositions)).toEqual([1, 4, 0, 3, 0, 0]);
    expect(Array.from(batch.mlmLabels)).toEqual([10, 12, 0, 21, 0, 0]);
    expect(Array.from(batch.mlmWeights)).toEqual([1, 1, 0, 1, 0, 0]);
    const X = MLM_IGNORE_INDEX;
    expect(Array.from(batch.labels)).toEqual([X, 10, X, X, 12, X, X, X, X, X, X, 21, X, X, X, X]);
    expect(Array.from(batch.nextSentenceLabels)).toEqual([0, 1]);
  });

  it('can pad to the longest row instead', () => {
    const batch = collatePretrainingBatch([b], { maxSeqLength: 8, maxPredictionsPerSeq: 3, padId: 0, padToLongest: true });
    expect(batch.seqLength).toBe(5);
    expect(Array.from(batch.attentionMask)).toEqual([1, 1, 1, 1, 1]);
  });

  it('names the row that does not fit', () => {
    expect(() => collatePretrainingBatch([b, a], { maxSeqLength: 5, maxPredictionsPerSeq: 3, padId: 0 })).toThrow(
      'collatePretrainingBatch: instance 1 has 6 tokens, expected at most maxSeqLength 5',
    );
    expect(() => collatePretrainingBatch([a], { maxSeqLength: 8, maxPredictionsPerSeq: 1, padId: 0 })).toThrow(
      'instance 0 has 2 predictions, expected at most maxPredictionsPerSeq 1',
    );
    expect(() => collatePretrainingBatch([], { maxSeqLength: 8, maxPredictionsPerSeq: 1, padId: 0 })).toThrow(/at least one instance/);
  });
});

describe('PretrainingBatchStream', () => {
  const docs = randomDocs('stream', 60);
  const masking = { maskedLmProb: 0.15, maxPredictionsPerSeq: 5 };
  const pairOptions = { maxSeqLength: 24, shortSeqProb: 0.1 };
  const pairs = createPairInstances(docs, pairOptions, vocab, new Rng(1));
  const streamOptions = { batchSize: 16, maxSeqLength: 24, maxPredictionsPerSeq: 5, padId: vocab.padId };
  const dynamic: PretrainingSource = { kind: 'dynamic', pairs, vocab, masking };
  const key = (batch: PretrainingBatch) => `${Array.from(batch.inputIds)}|${Array.from(batch.mlmPositions)}|${Array.from(batch.nextSentenceLabels)}`;

  it('serves every instance once per epoch, in a new order each epoch', () => {
    const instances = createPretrainingInstances(docs, vocab, { ...pairOptions, ...masking }, new Rng(2));
    const stream = new PretrainingBatchStream({ kind: 'static', instances }, streamOptions, new Rng(3));
    expect(stream.batchesPerEpoch).toBe(Math.ceil(instances.length / 16));
    const epochRows: string[][] = [];
    for (let e = 0; e < 2; e++) {
      const rows: string[] = [];
      for (const batch of stream.epochBatches()) {
        for (let r = 0; r < batch.batchSize; r++) rows.push(Array.from(batch.inputIds.subarray(r * 24, (r + 1) * 24)).join());
      }
      expect(stream.epoch).toBe(e);
      epochRows.push(rows);
    }
    const all = instances.map((inst) =>
      Array.from(inst.ids)
        .concat(new Array(24 - inst.ids.length).fill(0))
        .join(),
    );
    expect([...epochRows[0]].sort()).toEqual([...all].sort());
    expect([...epochRows[1]].sort()).toEqual([...all].sort());
    expect(epochRows[1]).not.toEqual(epochRows[0]);
  });

  it('static masking repeats the same masks; dynamic masking draws new ones each epoch', () => {
    const masksPerEpoch = (source: PretrainingSource) => {
      const stream = new PretrainingBatchStream(source, { ...streamOptions, shuffle: false }, new Rng(4));
      return [0, 1].map(() => [...stream.epochBatches()].map((b) => Array.from(b.mlmPositions).join()).join('|'));
    };
    const instances = pairs.map((p) => ({ ...p, maskedPositions: [1], maskedLabels: [p.ids[1]] }));
    const [s0, s1] = masksPerEpoch({ kind: 'static', instances });
    expect(s1).toBe(s0);
    const [d0, d1] = masksPerEpoch(dynamic);
    expect(d1).not.toBe(d0);
  });

  it('resumes from a saved state with the same batches, mid-epoch and across epochs', () => {
    const reference = new PretrainingBatchStream(dynamic, streamOptions, new Rng(5));
    const perEpoch = reference.batchesPerEpoch;
    const expected: string[] = [];
    for (let k = 0; k < 3 * perEpoch; k++) expected.push(key(reference.nextBatch()));

    for (const stop of [0, 1, perEpoch - 1, perEpoch, perEpoch + 2, 2 * perEpoch + 1]) {
      const first = new PretrainingBatchStream(dynamic, streamOptions, new Rng(5));
      for (let k = 0; k < stop; k++) first.nextBatch();
      const saved = JSON.parse(JSON.stringify(first.getState()));
      const resumed = new PretrainingBatchStream(dynamic, streamOptions, new Rng('another seed'));
      resumed.setState(saved);
      for (let k = stop; k < 3 * perEpoch; k++) expect(key(resumed.nextBatch())).toBe(expected[k]);
    }
  });

  it('reports epoch and position', () => {
    const stream = new PretrainingBatchStream(dynamic, streamOptions, new Rng(6));
    stream.nextBatch();
    stream.nextBatch();
    expect([stream.getState().epoch, stream.getState().position]).toEqual([0, 32]);
    for (let k = 2; k < stream.batchesPerEpoch; k++) stream.nextBatch();
    expect([stream.epoch, stream.position]).toEqual([0, pairs.length]);
    stream.nextBatch();
    expect([stream.epoch, stream.position]).toEqual([1, 16]);
  });

  it('dropLast skips the short last batch', () => {
    const stream = new PretrainingBatchStream(dynamic, { ...streamOptions, dropLast: true }, new Rng(7));
    expect(stream.batchesPerEpoch).toBe(Math.floor(pairs.length / 16));
    const sizes = [...stream.epochBatches()].map((b) => b.batchSize);
    expect(sizes.length).toBe(stream.batchesPerEpoch);
    expect(new Set(sizes)).toEqual(new Set([16]));
    expect(pairs.length % 16).not.toBe(0); // the test would not test anything otherwise
  });

  it('rejects a bad batch size and a bad saved position', () => {
    expect(() => new PretrainingBatchStream(dynamic, { ...streamOptions, batchSize: 0 }, new Rng(1))).toThrow(/batchSize must be a positive integer, got 0/);
    const stream = new PretrainingBatchStream(dynamic, streamOptions, new Rng(1));
    expect(() => stream.setState({ ...stream.getState(), position: pairs.length + 1 })).toThrow(/position .* is outside/);
  });
});
