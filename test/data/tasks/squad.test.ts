import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { squadScores, squadV2Scores } from '../../../src/metrics/squad.ts';
import { answerTokenSpan, prepareQaFeatures, truncateQuestion, type QaFeature } from '../../../src/data/tasks/qa-features.ts';
import { postprocessQaPredictions, topLogitIndices } from '../../../src/data/tasks/qa-postprocess.ts';
import { parseSquad, readSquadFile, squadMetricInputs, type SquadExample } from '../../../src/data/tasks/squad.ts';
import { readTaskFile } from '../../../src/data/tasks/text-file.ts';
import { errorOf, fixture, uncasedTokenizer } from './helpers.ts';

const tok = uncasedTokenizer();
const dataset = readSquadFile(fixture('squad-v2.json'));
const { examples } = dataset;
const options = { maxLength: 64, stride: 16 };
const features = prepareQaFeatures(tok, examples, options);

/** Logits that put all the mass on the gold span of each window (or on [CLS] when there is none). */
function oracleLogits(fs: readonly QaFeature[], pad = 0): { start: Float32Array[]; end: Float32Array[] } {
  const start = fs.map((f) => new Float32Array(f.inputIds.length + pad).fill(-5));
  const end = fs.map((f) => new Float32Array(f.inputIds.length + pad).fill(-5));
  fs.forEach((f, i) => {
    start[i][f.startPosition] = 8;
    end[i][f.endPosition] = 8;
    if (f.startPosition !== 0) {
      start[i][0] = -2;
      end[i][0] = -2;
    }
  });
  return { start, end };
}

describe('SQuAD reader', () => {
  it('reads v2.0 questions, answers and impossibility; answer_start (code points) gets its UTF-16 index', () => {
    expect(dataset.version).toBe('v2.0');
    expect(dataset.version2).toBe(true);
    expect(examples.map((e) => e.id)).toEqual(['q-france', 'q-rollo', 'q-1066', 'q-william', 'q-impossible', 'q-resources']);
    expect(examples.map((e) => e.isImpossible)).toEqual([false, false, false, false, true, false]);
    expect(examples[4].answers).toEqual([]);
    expect(examples[0].title).toBe('Normans');
    expect(examples[5].path).toBe('data[1].paragraphs[0].qas[0]');
    // An emoji (2 UTF-16 units, 1 code point) comes before "Duke William".
    const w = examples[3].answers[0];
    expect([w.answerStart, w.start]).toEqual([816, 817]);
    for (const e of examples) for (const a of e.answers) expect(e.context.slice(a.start, a.start + a.text.length)).toBe(a.text);
  });

  it('reads v1.1 files (no is_impossible) and unlabelled questions', () => {
    const v1 = parseSquad(
      JSON.stringify({
        version: '1.1',
        data: [
          {
            title: 't',
            paragraphs: [
              {
                context: 'abc def',
                qas: [
                  { id: 'a', question: 'q?', answers: [{ text: 'def', answer_start: 4 }] },
                  { id: 'b', question: 'r?' },
                ],
              },
            ],
          },
        ],
      }),
    );
    expect(v1.version2).toBe(false);
    expect(v1.examples.map((e) => [e.id, e.answers.map((a) => a.start), e.isImpossible])).toEqual([
      ['a', [4], false],
      ['b', [], false],
    ]);
  });

  it('names file, line, JSON path and id for malformed input', () => {
    const text = readTaskFile(fixture('squad-v2.json'));
    const broken = text.replace('"answer_start": 104', '"answer_start": 105');
    expect(errorOf(() => parseSquad(broken, 'sq.json'))).toBe(
      'sq.json:11: data[0].paragraphs[0].qas[0].answers[0] (id "q-france"): the context does not read the answer text "France" at answer_start 105; it reads "rance."',
    );
    expect(parseSquad(broken, 'sq.json', { checkAnswers: false }).examples[0].answers[0].start).toBe(105);
    expect(errorOf(() => parseSquad(text.replace('"id": "q-rollo"', '"id": "q-france"'), 'sq.json'))).toBe(
      'sq.json:11: data[0].paragraphs[0].qas[1] (id "q-france"): duplicate id: another question already has it',
    );
    expect(errorOf(() => parseSquad('{"data": [\n{"paragraphs": [}\n]}', 'sq.json'))).toMatch(/^sq\.json:2: invalid JSON: /);
    expect(errorOf(() => parseSquad('', 'sq.json'))).toBe('sq.json: empty file: expected SQuAD JSON {"data": [...]}, found no data');
    expect(errorOf(() => parseSquad('{"version": "1.1"}', 'sq.json'))).toBe('sq.json: top level: expected an object with a "data" array, found keys version');
    expect(errorOf(() => parseSquad('{"data": [{"paragraphs": [{"qas": []}]}]}', 'sq.json'))).toBe(
      'sq.json: data[0].paragraphs[0]: expected a "context" string, found undefined',
    );
    expect(
      errorOf(() => parseSquad('{"data": [{"paragraphs": [{"context": "x", "qas": [{"id": "i", "question": "q", "answers": [{"text": "x"}]}]}]}]}', 'sq.json')),
    ).toBe(
      'sq.json:1: data[0].paragraphs[0].qas[0].answers[0] (id "i"): expected {"text": string, "answer_start": non-negative integer}, found "{\\"text\\":\\"x\\"}"',
    );
    expect(
      errorOf(() =>
        parseSquad(
          '{"data": [{"paragraphs": [{"context": "x", "qas": [{"id": "i", "question": "q", "answers": [{"text": "xy", "answer_start": 0}]}]}]}]}',
          'sq.json',
        ),
      ),
    ).toBe('sq.json:1: data[0].paragraphs[0].qas[0].answers[0] (id "i"): answer_start 0 with text "xy" reaches past the end of the context');
    expect(errorOf(() => parseSquad('{"data": []}', 'sq.json'))).toBe('sq.json: data: expected at least one question, found none');
  });
});

describe('QA features: windows and answer positions', () => {
  it('cuts the long context into windows sharing `stride` tokens; question first, context second', () => {
    const windows = features.filter((f) => f.exampleIndex === 0);
    expect(windows.length).toBe(4);
    for (const f of features) {
      expect(f.inputIds.length).toBeLessThanOrEqual(64);
      expect(f.inputIds[0]).toBe(tok.ids.cls);
      const firstContext = f.contextOffsets.findIndex((o) => o !== null);
      expect(f.tokenTypeIds.slice(0, firstContext)).toEqual(new Array(firstContext).fill(0));
      expect(f.inputIds[firstContext - 1]).toBe(tok.ids.sep);
    }
    for (let w = 1; w < windows.length; w++) {
      const prev = windows[w - 1].contextOffsets.filter((o) => o !== null);
      const next = windows[w].contextOffsets.filter((o) => o !== null);
      expect(next.slice(0, 16)).toEqual(prev.slice(-16));
    }
  });

  it('answer spans decode back to the answer text; windows without the whole answer point at [CLS]', () => {
    examples.forEach((ex, e) => {
      const fs = features.filter((f) => f.exampleIndex === e);
      const inside = fs.filter((f) => f.startPosition !== 0);
      if (ex.isImpossible) {
        expect(inside).toEqual([]);
        return;
      }
      expect(inside.length).toBeGreaterThan(0);
      for (const f of inside) {
        expect(f.endPosition).toBeGreaterThanOrEqual(f.startPosition);
        const text = ex.context.slice(f.contextOffsets[f.startPosition]![0], f.contextOffsets[f.endPosition]![1]);
        expect(text).toBe(ex.answers[0].text);
      }
      for (const f of fs.filter((x) => x.startPosition === 0)) {
        const offs = f.contextOffsets.filter((o) => o !== null);
        const a = ex.answers[0];
        expect(offs[0]![0] <= a.start && offs[offs.length - 1]![1] >= a.start + a.text.length).toBe(false);
      }
    });
    // "Rollo" sits in the overlap of windows 0 and 1: both hold it.
    expect(features.filter((f) => f.exampleIndex === 1 && f.startPosition !== 0)).toHaveLength(2);
  });

  it('answerTokenSpan widens to whole tokens and rejects answers outside the window', () => {
    const offs: ([number, number] | null)[] = [null, null, [0, 3], [4, 9], [9, 12], [13, 15], null];
    expect(answerTokenSpan(offs, [4, 12])).toEqual([3, 4]);
    expect(answerTokenSpan(offs, [5, 10])).toEqual([3, 4]);
    expect(answerTokenSpan(offs, [13, 15])).toEqual([5, 5]);
    expect(answerTokenSpan(offs, [13, 16])).toEqual([0, 0]);
    expect(answerTokenSpan([null, null], [0, 1])).toEqual([0, 0]);
  });

  it('cuts long questions at a word end', () => {
    expect(truncateQuestion(tok, 'who conquered england in 1066?', 4)).toBe('who conquered england in');
    // "1066" is two pieces (106 ##6): with room for 5 tokens the word would be split, so it goes.
    expect(truncateQuestion(tok, 'who conquered england in 1066?', 5)).toBe('who conquered england in');
    expect(truncateQuestion(tok, 'who?', 5)).toBe('who?');
    const short = prepareQaFeatures(tok, [{ ...examples[5], question: 'what does complexity theory classify problems by and why?' }], { maxQuestionLength: 3 });
    expect(tok.convertIdsToTokens(short[0].inputIds.slice(0, 5))).toEqual(['[CLS]', 'what', 'does', 'complexity', '[SEP]']);
    expect(errorOf(() => prepareQaFeatures(tok, examples, { maxLength: 20, stride: 10 }))).toMatch(
      /^prepareQaFeatures: question "q-france" \(data\[0\]\.paragraphs\[0\]\.qas\[0\]\): stride 10 must be smaller than/,
    );
  });
});

describe('QA postprocessing', () => {
  it('oracle logits give back every gold answer and score 100 on SQuAD v2.0', () => {
    const { start, end } = oracleLogits(features, 3);
    const out = postprocessQaPredictions(examples, features, start, end, { version2: true });
    expect(out.predictions).toEqual({
      'q-france': 'France',
      'q-rollo': 'Rollo',
      'q-1066': '1066',
      'q-william': 'Duke William',
      'q-impossible': '',
      'q-resources': 'the resources',
    });
    const m = squadMetricInputs(examples, out.predictions);
    expect(m.answers[0]).toEqual(['France', 'France.']);
    expect(m.answers[4]).toEqual([]);
    const v2 = squadV2Scores(m.predictions, m.answers);
    expect([v2.exactMatch, v2.f1]).toEqual([100, 100]);
    const answerable = examples.filter((e) => !e.isImpossible);
    const v1 = squadMetricInputs(answerable, out.predictions);
    expect(squadScores(v1.predictions, v1.answers).exactMatch).toBe(100);
    for (const id of Object.keys(out.nbest)) {
      const p = out.nbest[id].reduce((a, c) => a + c.probability, 0);
      expect(Math.abs(p - 1)).toBeLessThan(1e-12);
    }
  });

  // One question, context "alpha beta gamma delta", two windows by hand.
  const ctx = 'alpha beta gamma delta';
  const ex: SquadExample = { id: 'h', title: '', context: ctx, question: 'q', answers: [], isImpossible: false, path: 'hand' };
  const span = (s: number, e: number): [number, number] => [s, e];
  // Window 0: [CLS] q [SEP] alpha beta gamma [SEP]     Window 1: [CLS] q [SEP] beta gamma delta [SEP]
  const f0: QaFeature = {
    kind: 'question-answering',
    exampleIndex: 0,
    inputIds: [2, 9, 3, 10, 11, 12, 3],
    tokenTypeIds: [0, 0, 0, 1, 1, 1, 1],
    attentionMask: [1, 1, 1, 1, 1, 1, 1],
    contextOffsets: [null, null, null, span(0, 5), span(6, 10), span(11, 16), null],
    startPosition: 0,
    endPosition: 0,
  };
  const f1: QaFeature = { ...f0, inputIds: [2, 9, 3, 11, 12, 13, 3], contextOffsets: [null, null, null, span(6, 10), span(11, 16), span(17, 22), null] };

  it('ranks spans over all windows, skipping end < start, too long spans and non-context tokens', () => {
    //              CLS   q   SEP  ctx0 ctx1 ctx2 SEP
    const s0 = [0, -9, -9, 3, 1, 0, 9];
    const e0 = [0, -9, -9, 0, 1, 2, 9];
    const s1 = [1, -9, -9, 0, 0, 4, 9];
    const e1 = [1, -9, -9, 5, 0, 3, 9];
    const out = postprocessQaPredictions([ex], [f0, f1], [s0, s1], [e0, e1], { nBest: 20, maxAnswerLength: 2 });
    // The final [SEP] (logit 9) is not context; "alpha beta gamma" is 3 tokens (too long); in window 1 the
    // start "delta" with the end "beta" (5) has end < start. Equal scores keep window and logit order.
    expect(out.nbest.h.map((c) => [c.text, c.score, c.featureIndex])).toEqual([
      ['delta', 7, 1],
      ['beta', 5, 1],
      ['alpha beta', 4, 0],
      ['alpha', 3, 0],
      ['beta gamma', 3, 0],
      ['gamma delta', 3, 1],
      ['beta', 2, 0],
      ['gamma', 2, 0],
      ['beta gamma', 0, 1],
      ['gamma', 0, 1],
    ]);
    expect(out.predictions.h).toBe('delta');
    expect(out.nbest.h[0]).toMatchObject({ start: 17, end: 22, startLogit: 4, endLogit: 3, isNull: false });
    expect(out.nullScoreDiff).toEqual({});
    // nBest 3: only the 3 best start and end logits of each window are paired, and 3 candidates are kept.
    const top = postprocessQaPredictions([ex], [f0, f1], [s0, s1], [e0, e1], { nBest: 3, maxAnswerLength: 30 });
    expect(top.nbest.h.map((c) => [c.text, c.score])).toEqual([
      ['delta', 7],
      ['alpha beta gamma', 5],
      ['alpha beta', 4],
    ]);
    // Softmax of [7, 5, 4].
    expect(top.nbest.h[0].probability).toBeCloseTo(1 / (1 + Math.exp(-2) + Math.exp(-3)), 12);
  });

  it('SQuAD v2: the minimum null score over windows against the best span, with a threshold', () => {
    const s0 = [3, 9, 9, 2, 0, 0, 9];
    const e0 = [3, 9, 9, 2, 0, 0, 9];
    const s1 = [6, 9, 9, 0, 0, 0, 9];
    const e1 = [6, 9, 9, 0, 0, 0, 9];
    // null scores 6 (window 0) and 12 (window 1): the minimum, 6, counts. Best span "alpha" scores 4.
    const out = postprocessQaPredictions([ex], [f0, f1], [s0, s1], [e0, e1], { version2: true });
    expect(out.nullScoreDiff.h).toBe(2);
    expect(out.predictions.h).toBe('');
    const null0 = out.nbest.h.find((c) => c.isNull)!;
    expect([null0.score, null0.featureIndex, out.nbest.h[0].isNull]).toEqual([6, 0, true]);
    expect(postprocessQaPredictions([ex], [f0, f1], [s0, s1], [e0, e1], { version2: true, nullScoreDiffThreshold: 2 }).predictions.h).toBe('alpha');
    expect(postprocessQaPredictions([ex], [f0, f1], [s0, s1], [e0, e1], { version2: false }).predictions.h).toBe('alpha');
    // The null candidate stays in a short n-best list even when it ranks below.
    const short = postprocessQaPredictions([ex], [f0, f1], [s0, s1], [e0, e1], { version2: true, nBest: 1, nullScoreDiffThreshold: 5 });
    expect(short.nbest.h.map((c) => [c.text, c.isNull])).toEqual([['', true]]);
  });

  it('answers "" when no span is valid, and checks the logits shapes', () => {
    const out = postprocessQaPredictions([ex], [f0], [[0, 0, 0, 0, 0, 0, 0]], [[0, 0, 0, 0, 0, 0, 0]], { maxAnswerLength: 0, version2: true });
    expect(out.predictions.h).toBe('');
    expect(out.nullScoreDiff.h).toBe(Infinity);
    expect(errorOf(() => postprocessQaPredictions([ex], [f0], [[0, 1]], [[0, 1]]))).toBe(
      'postprocessQaPredictions: feature 0 has 7 tokens, but its logits have 2 (start) and 2 (end)',
    );
    expect(errorOf(() => postprocessQaPredictions([ex], [f0, f1], [[0]], [[0]]))).toBe(
      'postprocessQaPredictions: expected start and end logits for each of the 2 features, got 1 and 1',
    );
    expect(errorOf(() => squadMetricInputs([ex], {}))).toBe('squadMetricInputs: no prediction for question id "h" (hand)');
  });

  it('topLogitIndices: largest first, ties by lower index; equal to sorting every index', () => {
    expect(topLogitIndices([1, 5, 3, 5, 0], 5, 3)).toEqual([1, 3, 2]);
    expect(topLogitIndices([1, 5, 3, 5, 9], 4, 10)).toEqual([1, 3, 2, 0]);
    expect(topLogitIndices([1, 2], 2, 0)).toEqual([]);
    const bySort = (xs: number[], n: number, k: number) =>
      Array.from({ length: n }, (_, i) => i)
        .sort((a, b) => xs[b] - xs[a] || a - b)
        .slice(0, k);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -4, max: 4 }), { maxLength: 40 }), fc.nat(45), fc.nat(45), (xs, n, k) => {
        const m = Math.min(n, xs.length);
        expect(topLogitIndices(xs, m, k)).toEqual(bySort(xs, m, k));
      }),
      { numRuns: 500 },
    );
  });
});
