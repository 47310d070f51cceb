/**
 * Classification metrics on small cases worked out by hand: label-set rules, zero division, errors.
 */
import { describe, expect, it } from 'vitest';
import {
  accuracy,
  binaryF1,
  binaryPrecisionRecallF1,
  classificationReport,
  confusionMatrix,
  labeledConfusionMatrix,
  matthewsCorrcoef,
  mccFromConfusion,
  pearson,
  precisionRecallF1,
  rankAverage,
  spearman,
} from '../../src/metrics/index.ts';

describe('label set', () => {
  // yTrue 0 0 2, yPred 0 2 2. Class 0: tp 1, pred 1, true 2 -> P 1, R 1/2, F1 2*1/(1+2) = 2/3
  //                            class 2: tp 1, pred 2, true 1 -> P 1/2, R 1, F1 2/3
  const yTrue = [0, 0, 2];
  const yPred = [0, 2, 2];

  it('default: the sorted union of the ids present (class 1 is not reported)', () => {
    const r = precisionRecallF1(yTrue, yPred);
    expect(r.labels).toEqual([0, 2]);
    expect(r.perClass.precision).toEqual([1, 0.5]);
    expect(r.perClass.recall).toEqual([0.5, 1]);
    expect(r.perClass.f1[0]).toBeCloseTo(2 / 3, 15);
    expect(r.macro.precision).toBe(0.75);
    expect(r.macro.f1).toBeCloseTo(2 / 3, 15);
    expect(confusionMatrix(yTrue, yPred)).toEqual([
      [1, 1],
      [0, 1],
    ]);
  });

  it('numLabels keeps an absent class in the report with zeros, which lowers the macro average', () => {
    const r = precisionRecallF1(yTrue, yPred, { numLabels: 3 });
    expect(r.labels).toEqual([0, 1, 2]);
    expect(r.perClass.precision).toEqual([1, 0, 0.5]);
    expect(r.perClass.support).toEqual([2, 0, 1]);
    expect(r.macro.precision).toBe(0.5); // (1 + 0 + 1/2) / 3
    expect(r.macro.f1).toBeCloseTo(4 / 9, 15); // (2/3 + 0 + 2/3) / 3
    // weighted by support 2, 0, 1: P = (2*1 + 1*1/2)/3 = 5/6, R = (2*1/2 + 1*1)/3 = 2/3
    expect(r.weighted.precision).toBeCloseTo(5 / 6, 15);
    expect(r.weighted.recall).toBeCloseTo(2 / 3, 15);
    // micro: tp 2, pred 3, true 3 -> all 2/3 = accuracy
    expect(r.micro.f1).toBeCloseTo(accuracy(yTrue, yPred), 15);
    expect(confusionMatrix(yTrue, yPred, { numLabels: 3 })).toEqual([
      [1, 0, 1],
      [0, 0, 0],
      [0, 0, 1],
    ]);
  });

  it('labels: the given order, and a subset counts like scikit-learn', () => {
    const lcm = labeledConfusionMatrix(yTrue, yPred, { labels: [2, 0] });
    expect(lcm).toEqual({
      labels: [2, 0],
      matrix: [
        [1, 0],
        [1, 1],
      ],
    });
    // labels [2] on yTrue 0 1 2 2 / yPred 2 2 2 0: class 2 has tp 1, pred 3 (samples 0 1 2), true 2
    // -> P 1/3, R 1/2, F1 2*1/(3+2) = 0.4; the confusion matrix only keeps samples with both ids listed
    const r = precisionRecallF1([0, 1, 2, 2], [2, 2, 2, 0], { labels: [2] });
    expect(r.perClass.precision[0]).toBeCloseTo(1 / 3, 15);
    expect(r.perClass.recall).toEqual([0.5]);
    expect(r.perClass.f1[0]).toBeCloseTo(0.4, 15);
    expect(r.micro).toEqual(r.macro);
    expect(confusionMatrix([0, 1, 2, 2], [2, 2, 2, 0], { labels: [2] })).toEqual([[1]]);
  });

  it('rejects bad input with what was expected and found', () => {
    expect(() => accuracy([0, 1], [0])).toThrow(/same length, got 2 and 1/);
    expect(() => accuracy([], [])).toThrow(/at least one sample/);
    expect(() => precisionRecallF1([0, 1.5], [0, 1])).toThrow(/yTrue\[1\] must be an integer class id, got 1.5/);
    expect(() => precisionRecallF1([0, 1], [0, 3], { numLabels: 3 })).toThrow(/yPred\[1\] = 3 is outside 0..2/);
    expect(() => confusionMatrix([0], [0], { numLabels: 1, labels: [0] })).toThrow(/either labels or numLabels/);
    expect(() => confusionMatrix([0], [0], { labels: [0, 0] })).toThrow(/labels\[1\] = 0 appears twice/);
  });
});

describe('zero division is 0', () => {
  it('a class never predicted has precision 0; never true has recall 0', () => {
    // yTrue 0 0 1 1, yPred 0 0 0 0: class 1 never predicted -> P 0 (0/0), R 0, F1 0
    const r = precisionRecallF1([0, 0, 1, 1], [0, 0, 0, 0]);
    expect(r.perClass.precision).toEqual([0.5, 0]);
    expect(r.perClass.recall).toEqual([1, 0]);
    expect(r.perClass.f1[1]).toBe(0);
    // class 1 is never true nor predicted under numLabels 2 in an all-0 set
    const z = precisionRecallF1([0, 0], [0, 0], { numLabels: 2 });
    expect(z.perClass).toEqual({ precision: [1, 0], recall: [1, 0], f1: [1, 0], support: [2, 0] });
    expect(z.weighted.f1).toBe(1);
  });
});

describe('binary F1 and MCC', () => {
  it('binary F1 is the F1 of class 1', () => {
    // yTrue 1 1 0 0 1, yPred 1 0 1 0 1: tp 2, fp 1, fn 1 -> P = R = F1 = 2/3
    const prf = binaryPrecisionRecallF1([1, 1, 0, 0, 1], [1, 0, 1, 0, 1]);
    expect(prf.precision).toBeCloseTo(2 / 3, 15);
    expect(prf.f1).toBeCloseTo(2 / 3, 15);
    expect(binaryF1([0, 0], [0, 0])).toBe(0); // no positives at all: 0/0 -> 0
    expect(binaryF1([3, 3, 7], [3, 7, 7], 7)).toBeCloseTo(2 / 3, 15); // tp 1, pred 2, true 1
    expect(() => binaryF1([0, 1, 2], [0, 1, 1])).toThrow(/at most 2 classes, found 3/);
    expect(() => binaryF1([0, 2], [0, 2])).toThrow(/posLabel 1 is not one of the classes present \(0, 2\)/);
  });

  it('MCC: perfect 1, inverted -1, constant prediction 0, binary textbook formula', () => {
    expect(matthewsCorrcoef([0, 1, 2, 1], [0, 1, 2, 1])).toBe(1);
    expect(matthewsCorrcoef([0, 1, 0, 1], [1, 0, 1, 0])).toBe(-1);
    expect(matthewsCorrcoef([0, 1, 2, 1], [1, 1, 1, 1])).toBe(0);
    // TN 23, FP 6, FN 6, TP 22: (22*23 - 6*6) / sqrt(28*28*29*29) = 470/812
    expect(
      mccFromConfusion([
        [23, 6],
        [6, 22],
      ]),
    ).toBeCloseTo(470 / 812, 15);
    expect(() => mccFromConfusion([[1, 2], [3]])).toThrow(/row 1 has 1 entries/);
  });

  it('classificationReport bundles the pieces', () => {
    const r = classificationReport([0, 1, 1], [0, 1, 0]);
    expect(r.total).toBe(3);
    expect(r.accuracy).toBeCloseTo(2 / 3, 15);
    expect(r.confusionMatrix).toEqual([
      [1, 0],
      [1, 1],
    ]);
  });
});

describe('Pearson and Spearman', () => {
  it('Pearson by hand', () => {
    // x 1 2 3, y 1 2 4: dx -1 0 1, dy -4/3 -1/3 5/3; sxy 3, sxx 2, syy 14/3 -> r = 3 / sqrt(28/3)
    expect(pearson([1, 2, 3], [1, 2, 4])).toBeCloseTo(3 / Math.sqrt(28 / 3), 15);
    expect(pearson([1, 1, 1], [1, 2, 3])).toBeNaN(); // constant: 0/0, as SciPy
    expect(() => pearson([1], [1])).toThrow(/at least 2 values, got 1/);
    expect(() => pearson([1, NaN], [1, 2])).toThrow(/x\[1\] must be a finite number/);
  });

  it('average ranks for ties, and Spearman by hand', () => {
    expect(rankAverage([10, 20, 20, 5])).toEqual([2, 3.5, 3.5, 1]);
    expect(rankAverage([7, 7, 7])).toEqual([2, 2, 2]);
    // ranks x 1 2.5 2.5 4, y 1 3 2 4; centred -1.5 0 0 1.5 and -1.5 .5 -.5 1.5: sxy 4.5, sxx 4.5, syy 5
    expect(spearman([1, 2, 2, 3], [1, 3, 2, 4])).toBeCloseTo(4.5 / Math.sqrt(22.5), 15);
  });
});
