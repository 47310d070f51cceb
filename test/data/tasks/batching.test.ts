import { describe, expect, it } from 'vitest';
import { batchIndices, collateTaskBatch, taskBatches, type TaskFeature } from '../../../src/data/tasks/batching.ts';
import { encodeTokenClassification, readConllFile } from '../../../src/data/tasks/conll.ts';
import { LabelSet } from '../../../src/data/tasks/label-set.ts';
import { encodeMultipleChoice, readMultipleChoiceFile } from '../../../src/data/tasks/multiple-choice.ts';
import { prepareQaFeatures } from '../../../src/data/tasks/qa-features.ts';
import { readSquadFile } from '../../../src/data/tasks/squad.ts';
import { encodeRegressionExamples, parseTextTable, type ClassificationFeature } from '../../../src/data/tasks/text-classification.ts';
import { Rng } from '../../../src/tensor/random.ts';
import { errorOf, fixture, uncasedTokenizer } from './helpers.ts';

const row = (ids: number[], label: number | null, exampleIndex = 0): ClassificationFeature => ({
  kind: 'classification',
  inputIds: ids,
  tokenTypeIds: ids.map((_, i) => (i >= 2 ? 1 : 0)),
  attentionMask: ids.map(() => 1),
  label,
  exampleIndex,
});

describe('batch order', () => {
  it('in order without an Rng; a permutation with one, the same for the same seed and state', () => {
    expect(batchIndices(7, { batchSize: 3 })).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect(batchIndices(7, { batchSize: 3, dropLast: true })).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    const a = batchIndices(50, { batchSize: 8, rng: new Rng(7) });
    expect(a.flat().sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(a.flat()).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(batchIndices(50, { batchSize: 8, rng: new Rng(7) })).toEqual(a);
    const rng = new Rng(7);
    batchIndices(50, { batchSize: 8, rng });
    const saved = rng.getState();
    const epoch2 = batchIndices(50, { batchSize: 8, rng });
    expect(epoch2).not.toEqual(a);
    expect(batchIndices(50, { batchSize: 8, rng: Rng.fromState(saved) })).toEqual(epoch2);
    expect(errorOf(() => batchIndices(5, { batchSize: 0 }))).toBe('batchIndices: batchSize must be a positive integer, got 0');
  });
});

describe('collateTaskBatch', () => {
  it('pads classification rows to the longest (or a fixed length) with [PAD], type 0 and mask 0', () => {
    const fs = [row([2, 7, 3], 1), row([2, 7, 8, 9, 3], 0), row([2, 3], 2)];
    const b = collateTaskBatch(fs, [1, 0], { padId: 0 });
    expect(b).toMatchObject({ kind: 'classification', indices: [1, 0], batchSize: 2, seqLength: 5, numChoices: null, shape: [2, 5] });
    expect([...b.inputIds]).toEqual([2, 7, 8, 9, 3, 2, 7, 3, 0, 0]);
    expect([...b.tokenTypeIds]).toEqual([0, 0, 1, 1, 1, 0, 0, 1, 0, 0]);
    expect([...b.attentionMask]).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 0, 0]);
    expect(b.labels).toEqual(Int32Array.from([0, 1]));
    const fixed = collateTaskBatch(fs, [2], { padId: 0, padTo: 4 });
    expect([...fixed.inputIds]).toEqual([2, 3, 0, 0]);
    expect(errorOf(() => collateTaskBatch(fs, [0, 1], { padId: 0, padTo: 4 }))).toBe('collateTaskBatch: row 1 (feature 1) has 5 tokens, more than padTo 4');
  });

  it('padMultiple rounds the longest row up to a multiple, capped at maxLength and never below the longest', () => {
    const fs = [row([2, 7, 3], 1), row([2, 7, 8, 9, 3], 0)];
    expect(collateTaskBatch(fs, [0], { padId: 0, padMultiple: 4 }).seqLength).toBe(4);
    expect(collateTaskBatch(fs, [0, 1], { padId: 0, padMultiple: 4 }).seqLength).toBe(8);
    expect(collateTaskBatch(fs, [0, 1], { padId: 0, padMultiple: 4, maxLength: 6 }).seqLength).toBe(6);
    expect(collateTaskBatch(fs, [0, 1], { padId: 0, padMultiple: 16, maxLength: 4 }).seqLength).toBe(5);
    const b = collateTaskBatch(fs, [0], { padId: 0, padMultiple: 4 });
    expect([...b.inputIds]).toEqual([2, 7, 3, 0]);
    expect([...b.attentionMask]).toEqual([1, 1, 1, 0]);
    expect(errorOf(() => collateTaskBatch(fs, [0], { padId: 0, padMultiple: 0 }))).toBe('collateTaskBatch: padMultiple must be a positive integer, got 0');
  });

  it('unlabelled batches have no labels; mixing is an error; so are mixed kinds and bad indices', () => {
    const fs: TaskFeature[] = [row([2, 3], null), row([2, 3], null), row([2, 3], 1)];
    expect(collateTaskBatch(fs, [0, 1], { padId: 0 }).labels).toBeUndefined();
    expect(errorOf(() => collateTaskBatch(fs, [2, 0], { padId: 0 }))).toBe('collateTaskBatch: row 1 (feature 0) has no label, but other rows of the batch do');
    const mixed: TaskFeature[] = [row([2, 3], 1), { ...row([2, 3], 1), kind: 'regression' }];
    expect(errorOf(() => collateTaskBatch(mixed, [0, 1], { padId: 0 }))).toBe('collateTaskBatch: row 1 (feature 1) is regression, but row 0 is classification');
    expect(errorOf(() => collateTaskBatch(fs, [3], { padId: 0 }))).toBe('collateTaskBatch: index 3 is outside the 3 features');
    expect(errorOf(() => collateTaskBatch(fs, [], { padId: 0 }))).toBe('collateTaskBatch: expected at least one row, got 0');
  });

  it('regression targets are float32', () => {
    const t = parseTextTable('sentence1\tsentence2\tscore\na\tb\t3.8\nc\td\t0.25\n', 'sts.tsv');
    const fs = encodeRegressionExamples(uncasedTokenizer(), t.examples, { maxLength: 16 });
    const b = collateTaskBatch(fs, [0, 1], { padId: 0 });
    expect(b.labels).toBeInstanceOf(Float32Array);
    expect([...b.labels!]).toEqual([Math.fround(3.8), 0.25]);
  });

  it('token labels are [B, S] with -100 on padding', () => {
    const tok = uncasedTokenizer();
    const sentences = readConllFile(fixture('ner.conll'));
    const labels = LabelSet.fromValues(sentences.flatMap((s) => s.tags));
    const fs = encodeTokenClassification(tok, sentences, labels, { maxLength: 32 });
    const b = collateTaskBatch(fs, [1, 2], { padId: tok.ids.pad });
    expect(b.shape).toEqual([2, 8]);
    expect([...b.labels!]).toEqual([-100, 3, 4, -100, -100, -100, -100, -100, ...fs[2].labels]);
    expect([...b.attentionMask.slice(0, 8)]).toEqual([1, 1, 1, 1, 0, 0, 0, 0]);
  });

  it('QA batches carry start and end positions', () => {
    const tok = uncasedTokenizer();
    const fs = prepareQaFeatures(tok, readSquadFile(fixture('squad-v2.json')).examples, { maxLength: 64, stride: 16 });
    const b = collateTaskBatch(fs, [0, 1, 4], { padId: tok.ids.pad, padTo: 64 });
    expect(b.shape).toEqual([3, 64]);
    expect([...b.startPositions!]).toEqual([fs[0].startPosition, fs[1].startPosition, fs[4].startPosition]);
    expect([...b.endPositions!]).toEqual([fs[0].endPosition, fs[1].endPosition, fs[4].endPosition]);
    expect(b.labels).toBeUndefined();
  });

  it('multiple choice is [B, C, S]: row (b, c) at (b*C + c)*S', () => {
    const tok = uncasedTokenizer();
    const fs = encodeMultipleChoice(tok, readMultipleChoiceFile(fixture('choices.jsonl')), { maxLength: 64 });
    const b = collateTaskBatch(fs, [2, 1], { padId: tok.ids.pad });
    const S = b.seqLength;
    expect(b.shape).toEqual([2, 4, S]);
    expect(b.numChoices).toBe(4);
    expect(S).toBe(Math.max(...[fs[2], fs[1]].flatMap((f) => f.choices.map((c) => c.inputIds.length))));
    const mars = fs[2].choices[1].inputIds;
    expect([...b.inputIds.slice(1 * S, 1 * S + mars.length)]).toEqual(mars);
    const moon = fs[1].choices[1].inputIds;
    expect([...b.inputIds.slice((4 + 1) * S, (4 + 1) * S + moon.length)]).toEqual(moon);
    expect(b.labels).toEqual(Int32Array.from([1, 0]));
    const odd = [fs[0], { ...fs[1], choices: fs[1].choices.slice(0, 3) }];
    expect(errorOf(() => collateTaskBatch(odd, [0, 1], { padId: 0 }))).toBe('collateTaskBatch: row 1 (feature 1) has 3 choices, but row 0 has 4');
  });

  it('taskBatches covers every feature once per epoch', () => {
    const fs = Array.from({ length: 10 }, (_, i) => row([2, ...Array(i % 4).fill(5), 3], i % 3, i));
    const seen = [...taskBatches(fs, { batchSize: 4, padId: 0, rng: new Rng('epoch') })];
    expect(seen.map((b) => b.batchSize)).toEqual([4, 4, 2]);
    expect(seen.flatMap((b) => b.indices).sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const b of seen) expect([...b.labels!]).toEqual(b.indices.map((i) => i % 3));
  });
});
