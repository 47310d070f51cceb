/**
 * Reading a pretraining corpus in the google-research/bert format:
 *
 *   - one sentence per line (leading and trailing whitespace is trimmed),
 *   - a blank (or whitespace-only) line between documents.
 *
 * Documents matter because next-sentence prediction pairs sentences from the same document; the sentences
 * matter because segment A always ends, and segment B always starts, at a sentence boundary.
 *
 * `readCorpus` streams files without holding them in memory; `parseCorpus` does the same for a string.
 * Both report problems with the file and the 1-based line: bytes that are not UTF-8 text, a line past the
 * length limit (src/io/text-lines.ts, the reader every text file goes through), and a corpus with no
 * sentences at all. A corpus of a single document is read, with a warning: next-sentence prediction then
 * finds its "random next sentence" in that same document.
 *
 * One deliberate difference from create_pretraining_data.py: there the last document of one file runs on
 * into the first document of the next file when a file does not end with a blank line. Here the end of a
 * file always ends a document.
 */
import { readLinesSync, TextFileError } from '../io/text-lines.ts';

/** One document of the corpus: its sentences in order, with where each came from. */
export interface CorpusDocument {
  /** Trimmed, non-empty sentences, in file order. */
  sentences: string[];
  /** 1-based line number of each sentence in `file` (same length as `sentences`). */
  lines: number[];
  /** The file (or name given to `parseCorpus`) the document was read from. */
  file: string;
}

/** A problem in a corpus file; the message starts with `FILE:LINE:` when the line is known. */
export class CorpusError extends TextFileError {
  constructor(message: string, file: string, line?: number) {
    super(message, file, line);
    this.name = 'CorpusError';
  }
}

/** Options for `readCorpus`. */
export interface ReadCorpusOptions {
  /** Bytes read from disk at a time; small values are for tests. Default 1 MiB. */
  chunkSize?: number;
  /** Longest line allowed, in bytes. Default: the reader's limit (1 MiB, `--max-line-bytes`). */
  maxLineBytes?: number;
  /** Where warnings about the corpus go (default: stderr, as `warning: ...`). */
  onWarning?: (message: string) => void;
}

/** The warning for a corpus of one document (`files`: where it came from). */
export function singleDocumentWarning(files: readonly string[]): string {
  return (
    `${files.join(', ')}: the corpus is a single document (documents are separated by blank lines, and each file ends one). ` +
    'Next-sentence prediction draws its "random next sentence" from another document; with only one it comes from the same ' +
    'document, so the task learns little. Separate the documents with blank lines.'
  );
}

/**
 * Collects sentences into documents; shared by the streaming and the in-memory reader so they agree.
 * `line` feeds one decoded line; it returns a finished document when the line ends one.
 */
class DocumentBuilder {
  private sentences: string[] = [];
  private lines: number[] = [];

  constructor(private readonly file: string) {}

  line(text: string, lineNumber: number): CorpusDocument | undefined {
    const sentence = text.trim();
    if (sentence === '') return this.finish();
    this.sentences.push(sentence);
    this.lines.push(lineNumber);
    return undefined;
  }

  /** The document in progress, if it has any sentence; the builder starts a new one. */
  finish(): CorpusDocument | undefined {
    if (this.sentences.length === 0) return undefined;
    const doc = { sentences: this.sentences, lines: this.lines, file: this.file };
    this.sentences = [];
    this.lines = [];
    return doc;
  }
}

function emptyCorpusError(files: readonly string[]): CorpusError {
  const names = files.length === 0 ? '(no files given)' : files.join(', ');
  return new CorpusError('empty corpus: expected at least one non-blank line (one sentence per line, blank lines between documents), found none', names);
}

/**
 * Parse a corpus held in a string (tests, demos, small inline corpora).
 * @param text the whole corpus; `\n` or `\r\n` line ends
 * @param file the name used in error messages
 * @returns the documents in order
 * @throws CorpusError when the text has no non-blank line
 */
export function parseCorpus(text: string, file = '<string>'): CorpusDocument[] {
  const builder = new DocumentBuilder(file);
  const docs: CorpusDocument[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const doc = builder.line(lines[i], i + 1);
    if (doc) docs.push(doc);
  }
  const last = builder.finish();
  if (last) docs.push(last);
  if (docs.length === 0) throw emptyCorpusError([file]);
  return docs;
}

/**
 * Stream the documents of one or more corpus files, in file order, one document at a time.
 *
 * Bytes are split on `\n` before they are decoded, so a multi-byte character cut by a read-chunk boundary
 * is never a problem, and a bad byte is reported as `FILE:LINE: invalid UTF-8 at byte offset N` (N counted
 * from the start of the file).
 *
 * @throws CorpusError for unreadable files, bytes that are not UTF-8 text, a line past the limit, or when no
 *   file has a non-blank line (raised once all files are read, naming them all)
 */
export async function* readCorpus(files: string | readonly string[], options: ReadCorpusOptions = {}): AsyncGenerator<CorpusDocument> {
  const fileList = typeof files === 'string' ? [files] : files;
  let documents = 0;
  for (const file of fileList) {
    for (const doc of readOneFile(file, options)) {
      documents++;
      yield doc;
    }
  }
  if (documents === 0) throw emptyCorpusError(fileList);
  if (documents === 1) (options.onWarning ?? ((m: string) => console.warn(`warning: ${m}`)))(singleDocumentWarning(fileList));
}

/** All documents of `readCorpus`, collected into an array. */
export async function readCorpusDocuments(files: string | readonly string[], options: ReadCorpusOptions = {}): Promise<CorpusDocument[]> {
  const docs: CorpusDocument[] = [];
  for await (const doc of readCorpus(files, options)) docs.push(doc);
  return docs;
}

function* readOneFile(file: string, options: ReadCorpusOptions): Generator<CorpusDocument> {
  const builder = new DocumentBuilder(file);
  try {
    for (const { text, line } of readLinesSync(file, { chunkSize: options.chunkSize, maxLineBytes: options.maxLineBytes, what: 'corpus file' })) {
      const doc = builder.line(text, line);
      if (doc) yield doc;
    }
  } catch (err) {
    if (err instanceof TextFileError && !(err instanceof CorpusError)) throw new CorpusError(err.problem, err.file, err.line);
    throw err;
  }
  const last = builder.finish();
  if (last) yield last;
}
