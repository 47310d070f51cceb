/**
 * Multiple choice data (SWAG, RACE, ...) from JSON Lines: one JSON object per line, blank lines skipped.
 *
 * Accepted field names (the first one present is used):
 *   context   "context", "sent1" (SWAG), "article" (RACE)              optional
 *   question  "question", "sent2" (SWAG: the start of the ending)      optional
 *   choices   "choices", "endings", "options" (an array of strings), or SWAG's "ending0", "ending1", ...
 *   label     "label": the 0-based index of the right choice (a number, or a string of digits);
 *             required unless `requireLabels: false` (then a missing label is null)
 * At least one of context and question must be present.
 *
 * Each choice becomes one BERT input, as Hugging Face's run_swag builds them:
 *   context and question:  [CLS] context [SEP] question + " " + choice [SEP]
 *   context only:          [CLS] context [SEP] choice [SEP]
 *   question only:         [CLS] question [SEP] choice [SEP]
 * so an example is a [choices, seq] block of rows and a batch is [batch, choices, seq].
 *
 * Every line must have the same number of choices (a batch needs one `choices` size); errors name the file
 * and line: invalid JSON, a missing or mistyped field, a label outside 0..choices-1.
 */
import type { TruncationStrategy } from '../../tokenizer/encoding.ts';
import type { BertTokenizer } from '../../tokenizer/tokenizer.ts';
import { toEncodedInput, type EncodedInput } from './encoded-input.ts';
import { TaskDataError, quoteForMessage } from './errors.ts';
import { numberedLines, readTaskFile, requireNonEmpty } from './text-file.ts';

export interface MultipleChoiceExample {
  file: string;
  line: number;
  /** The "id" field when present (a string or number, as a string), else null. */
  id: string | null;
  context: string | null;
  question: string | null;
  choices: string[];
  /** Index of the right choice, or null when unlabelled. */
  label: number | null;
}

export interface MultipleChoiceReadOptions {
  /** Every line must have this many choices. Default: as many as the first line. */
  numChoices?: number;
  /** A line without a label is an error. Default true. */
  requireLabels?: boolean;
}

const CONTEXT_FIELDS = ['context', 'sent1', 'article'];
const QUESTION_FIELDS = ['question', 'sent2'];
const CHOICE_FIELDS = ['choices', 'endings', 'options'];

/**
 * Parse JSON Lines multiple-choice examples (see the file comment).
 * @throws TaskDataError (file:line) for any malformed line, and for an empty file
 */
export function parseMultipleChoice(text: string, file = '<string>', options: MultipleChoiceReadOptions = {}): MultipleChoiceExample[] {
  requireNonEmpty(text, file, 'JSON Lines, one {"context"/"question", "choices", "label"} object per line');
  const requireLabels = options.requireLabels ?? true;
  let numChoices = options.numChoices;
  const examples: MultipleChoiceExample[] = [];
  for (const { text: raw, line } of numberedLines(text)) {
    if (raw.trim() === '') continue;
    const fail = (msg: string): never => {
      throw new TaskDataError(msg, file, line);
    };
    let obj: unknown;
    try {
      obj = JSON.parse(raw);
    } catch (err) {
      fail(`invalid JSON: ${(err as Error).message}`);
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj))
      return fail(`expected a JSON object, found ${Array.isArray(obj) ? 'an array' : JSON.stringify(obj)}`);
    const o = obj as Record<string, unknown>;
    const stringField = (names: string[]): string | null => {
      const key = names.find((k) => o[k] !== undefined && o[k] !== null);
      if (key === undefined) return null;
      if (typeof o[key] !== 'string') fail(`expected "${key}" to be a string, found ${quoteForMessage(JSON.stringify(o[key]))}`);
      return o[key] as string;
    };
    const context = stringField(CONTEXT_FIELDS);
    const question = stringField(QUESTION_FIELDS);
    if (context === null && question === null) {
      fail(
        `expected a context (${CONTEXT_FIELDS.join(', ')}) or a question (${QUESTION_FIELDS.join(', ')}) field; found keys ${Object.keys(o).join(', ') || '(none)'}`,
      );
    }

    let choices: unknown;
    const listKey = CHOICE_FIELDS.find((k) => o[k] !== undefined);
    if (listKey !== undefined) {
      choices = o[listKey];
      if (!Array.isArray(choices)) fail(`expected "${listKey}" to be an array of strings, found ${quoteForMessage(JSON.stringify(choices))}`);
    } else {
      const endings: unknown[] = [];
      for (let k = 0; o[`ending${k}`] !== undefined; k++) endings.push(o[`ending${k}`]);
      if (endings.length === 0) fail(`expected the choices in ${CHOICE_FIELDS.join(', ')} or ending0, ending1, ...; found keys ${Object.keys(o).join(', ')}`);
      choices = endings;
    }
    const list = choices as unknown[];
    list.forEach((c, k) => {
      if (typeof c !== 'string') fail(`expected choice ${k} to be a string, found ${quoteForMessage(JSON.stringify(c))}`);
    });
    if (list.length < 2) fail(`expected at least 2 choices, found ${list.length}`);
    numChoices ??= list.length;
    if (list.length !== numChoices) {
      fail(
        `expected ${numChoices} choices (${options.numChoices === undefined ? 'as on the first line' : 'numChoices'}), found ${list.length}; every example of a batch needs the same number`,
      );
    }

    let label: number | null = null;
    if (o.label === undefined || o.label === null) {
      if (requireLabels) fail(`missing "label" (the 0-based index of the right choice); pass requireLabels: false for unlabelled data`);
    } else {
      const v = typeof o.label === 'string' && /^\d+$/.test(o.label) ? Number(o.label) : o.label;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= list.length) {
        fail(`expected "label" to be a choice index 0..${list.length - 1}, found ${JSON.stringify(o.label)}`);
      }
      label = v as number;
    }
    const id = typeof o.id === 'string' || typeof o.id === 'number' ? String(o.id) : null;
    examples.push({ file, line, id, context, question, choices: list as string[], label });
  }
  return examples;
}

/** Read a JSON Lines multiple-choice file (see `parseMultipleChoice`). */
export function readMultipleChoiceFile(file: string, options: MultipleChoiceReadOptions = {}): MultipleChoiceExample[] {
  return parseMultipleChoice(readTaskFile(file), file, options);
}

/** One example: a row per choice. */
export interface MultipleChoiceFeature {
  kind: 'multiple-choice';
  /** [choices] rows, each unpadded. */
  choices: EncodedInput[];
  label: number | null;
  exampleIndex: number;
}

export interface MultipleChoiceEncodeOptions {
  /** Tokens per row, special tokens included. */
  maxLength: number;
  /** How each (first, second) pair is cut; default 'longest_first' (as run_swag). */
  truncation?: Exclude<TruncationStrategy, 'do_not_truncate'>;
}

/** The two texts of each choice's row (see the file comment). */
export function choicePairs(e: MultipleChoiceExample): [string, string][] {
  return e.choices.map((c) => {
    if (e.context !== null) return [e.context, e.question !== null ? `${e.question} ${c}` : c];
    return [e.question!, c];
  });
}

/** Tokenize every choice of every example. */
export function encodeMultipleChoice(
  tokenizer: BertTokenizer,
  examples: readonly MultipleChoiceExample[],
  options: MultipleChoiceEncodeOptions,
): MultipleChoiceFeature[] {
  return examples.map((e, exampleIndex) => ({
    kind: 'multiple-choice',
    choices: choicePairs(e).map(([a, b]) =>
      toEncodedInput(tokenizer.encode(a, b, { maxLength: options.maxLength, truncation: options.truncation ?? 'longest_first' })),
    ),
    label: e.label,
    exampleIndex,
  }));
}
