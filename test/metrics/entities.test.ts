/**
 * Entity-level scores on examples worked out by hand with the conlleval rules (see src/metrics/entities.ts):
 * a chunk starts at B-X, or at I-X after O / after another type; it ends before O, before a chunk start,
 * and at the end of the sentence. An entity is (sentence, type, first token, one past the last token).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { entityScores, extractEntities, formatEntityReport, idsToTags, parseBioTag } from '../../src/metrics/index.ts';

const spans = (tags: string[]) => extractEntities(tags).map((e) => `${e.type}[${e.start},${e.end})`);

describe('extractEntities (conlleval chunks)', () => {
  it('B-X I-X ... is one entity; O ends it', () => {
    expect(spans(['B-PER', 'I-PER', 'O', 'B-LOC'])).toEqual(['PER[0,2)', 'LOC[3,4)']);
  });
  it('I-X without B-X starts an entity (after O and at the start of the sentence)', () => {
    expect(spans(['O', 'I-PER', 'I-PER', 'O'])).toEqual(['PER[1,3)']);
    expect(spans(['I-LOC', 'I-LOC'])).toEqual(['LOC[0,2)']);
  });
  it('B-X B-X is two adjacent entities of the same type; B-X after I-X too', () => {
    expect(spans(['B-PER', 'B-PER', 'I-PER'])).toEqual(['PER[0,1)', 'PER[1,3)']);
    expect(spans(['B-ORG', 'I-ORG', 'B-ORG'])).toEqual(['ORG[0,2)', 'ORG[2,3)']);
  });
  it('a type change mid-chunk (B-X I-Y) ends X and starts Y', () => {
    expect(spans(['B-PER', 'I-LOC', 'I-LOC'])).toEqual(['PER[0,1)', 'LOC[1,3)']);
    expect(spans(['I-PER', 'I-ORG', 'B-ORG'])).toEqual(['PER[0,1)', 'ORG[1,2)', 'ORG[2,3)']);
  });
  it('an entity running to the end of the sentence is closed there', () => {
    expect(spans(['O', 'O', 'B-MISC', 'I-MISC'])).toEqual(['MISC[2,4)']);
    expect(spans(['B-MISC'])).toEqual(['MISC[0,1)']);
  });
  it('no entities in an all-O or empty sentence', () => {
    expect(spans(['O', 'O'])).toEqual([]);
    expect(spans([])).toEqual([]);
  });
  it('types may contain dashes; malformed tags are rejected with their position', () => {
    expect(parseBioTag('B-ORG-X')).toEqual({ prefix: 'B', type: 'ORG-X' });
    expect(() => extractEntities(['O', 'E-PER'], 3)).toThrow(/sentence 3, token 1.*"E-PER"/);
    expect(() => extractEntities(['B-'])).toThrow(/B-TYPE/);
    expect(() => extractEntities(['PER'])).toThrow(/got "PER"/);
  });
});

describe('entityScores', () => {
  it('one sentence: a right entity, a missed one, a wrong-type one', () => {
    // gold: PER[0,2) LOC[3,4)      pred: PER[0,2) ORG[3,4)
    // PER: correct 1 / predicted 1 / support 1 -> P = R = F1 = 1
    // LOC: 0 / 0 / 1 -> all 0;   ORG: 0 / 1 / 0 -> all 0
    // overall: correct 1, predicted 2, support 2 -> P = R = F1 = 1/2; tokens 3 of 4 equal
    const s = entityScores([['B-PER', 'I-PER', 'O', 'B-LOC']], [['B-PER', 'I-PER', 'O', 'B-ORG']]);
    expect(s.types).toEqual(['LOC', 'ORG', 'PER']);
    expect(s.perType.PER).toEqual({ precision: 1, recall: 1, f1: 1, correct: 1, predicted: 1, support: 1 });
    expect(s.perType.LOC).toEqual({ precision: 0, recall: 0, f1: 0, correct: 0, predicted: 0, support: 1 });
    expect(s.perType.ORG).toEqual({ precision: 0, recall: 0, f1: 0, correct: 0, predicted: 1, support: 0 });
    expect(s.overall).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5, correct: 1, predicted: 2, support: 2 });
    expect(s.tokenAccuracy).toBe(0.75);
  });

  it('I- without B- in the gold matches B- I- in the prediction (same span)', () => {
    // gold O I-PER I-PER O -> PER[1,3); pred O B-PER I-PER O -> PER[1,3): 1 correct of 1
    const s = entityScores([['O', 'I-PER', 'I-PER', 'O']], [['O', 'B-PER', 'I-PER', 'O']]);
    expect(s.overall).toMatchObject({ correct: 1, predicted: 1, support: 1, f1: 1 });
    expect(s.tokenAccuracy).toBe(0.75); // the tags differ at token 1 even though the entity matches
  });

  it('merging two adjacent same-type entities gets no credit', () => {
    // gold B-PER B-PER I-PER -> PER[0,1), PER[1,3); pred B-PER I-PER I-PER -> PER[0,3)
    // correct 0, predicted 1, support 2
    const s = entityScores([['B-PER', 'B-PER', 'I-PER']], [['B-PER', 'I-PER', 'I-PER']]);
    expect(s.overall).toEqual({ precision: 0, recall: 0, f1: 0, correct: 0, predicted: 1, support: 2 });
  });

  it('an entity never crosses a sentence boundary', () => {
    // gold: sentence 0 = O B-ORG, sentence 1 = I-ORG O  -> ORG(s0,[1,2)) and ORG(s1,[0,1)), not one ORG
    // pred: sentence 0 = O B-ORG, sentence 1 = O O      -> ORG(s0,[1,2)): correct 1, predicted 1, support 2
    const gold = [
      ['O', 'B-ORG'],
      ['I-ORG', 'O'],
    ];
    expect(entityScores(gold, gold).overall).toMatchObject({ correct: 2, predicted: 2, support: 2 });
    const s = entityScores(gold, [
      ['O', 'B-ORG'],
      ['O', 'O'],
    ]);
    expect(s.overall).toEqual({ precision: 1, recall: 0.5, f1: 2 / 3, correct: 1, predicted: 1, support: 2 });
  });

  it('four sentences with every tricky case, counted by hand', () => {
    const gold = [
      ['B-PER', 'I-PER', 'O', 'B-LOC', 'I-LOC', 'O'], // PER[0,2) LOC[3,5)
      ['O', 'B-ORG', 'B-ORG', 'I-ORG', 'O'], //          ORG[1,2) ORG[2,4)      (adjacent, same type)
      ['I-PER', 'O', 'B-MISC', 'I-MISC'], //             PER[0,1) MISC[2,4)     (I- first; entity at the end)
      ['B-LOC', 'I-ORG', 'I-ORG'], //                    LOC[0,1) ORG[1,3)      (type change)
    ];
    const pred = [
      ['B-PER', 'I-PER', 'O', 'B-LOC', 'O', 'O'], //    PER[0,2) ok,  LOC[3,4) ends too early
      ['O', 'B-ORG', 'I-ORG', 'I-ORG', 'O'], //          ORG[1,4) merges the two gold ORGs: wrong
      ['I-PER', 'O', 'B-MISC', 'I-PER'], //              PER[0,1) ok,  MISC[2,3) short, PER[3,4) spurious
      ['B-LOC', 'I-LOC', 'I-ORG'], //                    LOC[0,2) too long, ORG[2,3) too short
    ];
    // per type               correct  predicted  support   P      R     F1
    //   LOC (s0, s3)            0         2         2      0      0     0
    //   MISC (s2)               0         1         1      0      0     0
    //   ORG (s1 x2, s3)         0         2         3      0      0     0
    //   PER (s0, s2 / s0, s2x2) 2         3         2     2/3     1    2(2/3)(1)/(5/3) = 4/5
    //   overall                 2         8         8     1/4    1/4   1/4
    // tokens: s0 5/6, s1 4/5, s2 3/4, s3 2/3 -> 14/18 = 7/9
    // macro: P = (2/3)/4 = 1/6, R = 1/4, F1 = (4/5)/4 = 1/5
    // weighted by support (LOC 2, MISC 1, ORG 3, PER 2; total 8): P = 2(2/3)/8 = 1/6, R = 2/8 = 1/4, F1 = 2(4/5)/8 = 1/5
    const s = entityScores(gold, pred);
    expect(s.types).toEqual(['LOC', 'MISC', 'ORG', 'PER']);
    expect(s.perType.LOC).toEqual({ precision: 0, recall: 0, f1: 0, correct: 0, predicted: 2, support: 2 });
    expect(s.perType.MISC).toEqual({ precision: 0, recall: 0, f1: 0, correct: 0, predicted: 1, support: 1 });
    expect(s.perType.ORG).toEqual({ precision: 0, recall: 0, f1: 0, correct: 0, predicted: 2, support: 3 });
    expect(s.perType.PER).toMatchObject({ correct: 2, predicted: 3, support: 2, recall: 1 });
    expect(s.perType.PER!.precision).toBeCloseTo(2 / 3, 15);
    expect(s.perType.PER!.f1).toBeCloseTo(4 / 5, 15);
    expect(s.overall).toEqual({ precision: 0.25, recall: 0.25, f1: 0.25, correct: 2, predicted: 8, support: 8 });
    expect(s.tokenAccuracy).toBeCloseTo(7 / 9, 15);
    expect(s.macro.precision).toBeCloseTo(1 / 6, 15);
    expect(s.macro.recall).toBeCloseTo(1 / 4, 15);
    expect(s.macro.f1).toBeCloseTo(1 / 5, 15);
    expect(s.weighted.precision).toBeCloseTo(1 / 6, 15);
    expect(s.weighted.recall).toBeCloseTo(1 / 4, 15);
    expect(s.weighted.f1).toBeCloseTo(1 / 5, 15);

    const text = formatEntityReport(s);
    expect(text).toMatch(/^\s+PER\s+0\.6667\s+1\.0000\s+0\.8000\s+2$/m);
    expect(text).toMatch(/^\s+micro avg\s+0\.2500\s+0\.2500\s+0\.2500\s+8$/m);
    expect(text).toMatch(/token accuracy 0\.7778/);
  });

  it('no entities anywhere gives zeros, not NaN', () => {
    const s = entityScores([['O', 'O']], [['O', 'O']]);
    expect(s.overall).toEqual({ precision: 0, recall: 0, f1: 0, correct: 0, predicted: 0, support: 0 });
    expect(s.types).toEqual([]);
    expect(s.tokenAccuracy).toBe(1);
  });

  it('rejects mismatched shapes', () => {
    expect(() => entityScores([['O']], [])).toThrow(/0 and 1/);
    expect(() => entityScores([['O', 'O']], [['O']])).toThrow(/sentence 0 has 2 gold tags but 1 predicted/);
  });
});

describe('idsToTags', () => {
  it('drops positions whose gold id is -100 and names the rest', () => {
    const names = ['O', 'B-PER', 'I-PER'];
    const { goldTags, predTags } = idsToTags([[-100, 1, -100, 2, 0, -100]], [Int32Array.from([0, 1, 2, 2, 1, 0])], names);
    expect(goldTags).toEqual([['B-PER', 'I-PER', 'O']]);
    expect(predTags).toEqual([['B-PER', 'I-PER', 'B-PER']]);
    expect(() => idsToTags([[3]], [[0]], names)).toThrow(/gold id 3 at sentence 0, position 0/);
  });
});

/**
 * An independent oracle for the chunk rules, written as conlleval writes them: two predicates over
 * (previous tag, current tag), "does a chunk end before this token" and "does a chunk start here".
 */
function oracleEntities(tags: string[]): string[] {
  const split = (t: string) => (t === 'O' ? ['O', ''] : [t[0]!, t.slice(2)]);
  const endOfChunk = (pt: string, t: string, ptype: string, type: string) =>
    (pt === 'B' && t === 'B') || (pt === 'B' && t === 'O') || (pt === 'I' && t === 'B') || (pt === 'I' && t === 'O') || (pt !== 'O' && ptype !== type);
  const startOfChunk = (pt: string, t: string, ptype: string, type: string) =>
    (pt === 'B' && t === 'B') || (pt === 'I' && t === 'B') || (pt === 'O' && t === 'B') || (pt === 'O' && t === 'I') || (t !== 'O' && ptype !== type);
  const out: string[] = [];
  let [pt, ptype] = ['O', ''];
  let start = -1;
  [...tags, 'O'].forEach((tag, i) => {
    const [t, type] = split(tag) as [string, string];
    if (start >= 0 && endOfChunk(pt, t, ptype, type)) {
      out.push(`${ptype}[${start},${i})`);
      start = -1;
    }
    if (startOfChunk(pt, t, ptype, type)) start = i;
    [pt, ptype] = [t, type];
  });
  return out;
}

describe('properties', () => {
  const tag = fc.constantFrom('O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC', 'I-ORG');
  const sentence = fc.array(tag, { maxLength: 12 });

  it('extractEntities agrees with a conlleval-style oracle', () => {
    fc.assert(
      fc.property(sentence, (tags) => {
        expect(spans(tags)).toEqual(oracleEntities(tags));
      }),
      { numRuns: 500 },
    );
  });

  it('swapping gold and prediction swaps precision and recall; F1 is their harmonic mean', () => {
    const pair = fc
      .array(fc.integer({ min: 0, max: 10 }), { minLength: 1, maxLength: 5 })
      .chain((lens) =>
        fc.tuple(
          fc.tuple(...lens.map((n) => fc.array(tag, { minLength: n, maxLength: n }))),
          fc.tuple(...lens.map((n) => fc.array(tag, { minLength: n, maxLength: n }))),
        ),
      );
    fc.assert(
      fc.property(pair, ([gold, pred]) => {
        const a = entityScores(gold, pred).overall;
        const b = entityScores(pred, gold).overall;
        expect(a.precision).toBe(b.recall);
        expect(a.recall).toBe(b.precision);
        const harmonic = a.precision + a.recall === 0 ? 0 : (2 * a.precision * a.recall) / (a.precision + a.recall);
        expect(Math.abs(a.f1 - harmonic)).toBeLessThanOrEqual(1e-12);
        expect(entityScores(gold, gold).overall.f1).toBe(a.support > 0 ? 1 : 0);
      }),
      { numRuns: 200 },
    );
  });
});
