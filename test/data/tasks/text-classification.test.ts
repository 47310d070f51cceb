import { describe, expect, it } from 'vitest';
import { LabelSet } from '../../../src/data/tasks/label-set.ts';
import {
  encodeClassificationExamples,
  encodeRegressionExamples,
  labelSetOf,
  parseTextTable,
  readTextTable,
} from '../../../src/data/tasks/text-classification.ts';
import { readTaskFile } from '../../../src/data/tasks/text-file.ts';
import { errorOf, fixture, uncasedTokenizer } from './helpers.ts';

describe('text tables: columns', () => {
  it('finds the GLUE pair columns and the label by header name; quotes in TSV are data', () => {
    const t = readTextTable(fixture('pairs.tsv'));
    expect(t.format).toBe('tsv');
    expect(t.columns).toEqual({ text: 'sentence1', textPair: 'sentence2', label: 'label' });
    expect(t.examples.map((e) => e.line)).toEqual([2, 3, 4, 5]);
    expect(t.examples[1]).toEqual({
      file: fixture('pairs.tsv'),
      line: 3,
      text: 'He said "no" twice.',
      textPair: 'He agreed.',
      label: 'contradiction',
    });
  });

  it('reads CSV with quoted fields and the record start line', () => {
    const t = readTextTable(fixture('quoted.csv'));
    expect(t.format).toBe('csv');
    expect(t.columns).toEqual({ text: 'text', textPair: null, label: 'label' });
    expect(t.examples.map((e) => [e.line, e.text, e.label])).toEqual([
      [2, 'Hello, world', 'positive'],
      [3, 'She said "hi" and left', 'negative'],
      [4, 'line one\nline two', 'positive'],
      [6, 'plain text', 'negative'],
    ]);
  });

  it('recognises the other GLUE headers (QNLI, QQP, MNLI, MRPC, STS-B)', () => {
    const cols = (header: string) =>
      parseTextTable(
        `${header}\n${header
          .split('\t')
          .map((_, i) => `v${i}`)
          .join('\t')}\n`,
        'g.tsv',
      ).columns;
    expect(cols('index\tquestion\tsentence\tlabel')).toEqual({ text: 'question', textPair: 'sentence', label: 'label' });
    expect(cols('id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate')).toEqual({ text: 'question1', textPair: 'question2', label: 'is_duplicate' });
    expect(cols('index\tpromptID\tsentence1\tsentence2\tlabel1\tgold_label')).toEqual({ text: 'sentence1', textPair: 'sentence2', label: 'gold_label' });
    expect(cols('Quality\t#1 ID\t#2 ID\t#1 String\t#2 String')).toEqual({ text: '#1 String', textPair: '#2 String', label: 'Quality' });
    expect(cols('index\tgenre\tsentence1\tsentence2\tscore')).toEqual({ text: 'sentence1', textPair: 'sentence2', label: 'score' });
    expect(cols('sentence\tlabel')).toEqual({ text: 'sentence', textPair: null, label: 'label' });
  });

  it('takes explicit columns by name or index, forces a single text, and reads unlabelled files', () => {
    const text = 'a\tb\tc\nx\ty\tz\n';
    expect(parseTextTable(text, 't.tsv', { text: 'b', label: 2 }).examples[0]).toMatchObject({ text: 'y', textPair: null, label: 'z' });
    expect(parseTextTable(text, 't.tsv', { text: 0, textPair: 'C', label: null }).examples[0]).toMatchObject({ text: 'x', textPair: 'z', label: null });
    const single = parseTextTable('sentence1\tsentence2\tlabel\nx\ty\t1\n', 't.tsv', { textPair: null });
    expect(single.columns).toEqual({ text: 'sentence1', textPair: null, label: 'label' });
    expect(parseTextTable('index\tsentence\n0\thi\n', 'test.tsv', { label: null }).examples[0].label).toBeNull();
  });

  it('reads headerless files: 2 columns default to label, text; otherwise indices (CoLA)', () => {
    const two = parseTextTable('pos\tgood film\nneg\tbad film\n', 'h.tsv', { header: false });
    expect(two.columns).toEqual({ text: 'column 1', textPair: null, label: 'column 0' });
    expect(two.examples.map((e) => [e.line, e.label, e.text])).toEqual([
      [1, 'pos', 'good film'],
      [2, 'neg', 'bad film'],
    ]);
    const cola = parseTextTable("gj04\t1\t\tOur friends won't buy this analysis.\n", 'cola.tsv', { header: false, text: 3, label: 1 });
    expect(cola.examples[0]).toMatchObject({ text: "Our friends won't buy this analysis.", label: '1' });
  });

  it('explains every column problem, listing the header', () => {
    expect(errorOf(() => parseTextTable('id\tbody\tlabel\n1\thi\tx\n', 'a.tsv'))).toBe(
      'a.tsv:1: no text column found: expected one named sentence, text, content or a pair sentence1 + sentence2, question + sentence, ' +
        'question1 + question2, premise + hypothesis, #1 string + #2 string; the header has: "id", "body", "label". Name the column(s) with text / textPair',
    );
    expect(errorOf(() => parseTextTable('id\ttext\ttarget\n1\thi\tx\n', 'a.tsv'))).toBe(
      'a.tsv:1: no label column found: expected one named label, gold_label, is_duplicate, quality, score, labels, class, category; ' +
        'the header has: "id", "text", "target". Name it with label, or pass label: null for an unlabelled file',
    );
    expect(errorOf(() => parseTextTable('id\ttext\n1\thi\n', 'a.tsv', { text: 'body', label: null }))).toBe(
      'a.tsv:1: no text column named "body"; the header has: "id", "text"',
    );
    expect(errorOf(() => parseTextTable('id\ttext\n1\thi\n', 'a.tsv', { text: 5, label: null }))).toBe(
      'a.tsv: text column index 5 is outside 0..1; the header has: "id", "text"',
    );
    expect(errorOf(() => parseTextTable('a\tb\tc\n', 'h.tsv', { header: false }))).toBe(
      'h.tsv: a headerless file needs column indices (text, label) unless it has 2 columns (label, text); the rows have 3 columns',
    );
    expect(errorOf(() => parseTextTable('a\tb\n', 'h.tsv', { header: false, text: 'b' }))).toBe(
      'h.tsv: text column "b" is a name, but the file has no header; give a 0-based index',
    );
    expect(errorOf(() => parseTextTable('a\tb\tc\n', 'h.tsv', { header: false, text: 2 }))).toBe(
      'h.tsv: a headerless file with a text column index needs a label column index too (or label: null)',
    );
    expect(errorOf(() => parseTextTable('text\tlabel\nx\ty\n', 'a.tsv', { text: 'text', label: 'text' }))).toBe(
      'a.tsv: the label column is the text column (0); the header has: "text", "label"',
    );
    expect(errorOf(() => parseTextTable('text\tlabel\nx\ty\n', 'a.tsv', { textPair: 'label' }))).toBe(
      'a.tsv: textPair is given but text is not; name both columns',
    );
  });

  it('reports malformed rows with file and line: wrong field count, empty label, empty file, header only', () => {
    expect(errorOf(() => parseTextTable('text\tlabel\nok\t1\nno label here\n', 'r.tsv'))).toBe(
      'r.tsv:3: expected 2 tab-separated fields as in the header (2 fields), found 1',
    );
    expect(errorOf(() => parseTextTable('text,label\r\n"a,b",1\r\n"a,b",1,extra\r\n', 'r.csv'))).toBe(
      'r.csv:3: expected 2 comma-separated fields as in the header (2 fields), found 3',
    );
    expect(errorOf(() => parseTextTable('x\t1\ny\t1\tz\n', 'h.tsv', { header: false }))).toBe(
      'h.tsv:2: expected 2 tab-separated fields as in the first row (line 1, 2 fields), found 3',
    );
    expect(errorOf(() => parseTextTable('text\tlabel\nok\t \n', 'r.tsv'))).toBe('r.tsv:2: empty label in column "label"');
    expect(errorOf(() => parseTextTable('\n \n', 'e.tsv'))).toBe('e.tsv: empty file: expected a table with a header and rows, found no data');
    expect(errorOf(() => parseTextTable('text\tlabel\n', 'e.tsv'))).toBe('e.tsv:1: expected rows after the header, found none');
  });
});

describe('label sets', () => {
  it('sorts string labels, orders integer labels numerically, or keeps first appearance', () => {
    expect(LabelSet.fromValues(['b', 'a', 'c', 'a']).labels).toEqual(['a', 'b', 'c']);
    expect(LabelSet.fromValues(['10', '2', '-1', '2']).labels).toEqual(['-1', '2', '10']);
    expect(LabelSet.fromValues(['b', 'a', 'c', 'a'], 'first-seen').labels).toEqual(['b', 'a', 'c']);
  });

  it('round-trips through the Hugging Face config fields', () => {
    const s = new LabelSet(['neg', 'pos']);
    expect(s.toConfig()).toEqual({ id2label: { 0: 'neg', 1: 'pos' }, label2id: { neg: 0, pos: 1 } });
    expect(LabelSet.fromConfig(s.toConfig()).labels).toEqual(['neg', 'pos']);
    expect(errorOf(() => LabelSet.fromConfig({ id2label: { 0: 'a', 2: 'b' } }))).toBe('LabelSet.fromConfig: id2label has 2 entries but no id "1"');
  });

  it('rejects duplicates, empty names, and ids outside the set', () => {
    expect(errorOf(() => new LabelSet(['a', 'b', 'a']))).toBe('LabelSet: label "a" appears twice (ids 0 and 2)');
    expect(errorOf(() => new LabelSet([]))).toBe('LabelSet: expected at least one label, got none');
    expect(errorOf(() => new LabelSet(['a', '']))).toBe('LabelSet: label 1 must be a non-empty string, got ""');
    expect(errorOf(() => new LabelSet(['a']).name(1))).toBe('LabelSet: id 1 is outside 0..0');
  });
});

describe('encoding for sequence classification and regression', () => {
  const tok = uncasedTokenizer();

  it('encodes pairs as [CLS] A [SEP] B [SEP] with segment ids and label ids from the training set', () => {
    const t = readTextTable(fixture('pairs.tsv'));
    const labels = labelSetOf(t);
    expect(labels.labels).toEqual(['contradiction', 'entailment', 'neutral']);
    const f = encodeClassificationExamples(tok, t.examples, labels, { maxLength: 32 });
    expect(f.map((x) => x.label)).toEqual([1, 0, 2, 1]);
    const d = f[3];
    expect(tok.convertIdsToTokens(d.inputIds)).toEqual(['[CLS]', 'dogs', 'bark', '.', '[SEP]', 'dogs', 'make', 'noise', '.', '[SEP]']);
    expect(d.tokenTypeIds).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    expect(d.attentionMask).toEqual(new Array(10).fill(1));
    expect(d).toMatchObject({ kind: 'classification', exampleIndex: 3 });
  });

  it('truncates to maxLength (longest_first by default, only_second on request)', () => {
    // longest_first with 5 tokens of room for 7 + 5: the longer text keeps 3, the shorter 2.
    const t = readTextTable(fixture('pairs.tsv'));
    const labels = labelSetOf(t);
    const f = encodeClassificationExamples(tok, t.examples.slice(0, 1), labels, { maxLength: 8 });
    expect(tok.convertIdsToTokens(f[0].inputIds)).toEqual(['[CLS]', 'the', 'cat', 'sat', '[SEP]', 'a', 'cat', '[SEP]']);
    const g = encodeClassificationExamples(tok, t.examples.slice(0, 1), labels, { maxLength: 11, truncation: 'only_second' });
    expect(tok.convertIdsToTokens(g[0].inputIds)).toEqual(['[CLS]', 'the', 'cat', 'sat', 'on', 'the', 'mat', '.', '[SEP]', 'a', '[SEP]']);
  });

  it('an unknown dev label is an error naming file, line and the known labels', () => {
    const train = parseTextTable('text\tlabel\na\tpos\nb\tneg\n', 'train.tsv');
    const dev = parseTextTable('text\tlabel\nc\tpos\nd\tneutral\n', 'dev.tsv');
    expect(errorOf(() => encodeClassificationExamples(tok, dev.examples, labelSetOf(train), { maxLength: 8 }))).toBe(
      'dev.tsv:3: unknown label "neutral"; the known labels (from the training data) are: "neg", "pos"',
    );
    expect(errorOf(() => labelSetOf(parseTextTable('text\nx\n', 'u.tsv', { label: null })))).toBe(
      'u.tsv: the table has no label column; a label set needs labelled training data',
    );
  });

  it('regression labels are numbers; anything else names file and line', () => {
    const t = parseTextTable('sentence1\tsentence2\tscore\na\tb\t3.8\nc\td\t1e-1\ne\tf\t-0\n', 'sts.tsv');
    expect(encodeRegressionExamples(tok, t.examples, { maxLength: 16 }).map((f) => [f.kind, f.label])).toEqual([
      ['regression', 3.8],
      ['regression', 0.1],
      ['regression', -0],
    ]);
    const bad = parseTextTable('sentence1\tsentence2\tscore\na\tb\t3.8\nc\td\thigh\n', 'sts.tsv');
    expect(errorOf(() => encodeRegressionExamples(tok, bad.examples, { maxLength: 16 }))).toBe(
      'sts.tsv:3: expected a number as the regression label, found "high"',
    );
    const inf = parseTextTable('text\tscore\na\tInfinity\n', 'sts.tsv');
    expect(errorOf(() => encodeRegressionExamples(tok, inf.examples, { maxLength: 16 }))).toBe(
      'sts.tsv:2: expected a number as the regression label, found "Infinity"',
    );
  });
});

describe('the real fortunes-es-topics files (first lines, copied)', () => {
  const tok = uncasedTokenizer();

  it('have a label<TAB>sentence header and read as they are', () => {
    const train = readTextTable(fixture('fortunes-es-topics-train.tsv'));
    const dev = readTextTable(fixture('fortunes-es-topics-dev.tsv'));
    expect(train.columns).toEqual({ text: 'sentence', textPair: null, label: 'label' });
    expect(train.examples).toHaveLength(18);
    expect(dev.examples).toHaveLength(6);
    const labels = labelSetOf(train);
    expect(labels.labels).toEqual(['amistad', 'arte', 'ciencia', 'informatica', 'libertad', 'poder']);
    const f = encodeClassificationExamples(tok, dev.examples, labels, { maxLength: 64 });
    expect(f.map((x) => labels.name(x.label!))).toEqual(['poder', 'ciencia', 'amistad', 'arte', 'poder', 'libertad']);
    // "sí mismo" loses its accent in the uncased tokenizer; the row ends with [SEP].
    expect(tok.convertIdsToTokens(f[0].inputIds).slice(-5)).toEqual(['si', 'mis', '##mo', '.', '[SEP]']);
  });

  it('a dev label the training rows never use is an error at its line', () => {
    const head = readTaskFile(fixture('fortunes-es-topics-train.tsv')).split('\n').slice(0, 9).join('\n');
    const train = parseTextTable(head, 'train-head.tsv');
    expect(labelSetOf(train).labels).toEqual(['arte', 'informatica', 'poder']);
    const dev = readTextTable(fixture('fortunes-es-topics-dev.tsv'));
    expect(errorOf(() => encodeClassificationExamples(tok, dev.examples, labelSetOf(train), { maxLength: 64 }))).toBe(
      `${fixture('fortunes-es-topics-dev.tsv')}:3: unknown label "ciencia"; the known labels (from the training data) are: "arte", "informatica", "poder"`,
    );
  });
});
