/**
 * Token classification (NER) data in the CoNLL layout:
 *
 *   -DOCSTART- -X- -X- O        <- document markers are skipped
 *                               <- a blank line ends a sentence
 *   EU NNP B-NP B-ORG           <- one word per line: the word first, the tag in the LAST column,
 *   rejects VBZ B-VP O             columns separated by spaces or tabs (CoNLL-2003 has 4 columns,
 *   German JJ B-NP B-MISC          a plain NER file has 2)
 *
 * Tags are BIO / IOB2 (`O`, `B-TYPE`, `I-TYPE`) and are checked as such (scheme 'bio', the default), since
 * entity-level F1 reads them that way; scheme 'any' accepts any tag (POS tags, IOBES...).
 *
 * Encoding: each word is tokenized on its own (the words are already split), and the label goes on the FIRST
 * sub-token of each word; the other sub-tokens, [CLS] and [SEP] get -100, which the loss ignores (Hugging Face's
 * run_ner default). A sentence longer than `maxLength - 2` tokens is TRUNCATED: the words past the limit get no
 * label and no prediction (`truncatedWords` counts them). `wordTagsFromPredictions` maps predictions back to
 * words and gives such words (and words the normaliser removed entirely, e.g. a lone control character) the
 * fallback tag 'O', so that entity F1 against the full gold sentences stays honest about truncation.
 */
import type { BertTokenizer } from '../../tokenizer/tokenizer.ts';
import type { EncodedInput } from './encoded-input.ts';
import { TaskDataError, quoteForMessage } from './errors.ts';
import type { LabelSet } from './label-set.ts';
import { numberedLines, readTaskFile, requireNonEmpty } from './text-file.ts';

/** Hugging Face's "no label here" for the loss. */
export const TOKEN_LABEL_IGNORE = -100;

export interface ConllOptions {
  /** 'bio' (default) checks every tag is O, B-X or I-X; 'any' accepts any tag. */
  scheme?: 'bio' | 'any';
}

/** One sentence: parallel arrays, one entry per word. */
export interface TaggedSentence {
  file: string;
  /** 1-based line of the first word. */
  line: number;
  words: string[];
  tags: string[];
  /** 1-based line of each word. */
  lines: number[];
}

const BIO_TAG = /^(O|[BI]-.+)$/;

/**
 * Parse CoNLL text into sentences.
 * @throws TaskDataError (file:line) for a line without a tag column, a non-BIO tag, or a file with no words
 */
export function parseConll(text: string, file = '<string>', options: ConllOptions = {}): TaggedSentence[] {
  requireNonEmpty(text, file, 'CoNLL lines "WORD ... TAG", a blank line between sentences');
  const scheme = options.scheme ?? 'bio';
  const sentences: TaggedSentence[] = [];
  let current: TaggedSentence | null = null;
  const finish = () => {
    if (current) sentences.push(current);
    current = null;
  };
  for (const { text: raw, line } of numberedLines(text)) {
    const trimmed = raw.trim();
    if (trimmed === '') {
      finish();
      continue;
    }
    const fields = trimmed.split(/[ \t]+/);
    if (fields[0] === '-DOCSTART-') {
      finish();
      continue;
    }
    if (fields.length < 2) {
      throw new TaskDataError(`expected a word and a tag separated by spaces or tabs, found one field ${quoteForMessage(trimmed)}`, file, line);
    }
    const tag = fields[fields.length - 1];
    if (scheme === 'bio' && !BIO_TAG.test(tag)) {
      throw new TaskDataError(`expected a BIO tag (O, B-TYPE or I-TYPE) in the last column, found ${quoteForMessage(tag)}`, file, line);
    }
    current ??= { file, line, words: [], tags: [], lines: [] };
    current.words.push(fields[0]);
    current.tags.push(tag);
    current.lines.push(line);
  }
  finish();
  if (sentences.length === 0) throw new TaskDataError(`expected at least one sentence, found only document markers and blank lines`, file);
  return sentences;
}

/** Read a CoNLL file (see `parseConll`). */
export function readConllFile(file: string, options: ConllOptions = {}): TaggedSentence[] {
  return parseConll(readTaskFile(file), file, options);
}

/** A tokenized sentence with one label per token. */
export interface TokenClassificationFeature extends EncodedInput {
  kind: 'token-classification';
  /** [seq] label id on the first sub-token of each word, -100 on the rest and on [CLS]/[SEP]. */
  labels: number[];
  /** [seq] index of the word (in the sentence) each token belongs to; null for [CLS]/[SEP]. */
  wordIds: (number | null)[];
  /** Index of the sentence in the input list. */
  exampleIndex: number;
  /** Words in the sentence. */
  numWords: number;
  /** Words cut off by truncation (they have no token here). */
  truncatedWords: number;
}

export interface TokenEncodeOptions {
  /** Token limit per sentence, [CLS] and [SEP] included. */
  maxLength: number;
  /** Put the word's label on every sub-token instead of the first only. Default false. */
  labelAllSubTokens?: boolean;
}

/**
 * Tokenize tagged sentences: [CLS] word pieces... [SEP], labels on first sub-tokens (see the file comment).
 * @param labels the training set's tags; an unknown tag is an error naming file, line and the known tags
 */
export function encodeTokenClassification(
  tokenizer: BertTokenizer,
  sentences: readonly TaggedSentence[],
  labels: LabelSet,
  options: TokenEncodeOptions,
): TokenClassificationFeature[] {
  const budget = options.maxLength - 2;
  if (!Number.isInteger(options.maxLength) || budget < 1) {
    throw new Error(`encodeTokenClassification: maxLength must be an integer >= 3, got ${options.maxLength}`);
  }
  return sentences.map((s, exampleIndex) => {
    const ids: number[] = [tokenizer.ids.cls];
    const tokenLabels: number[] = [TOKEN_LABEL_IGNORE];
    const wordIds: (number | null)[] = [null];
    let truncatedWords = 0;
    s.words.forEach((word, w) => {
      const labelId = labels.id(s.tags[w], s.file, s.lines[w]);
      const pieces = tokenizer.encodeSequence(word).ids;
      if (ids.length - 1 >= budget) {
        if (pieces.length > 0) truncatedWords++;
        return;
      }
      const kept = pieces.slice(0, budget - (ids.length - 1));
      kept.forEach((id, k) => {
        ids.push(id);
        // [docs: token-labels-first-piece] The word's label on its first piece; -100 (ignored by the loss) on the rest.
        tokenLabels.push(k === 0 || options.labelAllSubTokens ? labelId : TOKEN_LABEL_IGNORE);
        wordIds.push(w);
      });
    });
    ids.push(tokenizer.ids.sep);
    tokenLabels.push(TOKEN_LABEL_IGNORE);
    wordIds.push(null);
    return {
      kind: 'token-classification',
      inputIds: ids,
      tokenTypeIds: ids.map(() => 0),
      attentionMask: ids.map(() => 1),
      labels: tokenLabels,
      wordIds,
      exampleIndex,
      numWords: s.words.length,
      truncatedWords,
    };
  });
}

/**
 * One predicted tag per word: the prediction at the word's first sub-token. [docs: word-tags-first-piece]
 * @param predictedIds [seq'] predicted label ids of the feature's row (argmax of the logits); may be padded
 *   (seq' >= the feature's length)
 * @param fallback the tag of words without a token (truncated, or removed by normalisation)
 * @returns tags, length `feature.numWords`
 */
export function wordTagsFromPredictions(feature: TokenClassificationFeature, predictedIds: ArrayLike<number>, labels: LabelSet, fallback = 'O'): string[] {
  if (predictedIds.length < feature.inputIds.length) {
    throw new Error(
      `wordTagsFromPredictions: expected at least ${feature.inputIds.length} predictions for sentence ${feature.exampleIndex}, got ${predictedIds.length}`,
    );
  }
  const tags: (string | null)[] = new Array(feature.numWords).fill(null);
  feature.wordIds.forEach((w, t) => {
    if (w !== null && tags[w] === null) tags[w] = labels.name(predictedIds[t]);
  });
  return tags.map((t) => t ?? fallback);
}

/**
 * Gold and predicted tags of every word, ready for `entityScores(goldTags, predTags)`.
 * @param predictions per feature, its row of predicted label ids ([seq'] each, as in `wordTagsFromPredictions`)
 */
export function tokenClassificationTags(
  sentences: readonly TaggedSentence[],
  features: readonly TokenClassificationFeature[],
  predictions: readonly ArrayLike<number>[],
  labels: LabelSet,
  fallback = 'O',
): { goldTags: string[][]; predTags: string[][] } {
  if (features.length !== predictions.length) {
    throw new Error(`tokenClassificationTags: expected one prediction row per feature (${features.length}), got ${predictions.length}`);
  }
  const goldTags: string[][] = [];
  const predTags: string[][] = [];
  features.forEach((f, i) => {
    goldTags.push([...sentences[f.exampleIndex].tags]);
    predTags.push(wordTagsFromPredictions(f, predictions[i], labels, fallback));
  });
  return { goldTags, predTags };
}
