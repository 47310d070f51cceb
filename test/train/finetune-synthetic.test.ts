/** The generated fine-tuning datasets: readable by the task readers, covered by their vocabulary, deterministic. */
import { describe, expect, it } from 'vitest';
import { syntheticTaskText, syntheticTaskVocab, syntheticQa, type SyntheticTaskName } from '../../src/data/synthetic-tasks.ts';
import { encodeMultipleChoice, parseMultipleChoice } from '../../src/data/tasks/multiple-choice.ts';
import { encodeTokenClassification, parseConll } from '../../src/data/tasks/conll.ts';
import { LabelSet } from '../../src/data/tasks/label-set.ts';
import { prepareQaFeatures } from '../../src/data/tasks/qa-features.ts';
import { parseSquad } from '../../src/data/tasks/squad.ts';
import { encodeClassificationExamples, encodeRegressionExamples, labelSetOf, parseTextTable } from '../../src/data/tasks/text-classification.ts';
import { BertTokenizer } from '../../src/tokenizer/tokenizer.ts';
import { Vocab } from '../../src/tokenizer/vocab.ts';

const tokenizer = new BertTokenizer(Vocab.fromText(syntheticTaskVocab()));
const unk = tokenizer.ids.unk;

/** Every input row of 60 generated examples of `task`, tokenized with the synthetic vocabulary. */
function rows(task: SyntheticTaskName, seed = 3): number[][] {
  const text = syntheticTaskText(task, { count: 60, seed });
  switch (task) {
    case 'classification': {
      const t = parseTextTable(text, 'x.tsv');
      return encodeClassificationExamples(tokenizer, t.examples, labelSetOf(t), { maxLength: 64 }).map((f) => f.inputIds);
    }
    case 'regression':
      return encodeRegressionExamples(tokenizer, parseTextTable(text, 'x.tsv').examples, { maxLength: 64 }).map((f) => f.inputIds);
    case 'token-classification': {
      const s = parseConll(text, 'x.conll');
      return encodeTokenClassification(tokenizer, s, LabelSet.fromValues(s.flatMap((x) => x.tags)), { maxLength: 64 }).map((f) => f.inputIds);
    }
    case 'question-answering':
      return prepareQaFeatures(tokenizer, parseSquad(text, 'x.json').examples, { maxLength: 128 }).map((f) => f.inputIds);
    case 'multiple-choice':
      return encodeMultipleChoice(tokenizer, parseMultipleChoice(text, 'x.jsonl'), { maxLength: 64 }).flatMap((f) => f.choices.map((c) => c.inputIds));
  }
}

describe('synthetic fine-tuning data', () => {
  const tasks: SyntheticTaskName[] = ['classification', 'regression', 'token-classification', 'question-answering', 'multiple-choice'];
  it.each(tasks)('%s: parses with its reader and never needs [UNK]', (task) => {
    const r = rows(task);
    expect(r.length).toBeGreaterThanOrEqual(60);
    expect(r.filter((ids) => ids.includes(unk))).toEqual([]);
  });

  it('is deterministic by seed and differs between seeds', () => {
    expect(syntheticTaskText('classification', { count: 20, seed: 1 })).toBe(syntheticTaskText('classification', { count: 20, seed: 1 }));
    expect(syntheticTaskText('classification', { count: 20, seed: 1 })).not.toBe(syntheticTaskText('classification', { count: 20, seed: 2 }));
  });

  it('QA: answers sit at answer_start (checked by the reader), v2.0 marks unanswerable questions', () => {
    const v1 = parseSquad(syntheticQa({ count: 40, animals: [1, 1] }), 'a.json');
    expect(v1.version2).toBe(false);
    for (const e of v1.examples) expect(e.context.split(' . ')).toHaveLength(2);
    const v2 = parseSquad(syntheticQa({ count: 60, unanswerable: 0.5 }), 'b.json');
    expect(v2.version2).toBe(true);
    const impossible = v2.examples.filter((e) => e.isImpossible);
    expect(impossible.length).toBeGreaterThan(10);
    for (const e of impossible) expect(` ${e.context} `).not.toContain(` ${e.question.split(' ')[3]} `);
    expect(() => syntheticQa({ count: 1, animals: [0, 2] })).toThrow(/animals must be an integer range/);
  });
});
