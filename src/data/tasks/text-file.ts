/**
 * Reading a task data file as text: strict UTF-8 (a bad byte is an error with its line and byte offset, never a
 * silent U+FFFD), a leading byte order mark removed, and the 1-based line of any position in the text.
 */
import { readFileSync } from 'node:fs';
import { firstInvalidUtf8Offset } from '../utf8.ts';
import { TaskDataError } from './errors.ts';

/**
 * The whole file as a string.
 * @throws TaskDataError when the file cannot be read, is not valid UTF-8, or is empty (only whitespace)
 */
export function readTaskFile(file: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new TaskDataError(`cannot read file: ${(err as Error).message}`, file);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const at = Math.max(0, firstInvalidUtf8Offset(bytes));
    let line = 1;
    for (let i = 0; i < at; i++) if (bytes[i] === 0x0a) line++;
    throw new TaskDataError(`invalid UTF-8 at byte offset ${at}`, file, line);
  }
  return stripBom(text);
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
