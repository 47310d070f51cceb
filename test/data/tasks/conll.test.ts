import { describe, expect, it } from 'vitest';
import { entityScores, idsToTags } from '../../../src/metrics/entities.ts';
import { encodeTokenClassification, parseConll, readConllFile, tokenClassificationTags, wordTagsFromPredictions } from '../../../src/data/tasks/conll.ts';
import { LabelSet } from '../../../src/data/tasks/label-set.ts';
import { errorOf, fixture, uncasedTokenizer } from './helpers.ts';

describe('CoNLL reader', () => {
  it('reads sentences, skips -DOCSTART-, takes the first column as word and the last as tag', () => {
    const s = readConllFile(fixture('ner.conll'));
    expect(s.map((x) => x.words)).toEqual([
      ['EU', 'rejects', 'German', 'call', 'to', 'boycott', 'British', 'lamb', '.'],
      ['Peter', 'Blackburn'],
      ['BRUSSELS', '1996-08-22'],
    ]);
    expect(s[0].tags).toEqual(['B-ORG', 'O', 'B-MISC', 'O', 'O', 'O', 'B-MISC', 'O', 'O']);
    expect(s.map((x) => x.line)).toEqual([3, 13, 18]);
    expect(s[2].lines).toEqual([18, 19]);
  });

  it('accepts tabs, CRLF, 2-column files, and a last sentence without a blank line after it', () => {
    const s = parseConll('a\tB-X\r\nb\tI-X\r\n\r\nc O', 'two.conll');
    expect(s.map((x) => [x.words, x.tags])).toEqual([
      [
        ['a', 'b'],
        ['B-X', 'I-X'],
      ],
      [['c'], ['O']],
    ]);
  });

  it('names file and line for a missing tag, a non-BIO tag, and empty input', () => {
    expect(errorOf(() => parseConll('a O\nlonely\n', 'x.conll'))).toBe(
      'x.conll:2: expected a word and a tag separated by spaces or tabs, found one field "lonely"',
    );
    expect(errorOf(() => parseConll('a O\n\nb S-PER\n', 'x.conll'))).toBe(
      'x.conll:3: expected a BIO tag (O, B-TYPE or I-TYPE) in the last column, found "S-PER"',
    );
    expect(parseConll('b S-PER\n', 'x.conll', { scheme: 'any' })[0].tags).toEqual(['S-PER']);
    expect(errorOf(() => parseConll('', 'x.conll'))).toBe(
      'x.conll: empty file: expected CoNLL lines "WORD ... TAG", a blank line between sentences, found no data',
    );
    expect(errorOf(() => parseConll('-DOCSTART- -X- O\n\n', 'x.conll'))).toBe(
      'x.conll: expected at least one sentence, found only document markers and blank lines',
    );
  });
});

describe('token classification encoding', () => {
  const tok = uncasedTokenizer();
  const sentences = readConllFile(fixture('ner.conll'));
  const labels = LabelSet.fromValues(sentences.flatMap((s) => s.tags));

  it('puts each word label on its first sub-token and -100 on the others and on [CLS]/[SEP]', () => {
    expect(labels.labels).toEqual(['B-LOC', 'B-MISC', 'B-ORG', 'B-PER', 'I-PER', 'O']);
    const [f] = encodeTokenClassification(tok, sentences.slice(2), labels, { maxLength: 32 });
    expect(tok.convertIdsToTokens(f.inputIds)).toEqual(['[CLS]', 'brussels', '1996', '-', '08', '-', '22', '[SEP]']);
    expect(f.wordIds).toEqual([null, 0, 1, 1, 1, 1, 1, null]);
    expect(f.labels).toEqual([-100, labels.id('B-LOC'), labels.id('O'), -100, -100, -100, -100, -100]);
    expect(f.tokenTypeIds).toEqual(new Array(8).fill(0));
    expect(f.attentionMask).toEqual(new Array(8).fill(1));
    expect(f).toMatchObject({ kind: 'token-classification', exampleIndex: 0, numWords: 2, truncatedWords: 0 });
    const [all] = encodeTokenClassification(tok, sentences.slice(2), labels, { maxLength: 32, labelAllSubTokens: true });
    expect(all.labels).toEqual([-100, 0, 5, 5, 5, 5, 5, -100]);
  });

  it('every word with tokens has exactly one labelled token, carrying its tag (all sentences)', () => {
    const features = encodeTokenClassification(tok, sentences, labels, { maxLength: 64 });
    features.forEach((f, i) => {
      const labelled = f.labels.map((l, t) => [l, f.wordIds[t]] as const).filter(([l]) => l !== -100);
      expect(labelled.map(([, w]) => w)).toEqual(sentences[i].words.map((_, w) => w));
      expect(labelled.map(([l]) => labels.name(l))).toEqual(sentences[i].tags);
    });
  });

  it('truncates long sentences to maxLength and counts the words cut off', () => {
    const [f] = encodeTokenClassification(tok, sentences.slice(0, 1), labels, { maxLength: 6 });
    expect(tok.convertIdsToTokens(f.inputIds)).toEqual(['[CLS]', 'eu', 'rejects', 'german', 'call', '[SEP]']);
    expect(f.truncatedWords).toBe(5);
    // A word cut inside keeps its first piece, with the label.
    const [g] = encodeTokenClassification(tok, sentences.slice(2), labels, { maxLength: 5 });
    expect(tok.convertIdsToTokens(g.inputIds)).toEqual(['[CLS]', 'brussels', '1996', '-', '[SEP]']);
    expect(g.labels).toEqual([-100, 0, 5, -100, -100]);
    expect(g.truncatedWords).toBe(0);
    expect(errorOf(() => encodeTokenClassification(tok, sentences, labels, { maxLength: 2 }))).toBe(
      'encodeTokenClassification: maxLength must be an integer >= 3, got 2',
    );
  });

  it('an unknown tag is an error at its line', () => {
    const train = LabelSet.fromValues(['O', 'B-PER', 'I-PER']);
    expect(errorOf(() => encodeTokenClassification(tok, sentences, train, { maxLength: 64 }))).toBe(
      `${fixture('ner.conll')}:3: unknown label "B-ORG"; the known labels (from the training data) are: "B-PER", "I-PER", "O"`,
    );
  });

  it('maps predictions back to words; truncated words get the fallback tag; entity F1 from the words', () => {
    const features = encodeTokenClassification(tok, sentences, labels, { maxLength: 6 });
    // A perfect model: predict the gold label at every labelled token, garbage (B-PER) elsewhere.
    const predictions = features.map((f) => f.labels.map((l) => (l === -100 ? labels.id('B-PER') : l)));
    const words = wordTagsFromPredictions(features[0], predictions[0], labels);
    expect(words).toEqual(['B-ORG', 'O', 'B-MISC', 'O', 'O', 'O', 'O', 'O', 'O']);
    const { goldTags, predTags } = tokenClassificationTags(sentences, features, predictions, labels);
    expect(goldTags).toEqual(sentences.map((s) => s.tags));
    // The truncated "British" (B-MISC) is missed: 4 of 5 gold entities found, no false positives.
    const scores = entityScores(goldTags, predTags);
    expect(scores.overall).toMatchObject({ correct: 4, predicted: 4, support: 5 });
    // idsToTags on the label rows scores only the words inside the window (Hugging Face's way).
    const hf = idsToTags(
      features.map((f) => f.labels),
      predictions,
      labels.labels,
    );
    expect(entityScores(hf.goldTags, hf.predTags).overall).toMatchObject({ correct: 4, predicted: 4, support: 4 });
    expect(errorOf(() => wordTagsFromPredictions(features[0], [1, 2], labels))).toBe(
      'wordTagsFromPredictions: expected at least 6 predictions for sentence 0, got 2',
    );
  });
});
