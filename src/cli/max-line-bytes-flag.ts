/**
 * `--max-line-bytes N`, shared by the commands that read text: the longest line a text file may have
 * (src/io/text-lines.ts). A file with no line breaks (binary data, /dev/zero, a huge one-line export) is
 * then refused at the limit instead of being read into memory whole.
 */
import { DEFAULT_MAX_LINE_BYTES, setMaxLineBytes } from '../io/text-lines.ts';
import { RANGES, type FlagSpec } from './args.ts';

export const maxLineBytesFlag: FlagSpec = {
  kind: 'number',
  help: 'longest line a text file may have, in bytes (a line longer than this is an error naming the file and line)',
  default: DEFAULT_MAX_LINE_BYTES,
  range: RANGES.count,
};

/** Run `body` with the line limit set to the flag's value, and restore the previous limit afterwards. */
export async function withMaxLineBytes<T>(value: unknown, body: () => Promise<T>): Promise<T> {
  const previous = setMaxLineBytes(value as number);
  try {
    return await body();
  } finally {
    setMaxLineBytes(previous);
  }
}
