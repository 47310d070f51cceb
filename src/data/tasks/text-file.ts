/**
 * Reading a task data file as text, through the reader every text file goes through (src/io/text-lines.ts):
 * strict UTF-8 (a bad byte is an error with its line and byte offset, never a silent U+FFFD), no NUL bytes
 * (UTF-16 and binary files), a leading byte order mark removed, lines of at most the line limit (except in a
 * whole-document `.json` file, whose one line may be long), and the 1-based line of any position in the text.
 */
import { readTextFileSync, TextFileError } from '../../io/text-lines.ts';
import { TaskDataError } from './errors.ts';

/**
 * The whole file as a string.
 * @throws TaskDataError when the file cannot be read or is not UTF-8 text, or a line is past the limit
 */
export function readTaskFile(file: string): string {
  try {
    return readTextFileSync(file, { what: 'data file', maxLineBytes: file.toLowerCase().endsWith('.json') ? Infinity : undefined });
  } catch (err) {
    if (err instanceof TextFileError) throw new TaskDataError(err.problem, err.file, err.line);
    throw err;
  }
}

/** `text` without a leading U+FEFF byte order mark. */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Throw "empty file" unless `text` has a non-whitespace character. */
export function requireNonEmpty(text: string, file: string, what: string): void {
  if (text.trim() === '') throw new TaskDataError(`empty file: expected ${what}, found no data`, file);
}

/** 1-based line of UTF-16 position `pos` in `text` (lines end at `\n`). */
export function lineOfPosition(text: string, pos: number): number {
  let line = 1;
  const end = Math.min(pos, text.length);
  for (let i = 0; i < end; i++) if (text.charCodeAt(i) === 0x0a) line++;
  return line;
}

/** The lines of `text` with their 1-based numbers; `\r\n` and `\n` both end a line, the final empty line is dropped. */
export function numberedLines(text: string): { text: string; line: number }[] {
  const parts = text.split('\n');
  if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts.map((t, i) => ({ text: t.endsWith('\r') ? t.slice(0, -1) : t, line: i + 1 }));
}
