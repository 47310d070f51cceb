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
 * Both report problems with the file and the 1-based line: invalid UTF-8 (with its byte offset in the file)
 * and a corpus with no sentences at all.
 *
 * One deliberate difference from create_pretraining_data.py: there the last document of one file runs on
 * into the first document of the next file when a file does not end with a blank line. Here the end of a
 * file always ends a document.
 */
import { createReadStream } from 'node:fs';
import { firstInvalidUtf8Offset } from './utf8.ts';

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
export class CorpusError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly line?: number,
  ) {
    super(line === undefined ? `${file}: ${message}` : `${file}:${line}: ${message}`);
    this.name = 'CorpusError';
  }
}

/** Options for `readCorpus`. */
export interface ReadCorpusOptions {
  /** Bytes read from disk at a time (the stream's highWaterMark); small values are for tests. Default 64 KiB. */
  chunkSize?: number;
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
  return new CorpusError(
    'empty corpus: expected at least one non-blank line (one sentence per line, blank lines between documents), found none',
    names,
  );
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
 * Bytes are split on `\n` first and each line is decoded on its own with a fatal UTF-8 decoder, so a
 * multi-byte character cut by a read-chunk boundary is never a problem, and a bad byte is reported as
 * `FILE:LINE: invalid UTF-8 at byte offset N` (N counted from the start of the file).
 *
 * @throws CorpusError for unreadable files, invalid UTF-8, or when no file has a non-blank line
 *   (raised once all files are read, naming them all)
 */
export async function* readCorpus(
  files: string | readonly string[],
  options: ReadCorpusOptions = {},
): AsyncGenerator<CorpusDocument> {
  const fileList = typeof files === 'string' ? [files] : files;
  let documents = 0;
  for (const file of fileList) {
    for await (const doc of readOneFile(file, options.chunkSize ?? 1 << 16)) {
      documents++;
      yield doc;
    }
  }
  if (documents === 0) throw emptyCorpusError(fileList);
}

/** All documents of `readCorpus`, collected into an array. */
export async function readCorpusDocuments(
  files: string | readonly string[],
  options: ReadCorpusOptions = {},
): Promise<CorpusDocument[]> {
  const docs: CorpusDocument[] = [];
  for await (const doc of readCorpus(files, options)) docs.push(doc);
  return docs;
}

async function* readOneFile(file: string, chunkSize: number): AsyncGenerator<CorpusDocument> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const builder = new DocumentBuilder(file);
  let lineNumber = 0;
  /** Byte offset in the file of the first byte of the line being assembled. */
  let lineStart = 0;
  /** Pieces of the current line that arrived in earlier chunks (a line may span several chunks). */
  let pending: Buffer[] = [];

  const decodeLine = (bytes: Uint8Array): string => {
    lineNumber++;
    try {
      return decoder.decode(bytes);
    } catch {
      const at = firstInvalidUtf8Offset(bytes);
      throw new CorpusError(`invalid UTF-8 at byte offset ${lineStart + Math.max(at, 0)}`, file, lineNumber);
    }
  };

  let stream: AsyncIterable<Buffer>;
  try {
    stream = createReadStream(file, { highWaterMark: chunkSize });
  } catch (err) {
    throw new CorpusError(`cannot read corpus file: ${(err as Error).message}`, file);
  }
  try {
    for await (const chunk of stream) {
      let from = 0;
      let nl = chunk.indexOf(0x0a, from);
      while (nl !== -1) {
        const piece = chunk.subarray(from, nl);
        const bytes = pending.length === 0 ? piece : Buffer.concat([...pending, piece]);
        pending = [];
        const doc = builder.line(decodeLine(bytes), lineNumber);
        lineStart += bytes.length + 1;
        if (doc) yield doc;
        from = nl + 1;
        nl = chunk.indexOf(0x0a, from);
      }
      if (from < chunk.length) pending.push(chunk.subarray(from));
    }
  } catch (err) {
    if (err instanceof CorpusError) throw err;
    throw new CorpusError(`cannot read corpus file: ${(err as Error).message}`, file);
  }
  if (pending.length > 0) {
    const doc = builder.line(decodeLine(Buffer.concat(pending)), lineNumber);
    if (doc) yield doc;
  }
  const last = builder.finish();
  if (last) yield last;
}
