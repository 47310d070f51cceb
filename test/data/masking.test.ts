import { describe, expect, it } from 'vitest';
import { parseCorpus } from '../../src/data/corpus.ts';
import { candidateGroups, createMaskedLmPredictions, createMaskingVocab, numberToPredict, roundHalfEven } from '../../src/data/masking.ts';
import { createPairInstances, maskPairInstance, tokenizeCorpus, type PairInstance } from '../../src/data/pretraining-instances.ts';
import { Rng } from '../../src/tensor/random.ts';
import { expectFractionNear, randomCorpusText, whitespaceTokenizer } from './helpers.ts';

describe('roundHalfEven (Python round)', () => {
  it('rounds ties to even', () => {
    expect([0.5, 1.5, 2.5, 3.5, 4.5, 7.5, 2.4999999, 2.5000001, 0, 9.6].map(roundHalfEven)).toEqual([0, 2, 2, 4, 4, 8, 2, 3, 0, 10]);
  });

  it('matches CPython 3 on round(n * p) for n = 1..599', () => {
    // Reference sums printed by CPython 3: sum(round(n*p) for n in range(1, 600)).
    const sum = (p: number) => Array.from({ length: 599 }, (_, i) => roundHalfEven((i + 1) * p)).reduce((a, b) => a + b, 0);
    expect(sum(0.15)).toBe(26955);
    expect(sum(0.2)).toBe(35940);
    expect(sum(0.1)).toBe(17970);
    // The exact ties for 0.15 (n = 10, 30, 50, 70, ...) round to 2, 4, 8, 10 in CPython.
    expect([10, 30, 50, 70].map((n) => roundHalfEven(n * 0.15))).toEqual([2, 4, 8, 10]);
  });

  it('numberToPredict = min(max, max(1, round(len * p)))', () => {
    const o = { maskedLmProb: 0.15, maxPredictionsPerSeq: 20 };
    expect(numberToPredict(3, o)).toBe(1);
    expect(numberToPredict(64, o)).toBe(10);
    expect(numberToPredict(128, o)).toBe(19);
    expect(numberToPredict(512, o)).toBe(20);
    expect(numberToPredict(100, { maskedLmProb: 0, maxPredictionsPerSeq: 20 })).toBe(1);
  });
});

describe('candidate groups', () => {
  const tok = whitespaceTokenizer(['a un+believ+able b']);
  const v = tok.vocab;
  const id = (t: string) => tok.vocabTokens.indexOf(t);
  const seq = ['[CLS]', 'a', 'un', '##believ', '##able', '[SEP]', '##able', 'b', '[SEP]'].map(id);

  it('leaves out [CLS] and [SEP], one position per group without whole-word masking', () => {
    expect(candidateGroups(seq, v, false)).toEqual([[1], [2], [3], [4], [6], [7]]);
  });

  it('joins ## pieces to their word, but not across [SEP]', () => {
    expect(candidateGroups(seq, v, true)).toEqual([[1], [2, 3, 4], [6], [7]]);
  });

  it('the vocabulary must have the special tokens', () => {
    expect(() => createMaskingVocab(['[CLS]', '[SEP]', '[PAD]'])).toThrow('expected the special token [MASK] in the vocabulary (3 tokens), not found');
  });
});

/** Unmasked pairs from a random corpus, for masking statistics. */
async function corpusPairs(words: string[], seed: string, maxSeqLength: number) {
  const rng = new Rng(seed);
  const text = randomCorpusText(rng, 120, 20, 14, words);
  const tok = whitespaceTokenizer([text]);
  const docs = await tokenizeCorpus(parseCorpus(text), tok);
  const pairs = createPairInstances(docs, { maxSeqLength, shortSeqProb: 0.1, dupeFactor: 2 }, tok.vocab, new Rng(`${seed}-pairs`));
  return { tok, pairs };
}

describe('masked LM predictions', () => {
  const words = Array.from({ length: 1000 }, (_, i) => `w${i}`);
  const options = { maskedLmProb: 0.15, maxPredictionsPerSeq: 20 };

  it('masks round(15%) of each sequence, never [CLS]/[SEP], and leaves the rest alone', async () => {
    const { tok, pairs } = await corpusPairs(words, 'rate', 64);
    const rng = new Rng(1);
    let predicted = 0;
    let tokens = 0;
    const violations: string[] = [];
    for (const pair of pairs) {
      const inst = maskPairInstance(pair, tok.vocab, options, rng);
      const n = pair.ids.length;
      expect(inst.maskedPositions.length).toBe(numberToPredict(n, options));
      expect(inst.maskedPositions).toEqual([...new Set(inst.maskedPositions)].sort((a, b) => a - b));
      const masked = new Set(inst.maskedPositions);
      for (let i = 0; i < n; i++) {
        const special = pair.ids[i] === tok.vocab.clsId || pair.ids[i] === tok.vocab.sepId;
        if (masked.has(i) ? special : inst.ids[i] !== pair.ids[i]) violations.push(`position ${i} of ${Array.from(pair.ids)}`);
      }
      expect(inst.maskedLabels).toEqual(inst.maskedPositions.map((p) => pair.ids[p]));
      expect(inst.segmentIds).toBe(pair.segmentIds);
      expect(pair.ids).not.toBe(inst.ids); // the pair itself is not modified
      predicted += inst.maskedPositions.length;
      tokens += n;
    }
    // round() moves each sequence's count by at most 1/2 token from 15%.
    expect(violations).toEqual([]);
    expect(Math.abs(predicted - 0.15 * tokens)).toBeLessThanOrEqual(0.5 * pairs.length);
    expect(pairs.length).toBeGreaterThan(500);
  });

  it('caps the predictions at maxPredictionsPerSeq', async () => {
    const { tok, pairs } = await corpusPairs(words, 'cap', 64);
    const rng = new Rng(2);
    const counts = pairs.map((p) => maskPairInstance(p, tok.vocab, { maskedLmProb: 0.15, maxPredictionsPerSeq: 3 }, rng).maskedPositions.length);
    expect(Math.max(...counts)).toBe(3);
    for (let k = 0; k < pairs.length; k++) expect(counts[k]).toBe(Math.min(3, numberToPredict(pairs[k].ids.length, options)));
  });

  it('replaces 80% with [MASK], keeps 10%, puts a random token in 10%', async () => {
    const { tok, pairs } = await corpusPairs(words, 'split', 64);
    const rng = new Rng(3);
    let n = 0;
    let mask = 0;
    let kept = 0;
    for (let rep = 0; rep < 5; rep++) {
      for (const pair of pairs) {
        const inst = maskPairInstance(pair, tok.vocab, options, rng);
        inst.maskedPositions.forEach((pos, k) => {
          n++;
          if (inst.ids[pos] === tok.vocab.maskId) mask++;
          else if (inst.ids[pos] === inst.maskedLabels[k]) kept++;
        });
      }
    }
    // The random branch draws from all V ids, so it lands on [MASK] or on the label with 1/V each.
    const V = tok.vocab.size;
    expect(n).toBeGreaterThan(20000);
    expectFractionNear(mask, n, 0.8 + 0.1 / V);
    expectFractionNear(kept, n, 0.1 + 0.1 / V);
    expectFractionNear(n - mask - kept, n, 0.1 * (1 - 2 / V));
  });

  it('chooses every candidate position with the same probability', async () => {
    // Fixed length 34 ([CLS] 16 [SEP] 15 [SEP]), 5 predictions: each of the 31 candidates has p = 5/31.
    const ids = Int32Array.from({ length: 34 }, (_, i) => 10 + i);
    ids[0] = 2;
    ids[17] = 3;
    ids[33] = 3;
    const vocab = createMaskingVocab(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...Array.from({ length: 60 }, (_, i) => `t${i}`)]);
    const rng = new Rng(4);
    const hits = new Array(34).fill(0);
    const trials = 4000;
    for (let t = 0; t < trials; t++) {
      for (const pos of createMaskedLmPredictions(ids, vocab, options, rng).maskedPositions) hits[pos]++;
    }
    expect(numberToPredict(34, options)).toBe(5);
    expect([hits[0], hits[17], hits[33]]).toEqual([0, 0, 0]);
    for (let i = 0; i < 34; i++) if (![0, 17, 33].includes(i)) expectFractionNear(hits[i], trials, 5 / 31);
  });

  it('draws random tokens only from randomTokenIds when given', () => {
    const tokens = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'a', 'b', 'c', 'd'];
    const vocab = createMaskingVocab(tokens, { randomTokenIds: [7, 8] });
    const ids = Int32Array.of(2, 5, 6, 5, 6, 5, 6, 3, 6, 5, 3);
    const rng = new Rng(5);
    const seen = new Set<number>();
    for (let t = 0; t < 2000; t++) {
      const m = createMaskedLmPredictions(ids, vocab, options, rng);
      for (const pos of m.maskedPositions) seen.add(m.ids[pos]);
    }
    expect([...seen].sort()).toEqual([4, 5, 6, 7, 8]);
  });

  it('is deterministic under a seed', () => {
    const vocab = createMaskingVocab(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...words]);
    const ids = Int32Array.from({ length: 64 }, (_, i) => (i === 0 ? 2 : i === 30 || i === 63 ? 3 : 5 + i));
    const a = createMaskedLmPredictions(ids, vocab, options, new Rng(9));
    expect(createMaskedLmPredictions(ids, vocab, options, new Rng(9))).toEqual(a);
    expect(createMaskedLmPredictions(ids, vocab, options, new Rng(10))).not.toEqual(a);
  });
});

describe('whole-word masking', () => {
  // Words of 1 to 4 pieces: "w3+x1+x2" tokenizes to "w3", "##x1", "##x2".
  const rng = new Rng('words');
  const words = Array.from({ length: 300 }, (_, i) => {
    const extra = rng.randint(0, 3);
    return [`w${i}`, ...Array.from({ length: extra }, (_, k) => `x${rng.int(50)}${k}`)].join('+');
  });

  it('masks all pieces of a word or none, within the prediction budget', async () => {
    const { tok, pairs } = await corpusPairs(words, 'wwm', 48);
    const options = { maskedLmProb: 0.15, maxPredictionsPerSeq: 6, wholeWordMask: true };
    const mrng = new Rng(6);
    let multiPieceWordsMasked = 0;
    let predicted = 0;
    let budget = 0;
    for (const pair of pairs) {
      const inst = maskPairInstance(pair, tok.vocab, options, mrng);
      const masked = new Set(inst.maskedPositions);
      for (const group of candidateGroups(pair.ids, tok.vocab, true)) {
        const count = group.filter((p) => masked.has(p)).length;
        expect(count === 0 || count === group.length).toBe(true);
        if (count > 1) multiPieceWordsMasked++;
      }
      const n = numberToPredict(pair.ids.length, options);
      expect(inst.maskedPositions.length).toBeLessThanOrEqual(n);
      predicted += inst.maskedPositions.length;
      budget += n;
    }
    expect(multiPieceWordsMasked).toBeGreaterThan(100);
    // Words that would overflow the budget are skipped, so slightly fewer positions than the budget.
    expect(predicted / budget).toBeGreaterThan(0.9);
    expect(predicted).toBeLessThan(budget);
  });

  it('without whole-word masking, pieces of one word are masked independently', async () => {
    const { tok, pairs } = await corpusPairs(words, 'wwm', 48);
    const mrng = new Rng(7);
    let partial = 0;
    for (const pair of pairs) {
      const inst = maskPairInstance(pair, tok.vocab, { maskedLmProb: 0.15, maxPredictionsPerSeq: 6 }, mrng);
      const masked = new Set(inst.maskedPositions);
      for (const group of candidateGroups(pair.ids, tok.vocab, true)) {
        const count = group.filter((p) => masked.has(p)).length;
        if (count > 0 && count < group.length) partial++;
      }
    }
    expect(partial).toBeGreaterThan(100);
  });
});

it('masking leaves pair instances reusable (dynamic masking masks the same pair again)', () => {
  const vocab = createMaskingVocab(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'a', 'b', 'c']);
  const pair: PairInstance = { ids: Int32Array.of(2, 5, 6, 7, 3, 5, 6, 7, 3), segmentIds: Int32Array.of(0, 0, 0, 0, 0, 1, 1, 1, 1), isRandomNext: false };
  const before = Int32Array.from(pair.ids);
  const rng = new Rng(8);
  const masks = new Set<string>();
  for (let t = 0; t < 50; t++) masks.add(maskPairInstance(pair, vocab, { maskedLmProb: 0.3, maxPredictionsPerSeq: 5 }, rng).maskedPositions.join());
  expect(pair.ids).toEqual(before);
  expect(masks.size).toBeGreaterThan(5);
});
