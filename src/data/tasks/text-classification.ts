/**
 * Sequence classification and regression data: one example per row of a TSV or CSV table.
 *
 * Columns. With a header (the default), the text column(s) and the label column are found by name:
 *   pairs, first match wins:  sentence1 + sentence2 (MRPC/RTE/STS-B/WNLI/MNLI), question + sentence (QNLI),
 *                             question1 + question2 (QQP), premise + hypothesis, #1 String + #2 String (MRPC)
 *   single text:              sentence (SST-2/CoLA style), text, content
 *   label:                    label, gold_label (MNLI), is_duplicate (QQP), quality (MRPC), score (STS-B),
 *                             labels, class, category
 * (names compare case-insensitively), or named explicitly with `text`, `textPair`, `label` (a header name or
 * a 0-based column index). So GLUE's TSV files work as they are. `label: null` reads an unlabelled file
 * (GLUE test sets); `textPair: null` forces a single text (the first column of a detected pair).
 *
 * Without a header (`header: false`), columns are 0-based indices; a two-column file defaults to
 * `label<TAB>text` (label 0, text 1). CoLA's headerless train.tsv is `{ header: false, label: 1, text: 3 }`.
 *
 * Every row must have as many fields as the header (or the first row); an empty label is an error. Rows keep
 * their file and line, so later errors (an unknown label, a label that is not a number) can point at them.
 */
import type { BertTokenizer } from '../../tokenizer/tokenizer.ts';
import type { TruncationStrategy } from '../../tokenizer/encoding.ts';
import { parseDelimited, type DelimitedFormat } from './delimited.ts';
import { toEncodedInput, type EncodedInput } from './encoded-input.ts';
import { TaskDataError, quoteForMessage } from './errors.ts';
import { LabelSet, type LabelOrder } from './label-set.ts';
import { readTaskFile, requireNonEmpty } from './text-file.ts';

/** A column: a header name or a 0-based index. */
export type ColumnRef = string | number;

export interface TextTableOptions {
  /** 'csv' or 'tsv'; default by extension, else sniffed from the first line (a tab means TSV). */
  format?: DelimitedFormat;
  /** The first row names the columns. Default true. */
  header?: boolean;
  /** The text column (auto-detected when omitted). */
  text?: ColumnRef;
  /** The second text of a pair; null = single text. Auto-detected with `text` when both are omitted. */
  textPair?: ColumnRef | null;
  /** The label column; null = unlabelled file. Auto-detected when omitted. */
  label?: ColumnRef | null;
}

/** One row. */
export interface TextExample {
  file: string;
  /** 1-based line where the row starts. */
  line: number;
  text: string;
  textPair: string | null;
  /** The label as written (null in an unlabelled file). */
  label: string | null;
}

/** A parsed table. */
export interface TextTable {
  file: string;
  format: DelimitedFormat;
  /** The column names used (`column N` for 0-based index N in a headerless file). */
  columns: { text: string; textPair: string | null; label: string | null };
  examples: TextExample[];
}

const PAIR_COLUMNS: [string, string][] = [
  ['sentence1', 'sentence2'],
  ['question', 'sentence'],
  ['question1', 'question2'],
  ['premise', 'hypothesis'],
  ['#1 string', '#2 string'],
];
const TEXT_COLUMNS = ['sentence', 'text', 'content'];
const LABEL_COLUMNS = ['label', 'gold_label', 'is_duplicate', 'quality', 'score', 'labels', 'class', 'category'];

/**
 * Parse a classification / regression table held in a string.
 * @param file name used in error messages (and for the format, by extension)
 * @throws TaskDataError for an empty table, columns that cannot be found, rows with the wrong number of fields,
 *   empty labels, and CSV syntax errors
 */
export function parseTextTable(text: string, file = '<string>', options: TextTableOptions = {}): TextTable {
  requireNonEmpty(text, file, 'a table with a header and rows');
  const { format, records } = parseDelimited(text, file, options.format);
  const hasHeader = options.header ?? true;
  const header = hasHeader ? records[0].fields : null;
  const rows = hasHeader ? records.slice(1) : records;
  if (rows.length === 0) throw new TaskDataError(`expected rows after the header, found none`, file, records[0].line);
  const width = header ? header.length : rows[0].fields.length;
  const what = header ? `the header (${header.length} fields)` : `the first row (line ${rows[0].line}, ${width} fields)`;

  const cols = resolveColumns(header, width, options, file);
  const name = (c: number | null) => (c === null ? null : header ? header[c] : `column ${c}`);
  const examples: TextExample[] = [];
  for (const r of rows) {
    if (r.fields.length !== width) {
      throw new TaskDataError(
        `expected ${width} ${format === 'tsv' ? 'tab-separated' : 'comma-separated'} fields as in ${what}, found ${r.fields.length}`,
        file,
        r.line,
      );
    }
    const label = cols.label === null ? null : r.fields[cols.label];
    if (label !== null && label.trim() === '') throw new TaskDataError(`empty label in column ${JSON.stringify(name(cols.label))}`, file, r.line);
    examples.push({
      file,
      line: r.line,
      text: r.fields[cols.text],
      textPair: cols.textPair === null ? null : r.fields[cols.textPair],
      label: label === null ? null : label.trim(),
    });
  }
  return { file, format, columns: { text: name(cols.text)!, textPair: name(cols.textPair), label: name(cols.label) }, examples };
}

/** Read a classification / regression table from a file (see `parseTextTable`). */
export function readTextTable(file: string, options: TextTableOptions = {}): TextTable {
  return parseTextTable(readTaskFile(file), file, options);
}

/** Column indices from the options, the header names, or the headerless default. */
function resolveColumns(
  header: string[] | null,
  width: number,
  options: TextTableOptions,
  file: string,
): { text: number; textPair: number | null; label: number | null } {
  const listing = header ? `the header has: ${header.map((h) => JSON.stringify(h)).join(', ')}` : `the rows have ${width} columns`;
  const find = (ref: ColumnRef, role: string): number => {
    if (typeof ref === 'number') {
      if (!Number.isInteger(ref) || ref < 0 || ref >= width)
        throw new TaskDataError(`${role} column index ${ref} is outside 0..${width - 1}; ${listing}`, file);
      return ref;
    }
    if (!header) throw new TaskDataError(`${role} column ${JSON.stringify(ref)} is a name, but the file has no header; give a 0-based index`, file);
    let i = header.indexOf(ref);
    if (i < 0) i = header.findIndex((h) => h.trim().toLowerCase() === ref.trim().toLowerCase());
    if (i < 0) throw new TaskDataError(`no ${role} column named ${JSON.stringify(ref)}; ${listing}`, file, 1);
    return i;
  };
  const byName = (names: string[]): number => (header ? header.findIndex((h) => names.includes(h.trim().toLowerCase())) : -1);

  let text: number;
  let textPair: number | null;
  if (options.text !== undefined) {
    text = find(options.text, 'text');
    textPair = options.textPair === undefined || options.textPair === null ? null : find(options.textPair, 'text pair');
  } else if (!header) {
    if (width !== 2) {
      throw new TaskDataError(`a headerless file needs column indices (text, label) unless it has 2 columns (label, text); ${listing}`, file);
    }
    text = 1;
    textPair = options.textPair === undefined || options.textPair === null ? null : find(options.textPair, 'text pair');
  } else {
    if (options.textPair !== undefined && options.textPair !== null) {
      throw new TaskDataError(`textPair is given but text is not; name both columns`, file);
    }
    const pair = PAIR_COLUMNS.find(([a, b]) => byName([a]) >= 0 && byName([b]) >= 0);
    if (pair) {
      // With textPair: null, the first column of the pair is the single text.
      text = byName([pair[0]]);
      textPair = options.textPair === null ? null : byName([pair[1]]);
    } else {
      text = byName(TEXT_COLUMNS);
      textPair = null;
      if (text < 0) {
        throw new TaskDataError(
          `no text column found: expected one named ${TEXT_COLUMNS.join(', ')} or a pair ` +
            `${PAIR_COLUMNS.map(([a, b]) => `${a} + ${b}`).join(', ')}; ${listing}. Name the column(s) with text / textPair`,
          file,
          1,
        );
      }
    }
  }

  let label: number | null;
  if (options.label === null) label = null;
  else if (options.label !== undefined) label = find(options.label, 'label');
  else if (!header) label = width === 2 && options.text === undefined ? 0 : null;
  else label = byName(LABEL_COLUMNS);
  if (label !== null && label < 0) {
    throw new TaskDataError(
      `no label column found: expected one named ${LABEL_COLUMNS.join(', ')}; ${listing}. Name it with label, or pass label: null for an unlabelled file`,
      file,
      1,
    );
  }
  if (label === null && options.label === undefined && !header && options.text !== undefined) {
    throw new TaskDataError(`a headerless file with a text column index needs a label column index too (or label: null)`, file);
  }
  for (const [role, c] of [
    ['text pair', textPair],
    ['label', label],
  ] as const) {
    if (c !== null && c === text) throw new TaskDataError(`the ${role} column is the text column (${c}); ${listing}`, file);
  }
  return { text, textPair, label };
}

/**
 * The label set of a training table (see label-set.ts for the order).
 * @throws TaskDataError when the table is unlabelled
 */
export function labelSetOf(table: TextTable, order: LabelOrder = 'sorted'): LabelSet {
  if (table.columns.label === null) throw new TaskDataError(`the table has no label column; a label set needs labelled training data`, table.file);
  return LabelSet.fromValues(
    table.examples.map((e) => e.label!),
    order,
  );
}

/** Options of the encoders. */
export interface TextEncodeOptions {
  /** Token limit per row, special tokens included (e.g. 128). */
  maxLength: number;
  /** How a pair is cut to fit; default 'longest_first'. */
  truncation?: Exclude<TruncationStrategy, 'do_not_truncate'>;
}

/** A sequence-classification row: the model input and the class id (null when unlabelled). */
export interface ClassificationFeature extends EncodedInput {
  kind: 'classification';
  /** Class id, or null for an unlabelled row. */
  label: number | null;
  /** Index of the example in the input list. */
  exampleIndex: number;
}

/** A regression row: the model input and the target value (null when unlabelled). */
export interface RegressionFeature extends EncodedInput {
  kind: 'regression';
  label: number | null;
  exampleIndex: number;
}

function encodeText(tokenizer: BertTokenizer, e: TextExample, options: TextEncodeOptions): EncodedInput {
  return toEncodedInput(tokenizer.encode(e.text, e.textPair, { maxLength: options.maxLength, truncation: options.truncation ?? 'longest_first' }));
}

/**
 * Tokenize rows for sequence classification: `[CLS] text [SEP] (pair [SEP])`, truncated to maxLength.
 * @param labels the training set's labels; a label outside it is an error
 * @throws TaskDataError naming file, line and the known labels for an unknown label
 */
export function encodeClassificationExamples(
  tokenizer: BertTokenizer,
  examples: readonly TextExample[],
  labels: LabelSet,
  options: TextEncodeOptions,
): ClassificationFeature[] {
  return examples.map((e, i) => ({
    kind: 'classification',
    ...encodeText(tokenizer, e, options),
    label: e.label === null ? null : labels.id(e.label, e.file, e.line),
    exampleIndex: i,
  }));
}

/**
 * The regression target of a row: its label parsed as a finite number.
 * @throws TaskDataError naming file and line when the label is not a number
 */
export function regressionTarget(e: TextExample): number | null {
  if (e.label === null) return null;
  const v = Number(e.label);
  if (e.label.trim() === '' || !Number.isFinite(v)) {
    throw new TaskDataError(`expected a number as the regression label, found ${quoteForMessage(e.label)}`, e.file, e.line);
  }
  return v;
}

/** Tokenize rows for regression (one output, MSE loss); labels are parsed with `regressionTarget`. */
export function encodeRegressionExamples(tokenizer: BertTokenizer, examples: readonly TextExample[], options: TextEncodeOptions): RegressionFeature[] {
  return examples.map((e, i) => ({ kind: 'regression', ...encodeText(tokenizer, e, options), label: regressionTarget(e), exampleIndex: i }));
}
