import { describe, expect, it } from 'vitest';
import { choicePairs, encodeMultipleChoice, parseMultipleChoice, readMultipleChoiceFile } from '../../../src/data/tasks/multiple-choice.ts';
import { errorOf, fixture, uncasedTokenizer } from './helpers.ts';

describe('multiple choice (JSON Lines)', () => {
  const examples = readMultipleChoiceFile(fixture('choices.jsonl'));

  it('reads SWAG fields (sent1, sent2, ending0..3), context/question/choices and question/endings', () => {
    expect(examples.map((e) => [e.line, e.id, e.label, e.choices.length])).toEqual([
      [1, 'swag-1', 0, 4],
      [2, '2', 0, 4],
      [4, null, 1, 4],
    ]);
    expect(choicePairs(examples[0])[0]).toEqual([
      'Members of the procession walk down the street holding small horn brass instruments.',
      'A drum line passes by walking down the street playing their instruments.',
    ]);
    expect(choicePairs(examples[1])[1]).toEqual(['She opened the fridge.', 'Then she flew to the moon.']);
    expect(choicePairs(examples[2])[1]).toEqual(['Which planet is known as the red planet?', 'Mars']);
    expect(parseMultipleChoice('{"context": "c", "choices": ["x", "y"], "label": 1}')[0]).toMatchObject({ question: null, label: 1 });
    expect(choicePairs(parseMultipleChoice('{"context": "c", "choices": ["x", "y"], "label": 1}')[0])).toEqual([
      ['c', 'x'],
      ['c', 'y'],
    ]);
  });

  it('encodes one row per choice: [CLS] first [SEP] second [SEP], truncated to maxLength', () => {
    const tok = uncasedTokenizer();
    const f = encodeMultipleChoice(tok, examples, { maxLength: 16 });
    expect(f.map((x) => [x.kind, x.choices.length, x.label, x.exampleIndex])).toEqual([
      ['multiple-choice', 4, 0, 0],
      ['multiple-choice', 4, 0, 1],
      ['multiple-choice', 4, 1, 2],
    ]);
    expect(tok.convertIdsToTokens(f[2].choices[1].inputIds)).toEqual([
      '[CLS]',
      'which',
      'planet',
      'is',
      'known',
      'as',
      'the',
      'red',
      'planet',
      '?',
      '[SEP]',
      'mars',
      '[SEP]',
    ]);
    expect(f[2].choices[1].tokenTypeIds).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
    for (const x of f) for (const c of x.choices) expect(c.inputIds.length).toBeLessThanOrEqual(16);
    expect(f[0].choices[0].inputIds).toHaveLength(16);
  });

  it('names file and line for every malformed line', () => {
    const bad = (text: string, o = {}) => errorOf(() => parseMultipleChoice(text, 'mc.jsonl', o));
    const ok = '{"question": "q", "choices": ["a", "b"], "label": 0}\n';
    expect(bad(`${ok}{"question": "q", "choices": ["a", "b"], "label": 0\n`)).toMatch(/^mc\.jsonl:2: invalid JSON: /);
    expect(bad(`${ok}[1, 2]\n`)).toBe('mc.jsonl:2: expected a JSON object, found an array');
    expect(bad(`${ok}{"choices": ["a", "b"], "label": 0}\n`)).toBe(
      'mc.jsonl:2: expected a context (context, sent1, article) or a question (question, sent2) field; found keys choices, label',
    );
    expect(bad(`${ok}{"question": 5, "choices": ["a", "b"], "label": 0}\n`)).toBe('mc.jsonl:2: expected "question" to be a string, found "5"');
    expect(bad(`${ok}{"question": "q", "label": 0}\n`)).toBe(
      'mc.jsonl:2: expected the choices in choices, endings, options or ending0, ending1, ...; found keys question, label',
    );
    expect(bad(`${ok}{"question": "q", "choices": "a b", "label": 0}\n`)).toBe('mc.jsonl:2: expected "choices" to be an array of strings, found "\\"a b\\""');
    expect(bad(`${ok}{"question": "q", "choices": ["a", 2], "label": 0}\n`)).toBe('mc.jsonl:2: expected choice 1 to be a string, found "2"');
    expect(bad(`${ok}{"question": "q", "choices": ["a", "b", "c"], "label": 0}\n`)).toBe(
      'mc.jsonl:2: expected 2 choices (as on the first line), found 3; every example of a batch needs the same number',
    );
    expect(bad(ok, { numChoices: 3 })).toBe('mc.jsonl:1: expected 3 choices (numChoices), found 2; every example of a batch needs the same number');
    expect(bad('{"question": "q", "choices": ["a"], "label": 0}\n')).toBe('mc.jsonl:1: expected at least 2 choices, found 1');
    expect(bad(`${ok}{"question": "q", "choices": ["a", "b"]}\n`)).toBe(
      'mc.jsonl:2: missing "label" (the 0-based index of the right choice); pass requireLabels: false for unlabelled data',
    );
    expect(parseMultipleChoice('{"question": "q", "choices": ["a", "b"]}', 'mc.jsonl', { requireLabels: false })[0].label).toBeNull();
    expect(bad(`${ok}{"question": "q", "choices": ["a", "b"], "label": 2}\n`)).toBe('mc.jsonl:2: expected "label" to be a choice index 0..1, found 2');
    expect(bad(`${ok}{"question": "q", "choices": ["a", "b"], "label": "B"}\n`)).toBe('mc.jsonl:2: expected "label" to be a choice index 0..1, found "B"');
    expect(bad('\n\n')).toBe('mc.jsonl: empty file: expected JSON Lines, one {"context"/"question", "choices", "label"} object per line, found no data');
  });
});
