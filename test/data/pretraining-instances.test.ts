import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCorpus } from '../../src/data/corpus.ts';
import { createMaskingVocab } from '../../src/data/masking.ts';
import {
  createPairInstances,
  createPretrainingInstances,
  tokenizeCorpus,
  tokenizeDocument,
  truncateSeqPair,
  type PairInstance,
  type TokenizedDocument,
} from '../../src/data/pretraining-instances.ts';
import { Rng } from '../../src/tensor/random.ts';
import { expectFractionNear, whitespaceTokenizer } from './helpers.ts';

const CLS = 2;
const SEP = 3;
const special = { clsId: CLS, sepId: SEP };
/** In a positional corpus, token number g of the whole corpus has id FIRST + g. */
const FIRST = 5;

/** A corpus whose ids say where each token sits: consecutive ids are consecutive tokens. */
function positionalCorpus(sentenceLengths: number[][]) {
  const docs: TokenizedDocument[] = [];
  const docOf: number[] = [];
  const sentenceStart: boolean[] = [];
  const sentenceEnd: boolean[] = [];
  const docLast: boolean[] = [];
  let g = 0;
  sentenceLengths.forEach((lengths, d) => {
    const doc: Int32Array[] = [];
    lengths.forEach((len, s) => {
      const sentence = new Int32Array(len);
      for (let k = 0; k < len; k++) {
        sentence[k] = FIRST + g;
        docOf.push(d);
        sentenceStart.push(k === 0);
        sentenceEnd.push(k === len - 1);
        docLast.push(s === lengths.length - 1 && k === len - 1);
        g++;
      }
      doc.push(sentence);
    });
    docs.push(doc);
  });
  return { docs, docOf, sentenceStart, sentenceEnd, docLast };
}

/** Corpus positions of segment A and segment B of an unmasked pair. */
function split(pair: PairInstance): { a: number[]; b: number[] } {
  const ids = Array.from(pair.ids);
  const sepA = ids.indexOf(SEP);
  return { a: ids.slice(1, sepA).map((id) => id - FIRST), b: ids.slice(sepA + 1, -1).map((id) => id - FIRST) };
}

const isRun = (xs: number[]) => xs.every((x, i) => i === 0 || x === xs[i - 1] + 1);

function randomLengths(rng: Rng, docs: number, maxSentences: number, maxLen: number): number[][] {
  return Array.from({ length: docs }, () => Array.from({ length: rng.randint(1, maxSentences) }, () => rng.randint(1, maxLen)));
}

describe('truncateSeqPair', () => {
  it('cuts the longer segment, B on ties, down to the maximum', () => {
    const rng = new Rng(1);
    const len = ([a, b]: ReturnType<typeof truncateSeqPair>) => [a.end - a.start, b.end - b.start];
    expect(len(truncateSeqPair(10, 3, 8, rng))).toEqual([5, 3]);
    expect(len(truncateSeqPair(3, 10, 8, rng))).toEqual([3, 5]);
    expect(len(truncateSeqPair(7, 7, 10, rng))).toEqual([5, 5]);
    expect(len(truncateSeqPair(6, 5, 10, rng))).toEqual([5, 5]);
    expect(len(truncateSeqPair(5, 6, 10, rng))).toEqual([5, 5]);
    expect(len(truncateSeqPair(5, 5, 9, rng))).toEqual([5, 4]);
    expect(len(truncateSeqPair(4, 2, 8, rng))).toEqual([4, 2]); // short enough: untouched
  });

  it('keeps a contiguous piece of each, at least one token, total = min(max, lenA + lenB)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 2, max: 200 }), fc.integer(), (la, lb, max, seed) => {
        const [a, b] = truncateSeqPair(la, lb, max, new Rng(seed));
        const ka = a.end - a.start;
        const kb = b.end - b.start;
        return a.start >= 0 && a.end <= la && b.start >= 0 && b.end <= lb && ka >= 1 && kb >= 1 && ka + kb === Math.min(max, la + lb);
      }),
    );
  });

  it('cuts from the front half of the time', () => {
    const rng = new Rng(7);
    let front = 0;
    let cuts = 0;
    for (let t = 0; t < 200; t++) {
      const [a] = truncateSeqPair(101, 1, 2, rng);
      front += a.start;
      cuts += 100;
    }
    expectFractionNear(front, cuts, 0.5);
  });
});

describe('pair instances', () => {
  const rng = new Rng('corpus');
  const corpus = positionalCorpus(randomLengths(rng, 150, 30, 15));
  const maxSeqLength = 32;
  const pairs = createPairInstances(corpus.docs, { maxSeqLength, shortSeqProb: 0.1, dupeFactor: 3 }, special, new Rng(42));

  it('lays out [CLS] A [SEP] B [SEP] with segment ids, within maxSeqLength', () => {
    expect(pairs.length).toBeGreaterThan(1000);
    for (const p of pairs) {
      const n = p.ids.length;
      expect(n).toBeLessThanOrEqual(maxSeqLength);
      expect(p.segmentIds.length).toBe(n);
      const seps = [...p.ids.keys()].filter((i) => p.ids[i] === SEP);
      expect(p.ids[0]).toBe(CLS);
      expect(seps.length).toBe(2);
      const [sepA, sepB] = seps;
      expect(sepB).toBe(n - 1);
      expect(sepA).toBeGreaterThanOrEqual(2); // A has a token
      expect(sepB - sepA).toBeGreaterThanOrEqual(2); // B has a token
      for (let i = 0; i < n; i++) expect(p.segmentIds[i]).toBe(i <= sepA ? 0 : 1);
      expect(p.ids.filter((id) => id === CLS).length).toBe(1);
    }
  });

  it('A is a contiguous run of one document; B continues it, or comes from another document', () => {
    for (const p of pairs) {
      const { a, b } = split(p);
      expect(isRun(a)).toBe(true);
      expect(isRun(b)).toBe(true);
      expect(new Set(a.map((g) => corpus.docOf[g])).size).toBe(1);
      expect(new Set(b.map((g) => corpus.docOf[g])).size).toBe(1);
      const docA = corpus.docOf[a[0]];
      const docB = corpus.docOf[b[0]];
      if (p.isRandomNext) {
        expect(docB).not.toBe(docA); // 150 documents: 10 draws all hitting A's document is (1/150)^10
      } else {
        expect(docB).toBe(docA);
        expect(b[0]).toBeGreaterThan(a[a.length - 1]);
        if (p.ids.length < maxSeqLength) {
          // Nothing was truncated: A starts a sentence, B follows A at once and ends a sentence.
          expect(b[0]).toBe(a[a.length - 1] + 1);
          expect(corpus.sentenceStart[a[0]]).toBe(true);
          expect(corpus.sentenceStart[b[0]]).toBe(true);
          expect(corpus.sentenceEnd[b[b.length - 1]]).toBe(true);
        }
      }
      if (p.ids.length < maxSeqLength) expect(corpus.sentenceStart[b[0]]).toBe(true); // B starts at a boundary
    }
  });

  it('takes A segments from every document', () => {
    const docsSeen = new Set(pairs.map((p) => corpus.docOf[split(p).a[0]]));
    expect(docsSeen.size).toBe(150);
  });

  it('is deterministic under a seed', () => {
    const again = createPairInstances(corpus.docs, { maxSeqLength, shortSeqProb: 0.1, dupeFactor: 3 }, special, new Rng(42));
    expect(again).toEqual(pairs);
    const other = createPairInstances(corpus.docs, { maxSeqLength, shortSeqProb: 0.1, dupeFactor: 3 }, special, new Rng(43));
    expect(other).not.toEqual(pairs);
  });

  it('does not modify the documents it is given', () => {
    const copy = corpus.docs.map((d) => d.map((s) => Int32Array.from(s)));
    createPairInstances(corpus.docs, { maxSeqLength: 8, shortSeqProb: 0.5 }, special, new Rng(3));
    expect(corpus.docs).toEqual(copy);
  });
});

describe('next sentence prediction balance', () => {
  it('B is random half of the time when the chunk has two or more sentences', () => {
    // One-token sentences: a chunk holds a single sentence only at the very end of a document, and then
    // A is the document's last token and B must be random. Everywhere else the coin is fair.
    const corpus = positionalCorpus(Array.from({ length: 40 }, () => Array.from({ length: 400 }, () => 1)));
    const pairs = createPairInstances(corpus.docs, { maxSeqLength: 24, shortSeqProb: 0.1, dupeFactor: 2 }, special, new Rng(5));
    let forced = 0;
    let free = 0;
    let random = 0;
    for (const p of pairs) {
      const { a } = split(p);
      if (corpus.docLast[a[a.length - 1]]) {
        forced++;
        expect(p.isRandomNext).toBe(true);
      } else {
        free++;
        if (p.isRandomNext) random++;
      }
    }
    expect(forced).toBeGreaterThan(0);
    expect(free).toBeGreaterThan(2000);
    expectFractionNear(random, free, 0.5);
  });

  it('puts the unused sentences back: two-sentence documents give 1 true pair or 2 random pairs', () => {
    // Each document: two 40-token sentences, max 64. The chunk is both sentences, A = the first.
    // True next (p = 1/2): one pair (A = s1, B = s2). Random next: s2 is put back and makes a second pair,
    // a one-sentence chunk, so also random. Overall 2/3 of the pairs are random, not 1/2.
    const D = 600;
    const corpus = positionalCorpus(Array.from({ length: D }, () => [40, 40]));
    const pairs = createPairInstances(corpus.docs, { maxSeqLength: 64, shortSeqProb: 0 }, special, new Rng(9));
    const perDoc = new Map<number, PairInstance[]>();
    for (const p of pairs) {
      const d = corpus.docOf[split(p).a[0]];
      perDoc.set(d, [...(perDoc.get(d) ?? []), p]);
    }
    expect(perDoc.size).toBe(D);
    let randomDocs = 0;
    for (const [, list] of perDoc) {
      if (list.length === 1) {
        expect(list[0].isRandomNext).toBe(false);
      } else {
        expect(list.length).toBe(2);
        expect(list.every((p) => p.isRandomNext)).toBe(true);
        // Document d holds tokens 80d .. 80d+79; one pair's A lies in its first sentence, the other's in the
        // second (the sentence put back).
        const sentenceOfA = list.map((p) => split(p).a.map((g) => Math.floor((g % 80) / 40)));
        const sentences = sentenceOfA.map((s) => [...new Set(s)]).sort();
        expect(sentences).toEqual([[0], [1]]);
        randomDocs++;
      }
    }
    expectFractionNear(randomDocs, D, 0.5);
    const randomPairs = pairs.filter((p) => p.isRandomNext).length;
    expect(randomPairs).toBe(2 * randomDocs);
  });
});

describe('target lengths and short_seq_prob', () => {
  // Long documents of one-token sentences: a true-next pair whose B does not reach the end of the document
  // is exactly target + 3 tokens long, and the target is drawn once per document and pass.
  const D = 300;
  const corpus = positionalCorpus(Array.from({ length: D }, () => Array.from({ length: 600 }, () => 1)));
  const maxSeqLength = 64;

  function targetsPerDocument(shortSeqProb: number, seed: number): Map<number, Set<number>> {
    const pairs = createPairInstances(corpus.docs, { maxSeqLength, shortSeqProb }, special, new Rng(seed));
    const lengths = new Map<number, Set<number>>();
    for (const p of pairs) {
      const { a, b } = split(p);
      if (p.isRandomNext || corpus.docLast[b[b.length - 1]]) continue;
      const d = corpus.docOf[a[0]];
      if (!lengths.has(d)) lengths.set(d, new Set());
      lengths.get(d)!.add(p.ids.length - 3);
    }
    return lengths;
  }

  it('without short sequences, full pairs fill maxSeqLength exactly', () => {
    const lengths = targetsPerDocument(0, 1);
    expect(lengths.size).toBe(D);
    for (const set of lengths.values()) expect([...set]).toEqual([maxSeqLength - 3]);
  });

  it('with short_seq_prob = 1 every document gets one target, uniform in [2, max_num_tokens]', () => {
    const lengths = targetsPerDocument(1, 2);
    expect(lengths.size).toBe(D);
    const targets = new Set<number>();
    for (const set of lengths.values()) {
      expect(set.size).toBe(1);
      const t = [...set][0];
      expect(t).toBeGreaterThanOrEqual(2);
      expect(t).toBeLessThanOrEqual(maxSeqLength - 3);
      targets.add(t);
    }
    // 300 draws from 60 values: missing more than 10 values has probability far below 1e-6.
    expect(targets.size).toBeGreaterThanOrEqual(50);
  });

  it('draws short targets down to 2 tokens', () => {
    // maxSeqLength 6: max_num_tokens 3, short targets are 2 or 3; with one-token sentences a true pair
    // away from the document end is exactly target + 3 long.
    const small = positionalCorpus(Array.from({ length: 200 }, () => Array.from({ length: 20 }, () => 1)));
    const pairs = createPairInstances(small.docs, { maxSeqLength: 6, shortSeqProb: 1 }, special, new Rng(4));
    const seen = new Set<number>();
    for (const p of pairs) {
      const { b } = split(p);
      if (!p.isRandomNext && !small.docLast[b[b.length - 1]]) seen.add(p.ids.length);
    }
    expect([...seen].sort()).toEqual([5, 6]);
  });

  it('with short_seq_prob = 0.1 about a tenth of the documents are short', () => {
    const lengths = targetsPerDocument(0.1, 3);
    const short = [...lengths.values()].filter((set) => [...set][0] < maxSeqLength - 3).length;
    // A short draw lands on max_num_tokens itself with probability 1/60 and then looks long.
    expectFractionNear(short, lengths.size, 0.1 * (59 / 60));
  });
});

describe('tokenizing a corpus', () => {
  it('turns documents into id arrays and drops sentences without tokens', async () => {
    const docs = parseCorpus('the cat sat\n   \u0000   \nthe dog\n\nun+believ+able\n', 'mem.txt');
    // The second line is not blank (it holds a control character) but tokenizes to nothing.
    const tok = whitespaceTokenizer(['the cat sat the dog un+believ+able']);
    const skipping = { ...tok, tokenize: (t: string) => tok.tokenize(t.replace(/\u0000/g, '')) };
    const out = await tokenizeCorpus(docs, skipping);
    const id = (t: string) => tok.vocabTokens.indexOf(t);
    expect(out).toEqual([
      [Int32Array.from(['the', 'cat', 'sat'].map(id)), Int32Array.from(['the', 'dog'].map(id))],
      [Int32Array.from(['un', '##believ', '##able'].map(id))],
    ]);
  });

  it('names the file and line when the tokenizer gives no id', () => {
    const [doc] = parseCorpus('fine\nbroken here\n', 'c.txt');
    const tok = { tokenize: (t: string) => t.split(' '), convertTokensToIds: (ts: readonly string[]) => ts.map((t) => (t === 'broken' ? -1 : 7)) };
    expect(() => tokenizeDocument(doc, tok)).toThrow('c.txt:2: expected an id for token "broken", the tokenizer gave -1');
  });
});

describe('option checks', () => {
  const docs = [[Int32Array.of(10, 11)], [Int32Array.of(12)]];
  it('rejects a maxSeqLength with no room for two tokens', () => {
    expect(() => createPairInstances(docs, { maxSeqLength: 4, shortSeqProb: 0 }, special, new Rng(1))).toThrow(/maxSeqLength must be an integer >= 5/);
  });
  it('rejects a corpus with no tokens', () => {
    expect(() => createPairInstances([[], [new Int32Array(0)]], { maxSeqLength: 8, shortSeqProb: 0 }, special, new Rng(1))).toThrow(
      /expected at least one document with tokens, found none among 2 documents/,
    );
  });
  it('works with a single one-sentence document (B then comes from the same document)', () => {
    const pairs = createPairInstances([[Int32Array.of(10, 11, 12)]], { maxSeqLength: 8, shortSeqProb: 0 }, special, new Rng(1));
    expect(pairs.length).toBe(1);
    expect(pairs[0].isRandomNext).toBe(true);
  });
  it('rejects a bad dupe factor', () => {
    expect(() => createPairInstances(docs, { maxSeqLength: 8, shortSeqProb: 0, dupeFactor: 0 }, special, new Rng(1))).toThrow(/dupeFactor/);
  });
});

describe('static masking over the corpus', () => {
  it('makes dupeFactor passes with fresh masks, shuffles all instances, and is deterministic', () => {
    const corpus = positionalCorpus(randomLengths(new Rng('static'), 40, 6, 12));
    const tokens = corpus.docOf.map((_, g) => `t${g}`);
    const vocab = createMaskingVocab(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...tokens]);
    const options = { maxSeqLength: 24, shortSeqProb: 0.1, maskedLmProb: 0.15, maxPredictionsPerSeq: 5, dupeFactor: 4 };
    const one = createPretrainingInstances(corpus.docs, vocab, { ...options, dupeFactor: 1 }, new Rng(11));
    const four = createPretrainingInstances(corpus.docs, vocab, options, new Rng(11));
    expect(four.length).toBeGreaterThan(3 * one.length);
    expect(four.length).toBeLessThan(5 * one.length);
    // Undo the masks with the labels to find the underlying pair of each instance.
    const restored = four.map((inst) => {
      const ids = Int32Array.from(inst.ids);
      inst.maskedPositions.forEach((pos, k) => (ids[pos] = inst.maskedLabels[k]));
      return { ...inst, ids };
    });
    const byPair = new Map<string, string[]>();
    for (const r of restored) {
      const key = Array.from(r.ids).join(',');
      byPair.set(key, [...(byPair.get(key) ?? []), r.maskedPositions.join(',')]);
    }
    const repeated = [...byPair.values()].filter((masks) => masks.length >= 2);
    expect(repeated.length).toBeGreaterThan(0);
    expect(repeated.some((masks) => new Set(masks).size > 1)).toBe(true);
    // Shuffled: neighbours in the list rarely come from the same document (unshuffled they mostly would).
    const docOfInstance = restored.map((r) => corpus.docOf[split(r).a[0]]);
    const sameNeighbour = docOfInstance.filter((d, i) => i > 0 && d === docOfInstance[i - 1]).length;
    expect(sameNeighbour / (four.length - 1)).toBeLessThan(0.1);
    expect(createPretrainingInstances(corpus.docs, vocab, options, new Rng(11))).toEqual(four);
  });
});
