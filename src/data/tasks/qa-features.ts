/**
 * SQuAD examples -> model rows ("features"). A context longer than the room left by the question becomes
 * several overlapping windows, as in Hugging Face's run_qa:
 *
 *   [CLS] question [SEP] context tokens 0 .. w-1          [SEP]
 *   [CLS] question [SEP] context tokens (w - stride) ...  [SEP]      consecutive windows share `stride` tokens
 *
 * (question first, truncation 'only_second', so only the context is cut).
 *
 * Training targets: the token positions of the answer (the first gold answer) inside the window. The answer's
 * character span [s, e) becomes
 *   start token = the last context token whose span starts at or before s,
 *   end token   = the first context token whose span ends at or after e;
 * when the window does not contain the whole answer, or the question is impossible (or has no gold answer,
 * as in unlabelled input), both point at [CLS] (index 0), the "no answer here" target of BERT's SQuAD recipe.
 *
 * `contextOffsets` keeps, for each context token, its UTF-16 span in the context (null elsewhere), so that
 * predicted token spans turn back into answer text (qa-postprocess.ts).
 */
import type { BertTokenizer } from '../../tokenizer/tokenizer.ts';
import { toEncodedInput, type EncodedInput } from './encoded-input.ts';
import type { SquadExample } from './squad.ts';

/** One window of one question. */
export interface QaFeature extends EncodedInput {
  kind: 'question-answering';
  /** Index of the example (question) in the input list. */
  exampleIndex: number;
  /** [seq] UTF-16 span `[start, end)` in the context for context tokens; null for question and special tokens. */
  contextOffsets: ([number, number] | null)[];
  /** Token index of the answer start, 0 ([CLS]) when the answer is not in this window. */
  startPosition: number;
  /** Token index of the answer end (inclusive), 0 ([CLS]) when the answer is not in this window. */
  endPosition: number;
}

export interface QaFeatureOptions {
  /** Tokens per row, special tokens included. Default 384 (BERT's SQuAD setting). */
  maxLength?: number;
  /** Context tokens shared by consecutive windows. Default 128. */
  stride?: number;
  /**
   * Longer questions are cut to this many tokens (at the end of the last whole word that fits, or inside the
   * first word when it alone is too long). Default 64, google-research/bert's max_query_length.
   */
  maxQuestionLength?: number;
}

/** `question` cut so that it has at most `limit` tokens (see QaFeatureOptions.maxQuestionLength). */
export function truncateQuestion(tokenizer: BertTokenizer, question: string, limit: number): string {
  const q = tokenizer.encodeSequence(question, 'utf16');
  if (q.ids.length <= limit) return question;
  // Cut after token limit-1, moved back to the end of a whole word when possible.
  let last = limit - 1;
  while (last > 0 && q.wordIds[last + 1] === q.wordIds[last]) last--;
  if (q.wordIds[last + 1] === q.wordIds[last]) last = limit - 1;
  return question.slice(0, q.offsets[2 * last + 1]);
}

/**
 * The answer's token span inside one window, or [0, 0] when the window does not hold all of it. [docs: qa-answer-span]
 * @param offsets per token, the UTF-16 span in the context, null outside the context
 * @param span the answer's characters `[s, e)` in the context
 */
export function answerTokenSpan(offsets: readonly ([number, number] | null)[], span: [number, number]): [number, number] {
  const [s, e] = span;
  let first = -1;
  let last = -1;
  offsets.forEach((o, t) => {
    if (o === null) return;
    if (first < 0) first = t;
    last = t;
  });
  if (first < 0 || offsets[first]![0] > s || offsets[last]![1] < e) return [0, 0];
  let start = first;
  for (let t = first; t <= last; t++) if (offsets[t] !== null && offsets[t]![0] <= s) start = t;
  let end = last;
  for (let t = last; t >= start; t--) if (offsets[t] !== null && offsets[t]![1] >= e) end = t;
  return [start, end];
}

/**
 * Tokenize questions with their contexts into windows (see the file comment). [docs: qa-windows]
 * @returns features in example order, each example's windows in context order
 */
export function prepareQaFeatures(tokenizer: BertTokenizer, examples: readonly SquadExample[], options: QaFeatureOptions = {}): QaFeature[] {
  const maxLength = options.maxLength ?? 384;
  const stride = options.stride ?? 128;
  const maxQuestionLength = options.maxQuestionLength ?? 64;
  if (!Number.isInteger(maxQuestionLength) || maxQuestionLength < 1) {
    throw new Error(`prepareQaFeatures: maxQuestionLength must be a positive integer, got ${maxQuestionLength}`);
  }
  const features: QaFeature[] = [];
  examples.forEach((ex, exampleIndex) => {
    const question = truncateQuestion(tokenizer, ex.question, maxQuestionLength);
    let first: ReturnType<typeof tokenizer.encode>;
    try {
      first = tokenizer.encode(question, ex.context, {
        maxLength,
        truncation: 'only_second',
        stride,
        returnOverflowing: true,
        offsetUnit: 'utf16',
      });
    } catch (err) {
      throw new Error(`prepareQaFeatures: question ${JSON.stringify(ex.id)} (${ex.path}): ${(err as Error).message}`);
    }
    const answer = ex.answers[0];
    for (const w of [first, ...(first.overflowing ?? [])]) {
      const contextOffsets = w.offsets.map((o, t) => (w.sequenceIds[t] === 1 ? ([o[0], o[1]] as [number, number]) : null));
      const [startPosition, endPosition] =
        ex.isImpossible || answer === undefined ? [0, 0] : answerTokenSpan(contextOffsets, [answer.start, answer.start + answer.text.length]);
      features.push({ kind: 'question-answering', ...toEncodedInput(w), exampleIndex, contextOffsets, startPosition, endPosition });
    }
  });
  return features;
}
