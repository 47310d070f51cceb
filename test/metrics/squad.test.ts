/**
 * SQuAD normalisation and scores on hand-worked cases (the fixture test covers torchmetrics' numbers).
 */
import { describe, expect, it } from 'vitest';
import {
  answerTokens,
  normalizeAnswer,
  squadExactMatch,
  squadExampleScore,
  squadF1,
  squadScores,
  squadV2Scores,
  tokenOverlap,
} from '../../src/metrics/index.ts';

describe('normalizeAnswer (official v1.1 / v2.0 normalisation)', () => {
  it('lowercases, drops ASCII punctuation and the articles a / an / the, collapses spaces', () => {
    expect(normalizeAnswer('The Denver Broncos')).toBe('denver broncos');
    expect(normalizeAnswer('  a pear, and AN apple! ')).toBe('pear and apple');
    expect(normalizeAnswer('THE')).toBe('');
    expect(normalizeAnswer('and then anthem')).toBe('and then anthem'); // only whole words
    expect(normalizeAnswer('Ça   va, très bien!')).toBe('ça va très bien'); // accents stay
  });
  it('punctuation goes before articles, so "the_end" and "the-end" become one word', () => {
    expect(normalizeAnswer('the_end')).toBe('theend');
    expect(normalizeAnswer('the-end')).toBe('theend');
    expect(normalizeAnswer("rock'n'roll")).toBe('rocknroll');
  });
  it('word boundaries are Unicode ones, as in Python 3 (JavaScript \\b alone would be ASCII)', () => {
    expect(normalizeAnswer('éthe')).toBe('éthe'); // é is a letter: no boundary before "the"
    expect(normalizeAnswer('x2the a3')).toBe('x2the a3'); // digits are word characters
    expect(normalizeAnswer('the–war')).toBe('–war'); // en dash: not ASCII punctuation, not a word character
    expect(normalizeAnswer('«the»')).toBe('« »');
  });
  it("splits on Python's whitespace set (U+00A0, U+3000, U+0085, U+001F yes; U+FEFF no)", () => {
    expect(normalizeAnswer('x\u00a0y\u3000z\u0085w\u001fv')).toBe('x y z w v');
    expect(normalizeAnswer('x\ufeffy')).toBe('x\ufeffy');
    expect(answerTokens('x\ufeffy  z')).toEqual(['x\ufeffy', 'z']);
  });
});

describe('exact match and token F1', () => {
  it('F1 counts shared tokens with multiplicity', () => {
    // pred [apple, pear], gold [pear, and, apple]: common 2, P = 1, R = 2/3, F1 = 2(2/3)/(5/3) = 0.8
    expect(squadF1('an apple, a pear', 'a pear and an apple')).toBeCloseTo(0.8, 15);
    // pred [x, x, y], gold [x, y, y]: common min(2,1) + min(1,2) = 2, P = R = 2/3
    expect(tokenOverlap('x x y', 'x y y')).toEqual({ common: 2, predTokens: 3, goldTokens: 3 });
    expect(squadF1('x x y', 'x y y')).toBeCloseTo(2 / 3, 15);
    expect(squadF1('x', 'y')).toBe(0);
  });
  it('empty token lists: 1 if both are empty, else 0', () => {
    expect(squadF1('', '')).toBe(1);
    expect(squadF1('the', 'a')).toBe(1); // both normalise to nothing
    expect(squadF1('', 'something')).toBe(0);
    expect(squadF1('something', '')).toBe(0);
    expect(squadExactMatch('The the', '')).toBe(1);
  });
  it('a question takes the best of its gold answers, for each score separately', () => {
    // exact: "santa clara" vs "santa clara, california" no; F1 best = 0.8 against "Santa Clara"
    expect(squadExampleScore('Santa Clara, California', ["Levi's Stadium", 'Santa Clara'])).toEqual({ exactMatch: 0, f1: 0.8 });
    expect(squadExampleScore('Denver', ['Denver', 'Denver Broncos'])).toEqual({ exactMatch: 1, f1: 1 });
    expect(() => squadExampleScore('x', [])).toThrow(/at least one gold answer/);
  });
  it('squadScores averages in percent and checks its input', () => {
    // (1 + 0) exact, (1 + 2/3) F1 over 2 questions: EM 50, F1 250/3
    const s = squadScores(['Denver Broncos', 'Denver'], [['denver broncos'], ['Denver Broncos']]);
    expect(s.exactMatch).toBe(50);
    expect(s.f1).toBeCloseTo(250 / 3, 12);
    expect(s.total).toBe(2);
    expect(() => squadScores(['a'], [])).toThrow(/1 predictions and 0 answer lists/);
    expect(() => squadScores(['a'], [[]])).toThrow(/question 0 has no gold answer/);
  });
});

describe('SQuAD v2.0 no-answer handling', () => {
  // q0 answerable, right;        exact 1, F1 1
  // q1 answerable, empty pred;   exact 0, F1 0
  // q2 unanswerable, empty pred; exact 1, F1 1   (gold list [] -> [""], both empty)
  // q3 unanswerable, an answer;  exact 0, F1 0
  // q4 answerable, too long;     exact 0, F1: P 1/2, R 1 -> 2/3
  const preds = ['Denver Broncos', '', '', "Levi's Stadium", 'Denver Broncos'];
  const golds = [['Denver Broncos'], ['Santa Clara'], [], [], ['Denver']];

  it('scores, HasAns and NoAns groups', () => {
    const s = squadV2Scores(preds, golds);
    expect(s.perExample.map((e) => e.exactMatch)).toEqual([1, 0, 1, 0, 0]);
    expect(s.perExample[4]!.f1).toBeCloseTo(2 / 3, 15);
    expect(s.total).toBe(5);
    expect(s.exactMatch).toBeCloseTo(40, 12); // 2/5
    expect(s.f1).toBeCloseTo(160 / 3, 12); // (1 + 0 + 1 + 0 + 2/3) / 5 = 8/15
    expect(s.hasAns!.total).toBe(3);
    expect(s.hasAns!.exactMatch).toBeCloseTo(100 / 3, 12); // 1/3
    expect(s.hasAns!.f1).toBeCloseTo(500 / 9, 12); // (1 + 0 + 2/3) / 3 = 5/9
    expect(s.noAns).toEqual({ exactMatch: 50, f1: 50, total: 2 });
    expect(s.best).toBeUndefined();
  });

  it('gold answers that normalise to "" are dropped, but the question still counts as answerable', () => {
    const s = squadV2Scores(['', 'x'], [[' The '], [' The ']]);
    expect(s.perExample).toEqual([
      { exactMatch: 1, f1: 1 },
      { exactMatch: 0, f1: 0 },
    ]);
    expect(s.hasAns!.total).toBe(2);
    expect(s.noAns).toBeUndefined();
  });

  it('no-answer probabilities: threshold and best threshold', () => {
    const naProbs = [0.1, 0.9, 0.8, 0.95, 0.3];
    // threshold 0.5: q1, q2, q3 are answered with "": q1 0 (answerable), q2 1, q3 1 (was 0)
    // exact (1+0+1+1+0)/5 = 60,  F1 (1+0+1+1+2/3)/5 = 11/15
    // best: start at #unanswerable = 2, walk by naProb q0 q4 q2 q1 q3 adding raw score (answerable),
    // 0 (unanswerable, empty pred) or -1 (unanswerable, non-empty pred):
    //   exact: 2 -> 3 (q0, thr 0.1) -> 3 -> 3 -> 3 -> 2: best 3/5 = 60 at 0.1
    //   F1:    2 -> 3 (0.1) -> 11/3 (q4, thr 0.3) -> 11/3 -> 11/3 -> 8/3: best 11/15 at 0.3
    const s = squadV2Scores(preds, golds, { naProbs, naProbThreshold: 0.5 });
    expect(s.exactMatch).toBeCloseTo(60, 12);
    expect(s.f1).toBeCloseTo(1100 / 15, 12);
    expect(s.best!.exactMatch).toBeCloseTo(60, 12);
    expect(s.best!.exactMatchThreshold).toBe(0.1);
    expect(s.best!.f1).toBeCloseTo(1100 / 15, 12);
    expect(s.best!.f1Threshold).toBe(0.3);
    expect(() => squadV2Scores(preds, golds, { naProbs: [0.1] })).toThrow(/expected 5 naProbs/);
  });
});
