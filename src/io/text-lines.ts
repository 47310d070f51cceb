/**
 * Reading text: the one reader behind every text file the project takes in (pretraining corpora, the
 * tokenizer trainer's corpus, task data files, vocabularies, `bert tokenize`'s input), so that all of them
 * accept the same bytes and refuse the rest with the same messages:
 *
 * - UTF-8 only, strictly. A byte that is not well-formed UTF-8 is an error naming the file, the line and the
 *   byte offset, never a silent U+FFFD (Latin-1 and Windows-1252 text fails here).
 * - No NUL bytes. Text never holds one, but UTF-16 text (every ASCII character followed by a 0 byte) and
 *   binary files do, and both would otherwise pass as "valid UTF-8" and turn into junk tokens.
 * - A UTF-8 byte order mark at the start is dropped; a UTF-16 one is named as such.
 * - A line holds at most `maxLineBytes` bytes (default 1 MiB; `--max-line-bytes` raises it). Without a limit
 *   a file with no line breaks (a binary blob, `/dev/zero`, a whole JSON document) is read into memory whole
 *   before anything is checked, gigabytes before the first error.
 *
 * The work is done by `LineDecoder`, fed bytes chunk by chunk; `readLinesSync` (a file, synchronously),
 * `readLines` (any byte stream, e.g. stdin) and `readTextFileSync` (a whole file as one string) drive it.
 * Lines are returned without their `\n`; a `\r` before it is kept (callers that care strip it).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { firstInvalidUtf8Offset } from './utf8.ts';

/** The default longest line, in bytes (1 MiB): far above any sentence, paragraph or table row. */
export const DEFAULT_MAX_LINE_BYTES = 1 << 20;

let defaultMaxLineBytes = DEFAULT_MAX_LINE_BYTES;

/**
 * Set the line limit used when a reader is not given one, and return the previous value. The CLI sets it
 * from `--max-line-bytes`; it decides only what is refused, never what a file that is read gives.
 */
export function setMaxLineBytes(bytes: number): number {
  if (!(Number.isInteger(bytes) && bytes > 0)) throw new Error(`the line limit must be a positive whole number of bytes, got ${bytes}`);
  const previous = defaultMaxLineBytes;
  defaultMaxLineBytes = bytes;
  return previous;
}

/** The line limit readers use when not given one. */
export function maxLineBytes(): number {
  return defaultMaxLineBytes;
}

/** A problem with a text file; the message starts with `FILE:LINE:` when the line is known. */
export class TextFileError extends Error {
  constructor(
    /** What is wrong, without the file and line. */
    readonly problem: string,
    readonly file: string,
    readonly line?: number,
  ) {
    super(line === undefined ? `${file}: ${problem}` : `${file}:${line}: ${problem}`);
    this.name = 'TextFileError';
  }
}

/** One line of text and its 1-based number. */
export interface TextLine {
  text: string;
  line: number;
}

export interface TextReadOptions {
  /** Longest line allowed, in bytes without the line end. Default: `maxLineBytes()` (1 MiB). Infinity: no limit. */
  maxLineBytes?: number;
  /** Bytes read at a time; small values are for tests. Default 1 MiB. */
  chunkSize?: number;
  /** What the file is, for the messages about opening it ("corpus file", "vocabulary"). Default "file". */
  what?: string;
}

/**
 * Turns bytes into checked lines. `push` each chunk in order and collect the complete lines it returns;
 * `end` returns the last line (the text after the final `\n`, if any).
 */
export class LineDecoder {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  private readonly limit: number;
  /** Number of the line being assembled (1-based). */
  private lineNumber = 1;
  /** Byte offset in the file of the first byte of the line being assembled. */
  private lineStart = 0;
  /** Bytes of the unfinished line (copies: the caller may reuse its chunk buffers). */
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  /** The first bytes of the file, to tell a UTF-16 byte order mark from other invalid bytes. */
  private head: number[] = [];
  private ended = false;
  /** An error found in bytes already pushed, thrown once the lines before it have been returned. */
  private failure: TextFileError | null = null;
  /** Whether the last byte pushed was `\n` (the text then ends with an empty line that `end` does not return). */
  endsWithNewline = false;

  constructor(
    readonly source: string,
    maxLineBytes?: number,
  ) {
    this.limit = maxLineBytes ?? defaultMaxLineBytes;
  }

  /** The complete lines of `chunk` (with any unfinished line before it). */
  push(chunk: Uint8Array): TextLine[] {
    if (this.failure) throw this.failure;
    if (this.ended) throw new Error('LineDecoder: push after end');
    for (let i = 0; this.head.length < 3 && i < chunk.length; i++) this.head.push(chunk[i]);
    if (chunk.length > 0) this.endsWithNewline = chunk[chunk.length - 1] === 0x0a;
    const lastNl = chunk.lastIndexOf(0x0a);
    if (lastNl === -1) {
      this.hold(chunk);
      return [];
    }
    const firstPart = chunk.subarray(0, lastNl);
    const region = this.pendingBytes === 0 ? firstPart : concat([...this.pending, firstPart], this.pendingBytes + firstPart.length);
    this.pending = [];
    this.pendingBytes = 0;
    const lines = this.decodeLines(region);
    if (this.failure) return lines;
    try {
      this.hold(chunk.subarray(lastNl + 1));
    } catch (err) {
      if (lines.length === 0 || !(err instanceof TextFileError)) throw err;
      this.failure = err; // the complete lines first
    }
    return lines;
  }

  /** The last line, when the bytes did not end with `\n` (none otherwise). */
  end(): TextLine[] {
    if (this.failure) throw this.failure;
    if (this.ended) return [];
    this.ended = true;
    if (this.pendingBytes === 0) return [];
    const region = concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    return this.decodeLines(region);
  }

  /** Keep the bytes of an unfinished line, failing early on a NUL byte or a line past the limit. */
  private hold(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    const nul = bytes.indexOf(0);
    if (nul !== -1) throw this.nulError(this.lineNumber, this.lineStart + this.pendingBytes + nul);
    this.pending.push(bytes.slice());
    this.pendingBytes += bytes.length;
    if (this.pendingBytes > this.limit) throw this.tooLong(this.lineNumber);
  }

  /**
   * Check and decode `region`: whole lines separated by `\n`, starting at the current line. When a line is
   * bad, the lines before it are still returned, and the error is thrown by the next call.
   */
  private decodeLines(region: Uint8Array): TextLine[] {
    // The first problem, as [byte offset in region where it is found, the error]; lines before it are good.
    let problem: [number, (line: number) => TextFileError] | null = null;
    // Line lengths: only a region longer than the limit can hold a line that is.
    if (region.length > this.limit) {
      for (let from = 0; from <= region.length; ) {
        const nl = region.indexOf(0x0a, from);
        const end = nl === -1 ? region.length : nl;
        if (end - from > this.limit) {
          problem = [from, (line) => this.tooLong(line)];
          break;
        }
        from = end + 1;
      }
    }
    const nul = region.indexOf(0);
    if (nul !== -1 && (!problem || nul < problem[0])) problem = [nul, (line) => this.nulError(line, this.lineStart + nul)];
    const searchEnd = problem ? problem[0] : region.length;
    const clean = problem ? region.subarray(0, searchEnd) : region;
    let text: string | undefined;
    try {
      text = this.decoder.decode(clean);
    } catch {
      const at = Math.max(0, firstInvalidUtf8Offset(clean));
      problem = [at, (line) => this.invalidUtf8(line, this.lineStart + at)];
    }
    if (problem) {
      // Deliver the lines before the bad one; the error comes on the next call.
      const [at, makeError] = problem;
      const badLine = this.lineNumber + countNewlines(region, at);
      const lineStartInRegion = at === 0 ? 0 : region.lastIndexOf(0x0a, at - 1) + 1;
      this.failure = makeError(badLine);
      if (lineStartInRegion === 0) throw this.failure;
      return this.split(this.decoder.decode(region.subarray(0, lineStartInRegion - 1)), lineStartInRegion);
    }
    return this.split(text!, region.length + 1);
  }

  /** Number the lines of `text` (decoded from `consumed` - 1 bytes plus a line end) and move past them. */
  private split(text: string, consumed: number): TextLine[] {
    if (this.lineStart === 0 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const parts = text.split('\n');
    const lines = parts.map((t, i) => ({ text: t, line: this.lineNumber + i }));
    this.lineNumber += parts.length;
    this.lineStart += consumed;
    return lines;
  }

  private tooLong(line: number): TextFileError {
    return new TextFileError(
      `a line longer than ${this.limit} bytes, the limit (is this a text file with one sentence per line? raise the limit with --max-line-bytes)`,
      this.source,
      line,
    );
  }

  private nulError(line: number, offset: number): TextFileError {
    const utf16 = this.head[1] === 0 || this.head[0] === 0 ? 'UTF-16 text (save it as UTF-8) or ' : '';
    return new TextFileError(`a NUL byte at byte offset ${offset}: this is ${utf16}a binary file, not UTF-8 text`, this.source, line);
  }

  private invalidUtf8(line: number, offset: number): TextFileError {
    const [a, b] = this.head;
    if (offset < 2 && ((a === 0xff && b === 0xfe) || (a === 0xfe && b === 0xff))) {
      return new TextFileError('starts with a UTF-16 byte order mark: this is UTF-16 text; save it as UTF-8', this.source, 1);
    }
    return new TextFileError(
      `invalid UTF-8 at byte offset ${offset} (the file must be UTF-8 text; Latin-1 or Windows-1252 text must be converted, e.g. with iconv)`,
      this.source,
      line,
    );
  }
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function countNewlines(bytes: Uint8Array, end: number): number {
  let n = 0;
  for (let i = bytes.indexOf(0x0a); i !== -1 && i < end; i = bytes.indexOf(0x0a, i + 1)) n++;
  return n;
}

/**
 * The error for a file that cannot be opened or read, in words: what it is (`what`), which file, and why.
 */
export function readError(err: unknown, file: string, what = 'file'): TextFileError {
  const e = err as NodeJS.ErrnoException;
  switch (e.code) {
    case 'ENOENT':
      return new TextFileError(`the ${what} does not exist`, file);
    case 'EISDIR':
      return new TextFileError(`the ${what} is a directory; expected a file`, file);
    case 'EACCES':
    case 'EPERM':
      return new TextFileError(`cannot read the ${what}: permission denied`, file);
    default:
      return new TextFileError(`cannot read the ${what}: ${e.message ?? String(err)}`, file);
  }
}

/** Open `file` for reading, refusing a directory; errors in words (see `readError`). */
function openForReading(file: string, what?: string): number {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    if (fstatSync(fd).isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    return fd;
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    throw readError(err, file, what);
  }
}

/** Feed the file behind `fd` through `decoder`, yielding its lines. */
function* decodeFile(fd: number, file: string, decoder: LineDecoder, opts: TextReadOptions): Generator<TextLine> {
  const buffer = new Uint8Array(opts.chunkSize ?? 1 << 20);
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, buffer, 0, buffer.length, null);
    } catch (err) {
      throw readError(err, file, opts.what);
    }
    if (n === 0) break;
    yield* decoder.push(buffer.subarray(0, n));
  }
  yield* decoder.end();
}

/** The lines of file `file`, read and checked a chunk at a time (memory: one chunk and one line). */
export function* readLinesSync(file: string, opts: TextReadOptions = {}): Generator<TextLine> {
  const fd = openForReading(file, opts.what);
  try {
    yield* decodeFile(fd, file, new LineDecoder(file, opts.maxLineBytes), opts);
  } finally {
    closeSync(fd);
  }
}

/** The lines of a byte stream (stdin, a file stream) named `source` in messages. */
export async function* readLines(stream: AsyncIterable<Uint8Array | string>, source: string, opts: TextReadOptions = {}): AsyncGenerator<TextLine> {
  const decoder = new LineDecoder(source, opts.maxLineBytes);
  for await (const chunk of stream) {
    if (typeof chunk === 'string') throw new Error(`${source}: expected bytes, got text (do not set an encoding on the stream)`);
    yield* decoder.push(chunk);
  }
  yield* decoder.end();
}

/**
 * A whole text file as one string, with the checks above (for formats parsed as a whole: tables, JSON).
 * Line ends are kept as they are (a byte order mark is dropped), so the string is the file's text.
 */
export function readTextFileSync(file: string, opts: TextReadOptions = {}): string {
  const fd = openForReading(file, opts.what);
  try {
    const decoder = new LineDecoder(file, opts.maxLineBytes);
    const lines: string[] = [];
    for (const l of decodeFile(fd, file, decoder, opts)) lines.push(l.text);
    return lines.join('\n') + (decoder.endsWithNewline ? '\n' : '');
  } finally {
    closeSync(fd);
  }
}
