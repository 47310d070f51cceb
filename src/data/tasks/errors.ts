/**
 * The error every task reader throws for bad input data. Its message starts with `FILE:LINE:` (or `FILE:`
 * when no line applies), the form editors and terminals turn into a link to the spot.
 */
export class TaskDataError extends Error {
  constructor(
    message: string,
    /** The file (or the name given to a parse function) the problem is in. */
    readonly file: string,
    /** 1-based line, when known. */
    readonly line?: number,
  ) {
    super(line === undefined ? `${file}: ${message}` : `${file}:${line}: ${message}`);
    this.name = 'TaskDataError';
  }
}

/** `"text"` with JSON escapes, shortened to about `max` characters for messages. */
export function quoteForMessage(text: string, max = 60): string {
  const s = text.length > max ? `${text.slice(0, max)}...` : text;
  return JSON.stringify(s);
}
