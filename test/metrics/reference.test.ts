/**
 * Every number in test/fixtures/metrics/metrics.json (copied from ../shared/reference/hf/metrics), produced by
 * scikit-learn (classification), SciPy (Pearson, Spearman) and torchmetrics (SQuAD).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { accuracy, binaryF1, classificationReport, confusionMatrix, matthewsCorrcoef, pearson, precisionRecallF1, spearman } from '../../src/metrics/index.ts';
import { squadScores, tokenOverlap } from '../../src/metrics/squad.ts';

interface PRFJson {
  precision: number;
  recall: number;
  f1: number;
}
interface ClassificationCase {
  num_labels: number;
  y_true: number[];
  y_pred: number[];
  accuracy: number;
  confusion_matrix: number[][];
  mcc: number;
  macro: PRFJson;
  micro: PRFJson;
  weighted: PRFJson;
  per_class: { precision: number[]; recall: number[]; f1: number[]; support: number[] };
  binary_f1_pos1?: number;
}
interface Fixture {
  classification: ClassificationCase[];
  regression: { y_true: number[]; y_pred: number[]; pearson: number; spearman: number }[];
  squad: {
    per_example: { prediction: string; answers: string[]; exact_match: number; f1: number }[];
    overall: { exact_match: number; f1: number };
  };
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/metrics/metrics.json', import.meta.url), 'utf8')) as Fixture;

const TOL = 1e-9;

function expectClose(actual: number, expected: number, what: string, tol = TOL): void {
  expect(Math.abs(actual - expected), `${what}: got ${actual}, expected ${expected}`).toBeLessThanOrEqual(tol);
}

function expectAllClose(actual: number[], expected: number[], what: string): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  actual.forEach((a, i) => expectClose(a, expected[i]!, `${what}[${i}]`));
}

describe('classification metrics match scikit-learn', () => {
  it('the fixture has the cases this test expects', () => {
    expect(fixture.classification.length).toBe(6);
    expect(fixture.classification.filter((c) => c.binary_f1_pos1 !== undefined).length).toBe(1);
  });

  fixture.classification.forEach((c, k) => {
    const name = `case ${k} (${c.num_labels} labels, ${c.y_true.length} samples)`;
    it(name, () => {
      const yTrue = Int32Array.from(c.y_true);
      const yPred = c.y_pred;
      expectClose(accuracy(yTrue, yPred), c.accuracy, 'accuracy');
      expect(confusionMatrix(yTrue, yPred, { numLabels: c.num_labels })).toEqual(c.confusion_matrix);
      expect(confusionMatrix(yTrue, yPred)).toEqual(c.confusion_matrix); // every class occurs in these cases
      expectClose(matthewsCorrcoef(yTrue, yPred), c.mcc, 'mcc');

      for (const opts of [{ numLabels: c.num_labels }, {}]) {
        const r = precisionRecallF1(yTrue, yPred, opts);
        for (const avg of ['macro', 'micro', 'weighted'] as const) {
          for (const m of ['precision', 'recall', 'f1'] as const) expectClose(r[avg][m], c[avg][m], `${avg} ${m}`);
        }
        expectAllClose(r.perClass.precision, c.per_class.precision, 'per-class precision');
        expectAllClose(r.perClass.recall, c.per_class.recall, 'per-class recall');
        expectAllClose(r.perClass.f1, c.per_class.f1, 'per-class f1');
        expect(r.perClass.support).toEqual(c.per_class.support);
      }

      const report = classificationReport(yTrue, yPred, { numLabels: c.num_labels });
      expect(report.confusionMatrix).toEqual(c.confusion_matrix);
      expectClose(report.accuracy, c.accuracy, 'report accuracy');
      expectClose(report.macro.f1, c.macro.f1, 'report macro f1');

      if (c.binary_f1_pos1 !== undefined) expectClose(binaryF1(yTrue, yPred), c.binary_f1_pos1, 'binary f1');
    });
  });
});

describe('regression metrics match SciPy', () => {
  fixture.regression.forEach((c, k) => {
    it(`case ${k} (${c.y_true.length} values)`, () => {
      expectClose(pearson(c.y_true, c.y_pred), c.pearson, 'pearson');
      expectClose(spearman(Float64Array.from(c.y_true), c.y_pred), c.spearman, 'spearman');
    });
  });
});

describe('SQuAD matches torchmetrics', () => {
  const { per_example: examples, overall } = fixture.squad;
  const f32 = Math.fround;

  /**
   * torchmetrics computes SQuAD F1 in float32 tensors, so its F1 values are float32 numbers
   * (66.66667175292969 where the exact value is 66.666...). Replaying its arithmetic in float32 from our
   * integer token counts must reproduce each stored number exactly; this pins down the counts.
   *   per token pair: p = f32(common / |pred|), r = f32(common / |gold|), f1 = f32(f32(2 p r) / f32(p + r))
   *   per question:   the max over gold answers; stored per example as f32(100 * f1)
   *   overall:        f32(100 * f32-sum of per-question f1 / total)
   */
  function torchmetricsF1(prediction: string, gold: string): number {
    const { common, predTokens, goldTokens } = tokenOverlap(prediction, gold);
    if (predTokens === 0 || goldTokens === 0) return predTokens === goldTokens ? 1 : 0;
    if (common === 0) return 0;
    const p = f32(common / predTokens);
    const r = f32(common / goldTokens);
    return f32(f32(f32(2 * p) * r) / f32(p + r));
  }

  it('per example: exact match exactly, F1 to float32 rounding, and the float32 replay exactly', () => {
    const scores = squadScores(
      examples.map((e) => e.prediction),
      examples.map((e) => e.answers),
    );
    expect(scores.perExample.length).toBe(examples.length);
    examples.forEach((e, i) => {
      const ours = scores.perExample[i]!;
      expect(100 * ours.exactMatch, `example ${i} exact match`).toBe(e.exact_match);
      // our float64 F1 vs torchmetrics' float32 value: they differ by float32 rounding only
      expectClose(100 * ours.f1, e.f1, `example ${i} f1 (float64 vs float32)`, 100 * 2 ** -24);
      const replay = f32(100 * Math.max(...e.answers.map((g) => torchmetricsF1(e.prediction, g))));
      expectClose(replay, e.f1, `example ${i} f1 (float32 replay)`);
    });
  });

  it('overall scores in percent', () => {
    const scores = squadScores(
      examples.map((e) => e.prediction),
      examples.map((e) => e.answers),
    );
    expect(scores.total).toBe(examples.length);
    expectClose(scores.exactMatch, overall.exact_match, 'overall exact match');
    expectClose(scores.f1, overall.f1, 'overall f1 (float64 vs float32)', 100 * 2 ** -24);
    let sum = 0;
    for (const e of examples) sum = f32(sum + Math.max(...e.answers.map((g) => torchmetricsF1(e.prediction, g))));
    expectClose(f32(f32(100 * sum) / examples.length), overall.f1, 'overall f1 (float32 replay)');
  });
});
