/**
 * Behaviour of the models beyond the reference numbers: input errors, the padding mask, dropout
 * randomness and its save/restore, the loss variants of the heads, initialisation.
 */
import { describe, expect, it } from 'vitest';
import {
  BertConfig,
  BertForMultipleChoice,
  BertForPreTraining,
  BertForQuestionAnswering,
  BertForSequenceClassification,
  BertForTokenClassification,
  BertModel,
  Rng,
  type Tensor,
  extendedAttentionMask,
  noGrad,
  tensor,
} from '../../src/index.ts';

const small = (o: ConstructorParameters<typeof BertConfig>[0] = {}) =>
  new BertConfig({ vocabSize: 40, hiddenSize: 16, numHiddenLayers: 2, numAttentionHeads: 4, intermediateSize: 24, maxPositionEmbeddings: 12, ...o });
const ints = (v: number[][] | number[], shape?: number[]) => tensor(v, { dtype: 'int32', shape });

describe('inputs are checked', () => {
  const model = new BertModel(small());
  it('names the problem', () => {
    expect(() => model.forward({ inputIds: ints([[1, 2, 3]]).toDType('float32') })).toThrow(/input_ids: expected int32, got float32/);
    expect(() => model.forward({ inputIds: ints([1, 2, 3]) })).toThrow(/input_ids: expected \[batch, seq\], got \[3\]/);
    expect(() => model.forward({ inputIds: ints([Array(13).fill(1)]) })).toThrow(/sequence length 13 exceeds max_position_embeddings 12/);
    expect(() =>
      model.forward({
        inputIds: ints([
          [1, 2],
          [3, 40],
        ]),
      }),
    ).toThrow(/input_ids\[1\]\[1\] = 40 is outside the vocabulary \[0, 40\)/);
    expect(() => model.forward({ inputIds: ints([[1, -1]]) })).toThrow(/input_ids\[0\]\[1\] = -1 is outside the vocabulary/);
    expect(() => model.forward({ inputIds: ints([[1, 2]]), tokenTypeIds: ints([[0, 0, 0]]) })).toThrow(
      /token_type_ids: shape \[1,3\] differs from input_ids \[1,2\]/,
    );
    expect(() => model.forward({ inputIds: ints([[1, 2]]), tokenTypeIds: ints([[0, 2]]) })).toThrow(
      /token_type_ids\[0\]\[1\] = 2 is outside the token types \[0, 2\)/,
    );
    expect(() => model.forward({ inputIds: ints([[1, 2]]), attentionMask: ints([[1, 2]]) })).toThrow(/attention_mask\[0\]\[1\] = 2, expected 0 or 1/);
    expect(() => model.forward({ inputIds: ints([[1, 2]]), attentionMask: ints([[1]]) })).toThrow(/attention_mask: shape \[1,1\] differs/);
  });

  it('checks labels', () => {
    const seq = new BertForSequenceClassification(small({ numLabels: 3 }));
    expect(() => seq.forward({ inputIds: ints([[1, 2]]), labels: ints([3]) })).toThrow(/labels\[0\] = 3 is outside the labels \[0, 3\)/);
    expect(() => seq.forward({ inputIds: ints([[1, 2]]), labels: ints([1, 2]) })).toThrow(/labels: expected shape \[1\], got \[2\]/);
    const pt = new BertForPreTraining(small());
    expect(() => pt.forward({ inputIds: ints([[1, 2]]), labels: ints([[-100, 40]]) })).toThrow(
      /labels\[0\]\[1\] = 40 is outside the vocabulary \[0, 40\) and is not -100/,
    );
    expect(() => pt.forward({ inputIds: ints([[1, 2]]), nextSentenceLabel: ints([2]) })).toThrow(/next_sentence_label\[0\] = 2 is outside the NSP classes/);
    const mc = new BertForMultipleChoice(small());
    expect(() => mc.forward({ inputIds: ints([[1, 2]]) })).toThrow(/input_ids: expected \[batch, choices, seq\], got \[1,2\]/);
  });
});

describe('attention mask', () => {
  it('is 0 for tokens and the float32 minimum for padding', () => {
    const m = extendedAttentionMask(ints([[1, 1, 0]]));
    expect(m.shape).toEqual([1, 1, 1, 3]);
    expect(Array.from(m.data)).toEqual([0, 0, Math.fround(-3.4028234663852886e38)]);
  });

  it('makes the real tokens independent of what the padding holds', () => {
    const model = new BertModel(small(), { seed: 3 }).eval();
    const run = (pad: number[]) =>
      noGrad(() => model.forward({ inputIds: ints([[2, 5, 7, 3, ...pad]]), attentionMask: ints([[1, 1, 1, 1, 0, 0]]), outputAttentions: true }));
    const a = run([0, 0]);
    const b = run([17, 30]);
    const real = (t: Tensor) => Array.from(t.data.subarray(0, 4 * 16));
    expect(real(b.lastHiddenState)).toEqual(real(a.lastHiddenState));
    // Padding keys get exactly zero attention.
    const probs = a.attentions![0].data;
    for (let q = 0; q < 6; q++) expect([probs[q * 6 + 4], probs[q * 6 + 5]]).toEqual([0, 0]);
  });

  it('gives a fully masked row a uniform distribution, not NaN', () => {
    const model = new BertModel(small(), { seed: 3 }).eval();
    const out = noGrad(() =>
      model.forward({
        inputIds: ints([
          [2, 5, 3],
          [2, 6, 3],
        ]),
        attentionMask: ints([
          [0, 0, 0],
          [1, 1, 1],
        ]),
        outputAttentions: true,
      }),
    );
    expect(out.lastHiddenState.data.every(Number.isFinite)).toBe(true);
    const p = out.attentions![1].data.subarray(0, 9);
    for (const v of p) expect(v).toBeCloseTo(1 / 3, 6);
  });
});

describe('dropout randomness', () => {
  const inputs = { inputIds: ints([[2, 5, 7, 3]]) };
  it('is active in training, reproducible from the seed, and off in eval', () => {
    const a = new BertModel(small(), { seed: 1 });
    const b = new BertModel(small(), { seed: 1 });
    const x1 = a.forward(inputs).lastHiddenState.data;
    const x2 = a.forward(inputs).lastHiddenState.data;
    expect(Array.from(x1)).not.toEqual(Array.from(x2)); // different masks each call
    expect(Array.from(b.forward(inputs).lastHiddenState.data)).toEqual(Array.from(x1)); // same seed, same masks
    a.eval();
    const state = JSON.stringify(a.dropoutRng.getState());
    const e1 = a.forward(inputs).lastHiddenState.data;
    expect(Array.from(a.forward(inputs).lastHiddenState.data)).toEqual(Array.from(e1));
    expect(JSON.stringify(a.dropoutRng.getState())).toBe(state); // eval draws nothing
  });

  it('replays exactly after saving and restoring the generator state', () => {
    const model = new BertForSequenceClassification(small({ numLabels: 2 }), { seed: 2 });
    model.forward(inputs);
    const saved = model.dropoutRng.getState();
    const first = Array.from(model.forward(inputs).logits!.data);
    model.dropoutRng = Rng.fromState(saved);
    expect(Array.from(model.forward(inputs).logits!.data)).toEqual(first);
    // A generator passed in is the one the model uses.
    const rng = new Rng('mine');
    expect(new BertModel(small(), { rng }).dropoutRng).toBe(rng);
  });

  it('keeps weight initialisation independent of dropout draws', () => {
    const a = new BertModel(small(), { seed: 4 });
    const b = new BertModel(small(), { seed: 4, rng: new Rng('other') });
    expect(Array.from(a.encoder.layer.at(1).attention.self.query.weight.data)).toEqual(Array.from(b.encoder.layer.at(1).attention.self.query.weight.data));
  });
});

describe('initialisation', () => {
  it('follows Hugging Face: Normal(0, initializer_range), zero biases and padding row, LayerNorm 1/0', () => {
    const config = small({ vocabSize: 400, hiddenSize: 64, numAttentionHeads: 4, initializerRange: 0.05 });
    const m = new BertForPreTraining(config, { seed: 9 });
    const w = m.bert.embeddings.wordEmbeddings.weight.data;
    let s2 = 0;
    for (let i = 64; i < w.length; i++) s2 += w[i] * w[i];
    expect(Math.sqrt(s2 / (w.length - 64))).toBeCloseTo(0.05, 2);
    expect(Array.from(w.subarray(0, 64)).every((v) => v === 0)).toBe(true);
    expect(m.cls.predictions.bias.data.every((v) => v === 0)).toBe(true);
    expect(m.bert.encoder.layer.at(0).output.layerNorm.weight.data.every((v) => v === 1)).toBe(true);
    expect(m.bert.pooler!.dense.bias!.data.every((v) => v === 0)).toBe(true);
    // The decoder is the word-embedding matrix itself.
    expect(m.cls.predictions.wordEmbeddings).toBe(m.bert.embeddings.wordEmbeddings.weight);
    expect(m.namedParameters().filter(([, t]) => t === m.bert.embeddings.wordEmbeddings.weight)).toHaveLength(1);
  });
});

describe('heads', () => {
  const inputIds = ints([
    [2, 5, 7, 3],
    [2, 9, 3, 0],
  ]);
  const attentionMask = ints([
    [1, 1, 1, 1],
    [1, 1, 1, 0],
  ]);

  it('sequence classification: regression (MSE), single-label (CE), multi-label (BCE)', () => {
    const reg = new BertForSequenceClassification(small({ numLabels: 1 }), { seed: 1 }).eval();
    const out = reg.forward({ inputIds, attentionMask, labels: tensor([0.5, -1]) });
    const l = out.logits!.data;
    expect(out.loss!.item()).toBeCloseTo(((l[0] - 0.5) ** 2 + (l[1] + 1) ** 2) / 2, 5);

    const single = new BertForSequenceClassification(small({ numLabels: 3 }), { seed: 1 }).eval();
    const s = single.forward({ inputIds, attentionMask, labels: ints([2, 0]) });
    const lse = (r: number[]) => Math.log(r.reduce((a, v) => a + Math.exp(v), 0));
    const rows = [Array.from(s.logits!.data.subarray(0, 3)), Array.from(s.logits!.data.subarray(3, 6))];
    expect(s.loss!.item()).toBeCloseTo((lse(rows[0]) - rows[0][2] + lse(rows[1]) - rows[1][0]) / 2, 5);

    const multi = single.forward({
      inputIds,
      attentionMask,
      labels: tensor([
        [1, 0, 1],
        [0, 0, 1],
      ]),
    });
    const sig = (x: number) => 1 / (1 + Math.exp(-x));
    const y = [1, 0, 1, 0, 0, 1];
    const bce = y.reduce((a, t, i) => a - (t * Math.log(sig(multi.logits!.data[i])) + (1 - t) * Math.log(1 - sig(multi.logits!.data[i]))), 0) / 6;
    expect(multi.loss!.item()).toBeCloseTo(bce, 5);
  });

  it('token classification ignores -100', () => {
    const m = new BertForTokenClassification(small({ numLabels: 5 }), { seed: 1 }).eval();
    const a = m.forward({
      inputIds,
      attentionMask,
      labels: ints([
        [-100, 1, 2, -100],
        [-100, 4, -100, -100],
      ]),
    });
    expect(a.logits!.shape).toEqual([2, 4, 5]);
    const b = m.forward({
      inputIds,
      attentionMask,
      labels: ints([
        [-100, 1, 2, -100],
        [-100, 4, -100, -100],
      ]),
    });
    expect(a.loss!.item()).toBe(b.loss!.item());
    const row = (i: number) => Array.from(a.logits!.data.subarray(i * 5, i * 5 + 5));
    const ce = (r: number[], t: number) => Math.log(r.reduce((s, v) => s + Math.exp(v), 0)) - r[t];
    expect(a.loss!.item()).toBeCloseTo((ce(row(1), 1) + ce(row(2), 2) + ce(row(5), 4)) / 3, 5);
  });

  it('question answering averages start and end losses and ignores positions past the sequence', () => {
    const m = new BertForQuestionAnswering(small(), { seed: 1 }).eval();
    const out = m.forward({ inputIds, attentionMask, startPositions: ints([1, 9]), endPositions: ints([2, 9]) });
    expect(out.startLogits!.shape).toEqual([2, 4]);
    const s = Array.from(out.startLogits!.data.subarray(0, 4));
    const e = Array.from(out.endLogits!.data.subarray(0, 4));
    const ce = (r: number[], t: number) => Math.log(r.reduce((a, v) => a + Math.exp(v), 0)) - r[t];
    // Sequence 1's positions (9, clamped to 4 = the sequence length) are ignored.
    expect(out.loss!.item()).toBeCloseTo((ce(s, 1) + ce(e, 2)) / 2, 5);
    expect(() => m.forward({ inputIds, startPositions: ints([1, 2]) })).toThrow(/both start_positions and end_positions/);
  });

  it('multiple choice scores each choice and returns [batch, choices]', () => {
    const m = new BertForMultipleChoice(small(), { seed: 1 }).eval();
    const ids = ints([2, 5, 3, 2, 6, 3, 2, 7, 3, 2, 8, 3, 2, 9, 3, 2, 10, 3], [2, 3, 3]);
    const out = m.forward({ inputIds: ids, labels: ints([1, 2]), outputHiddenStates: true });
    expect(out.logits!.shape).toEqual([2, 3]);
    expect(out.hiddenStates!.map((h) => h.shape)).toEqual([
      [6, 3, 16],
      [6, 3, 16],
      [6, 3, 16],
    ]);
    // Choice 1 of example 0 alone gives the same score.
    const alone = m.forward({ inputIds: ints([2, 6, 3, 2, 6, 3, 2, 6, 3], [1, 3, 3]) });
    expect(alone.logits!.data[0]).toBeCloseTo(out.logits!.data[1], 5);
  });

  it('pretraining returns the parts of the loss whose labels are given', () => {
    const m = new BertForPreTraining(small(), { seed: 1 }).eval();
    const both = m.forward({
      inputIds,
      attentionMask,
      labels: ints([
        [-100, 6, -100, -100],
        [-100, -100, 8, -100],
      ]),
      nextSentenceLabel: ints([0, 1]),
    });
    expect(both.loss!.item()).toBeCloseTo(both.mlmLoss!.item() + both.nspLoss!.item(), 5);
    const nspOnly = m.forward({ inputIds, attentionMask, nextSentenceLabel: ints([0, 1]) });
    expect(nspOnly.loss!.item()).toBeCloseTo(both.nspLoss!.item(), 6);
    expect(m.forward({ inputIds }).loss).toBeUndefined();
    expect(both.predictionLogits!.shape).toEqual([2, 4, 40]);
    expect(both.seqRelationshipLogits!.shape).toEqual([2, 2]);
  });

  it('returns hidden states and attentions only when asked', () => {
    const m = new BertModel(small(), { seed: 1 }).eval();
    const plain = m.forward({ inputIds });
    expect(plain.hiddenStates).toBeUndefined();
    expect(plain.attentions).toBeUndefined();
    const all = m.forward({ inputIds, outputHiddenStates: true, outputAttentions: true });
    expect(all.hiddenStates).toHaveLength(3);
    expect(all.attentions!.map((a) => a.shape)).toEqual([
      [2, 4, 4, 4],
      [2, 4, 4, 4],
    ]);
    expect(all.hiddenStates![2]).toBe(all.lastHiddenState);
    expect(all.poolerOutput!.shape).toEqual([2, 16]);
  });
});
