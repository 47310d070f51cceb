/**
 * Tables in text: CSV (RFC 4180) and TSV (the GLUE layout).
 *
 * CSV, RFC 4180:
 *   - records end at CRLF or LF; fields are separated by commas;
 *   - a field may be enclosed in double quotes; inside quotes, commas, line breaks and doubled quotes ("")
 *     are data, and "" stands for one ";
 *   - a quote inside an unquoted field, or anything but a comma or a line end after a closing quote, is an
 *     error (the RFC does not allow it and guessing would silently shift columns).
 * A record therefore may span several lines; it reports the line where it starts.
 *
 * TSV as GLUE writes it: one record per line, fields split on every tab, no quoting at all (quote characters
 * are ordinary data; MNLI and QQP need exactly that). A trailing CR is removed.
 *
 * In both formats blank lines are skipped, and a leading byte order mark is ignored.
 */
import { TaskDataError } from './errors.ts';
import { numberedLines, stripBom } from './text-file.ts';

export type DelimitedFormat = 'csv' | 'tsv';

/** One record: its fields and the 1-based line where it starts. */
export interface DelimitedRecord {
  fields: string[];
  line: number;
}

/**
 * Parse CSV text (RFC 4180, see the file comment).
 * @param file name used in error messages
 * @throws TaskDataError for an unterminated quoted field, a stray quote, or text after a closing quote
 */
export function parseCsv(text: string, file = '<string>'): DelimitedRecord[] {
  text = stripBom(text);
  const n = text.length;
  const records: DelimitedRecord[] = [];
  let fields: string[] = [];
  let line = 1;
  let recordLine = 1;
  let i = 0;
  const isLineEnd = (k: number) => text[k] === '\n' || (text[k] === '\r' && text[k + 1] === '\n');
  for (;;) {
    // At the start of a field.
    let field: string;
    const quoted = text[i] === '"';
    if (quoted) {
      const openLine = line;
      i++;
      field = '';
      for (;;) {
        if (i >= n) throw new TaskDataError(`unterminated quoted field: the quote opened on line ${openLine} is never closed`, file, openLine);
        const c = text[i];
        if (c === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (c === '\n') line++;
        field += c;
        i++;
      }
      if (i < n && text[i] !== ',' && !isLineEnd(i)) {
        throw new TaskDataError(
          `expected a comma or a line end after the closing quote of field ${fields.length + 1}, found ${JSON.stringify(text[i])} ` +
            `(write a quote inside a quoted field as "")`,
          file,
          line,
        );
      }
    } else {
      let j = i;
      while (j < n && text[j] !== ',' && !isLineEnd(j)) {
        if (text[j] === '"') {
          throw new TaskDataError(`quote inside unquoted field ${fields.length + 1}; enclose the field in quotes and double the quote ("")`, file, line);
        }
        j++;
      }
      field = text.slice(i, j);
      i = j;
    }
    fields.push(field);
    if (i < n && text[i] === ',') {
      i++;
      continue;
    }
    // End of the record: a line end or the end of the text. An empty line (one empty unquoted field) is skipped.
    if (!(fields.length === 1 && fields[0] === '' && !quoted)) records.push({ fields, line: recordLine });
    fields = [];
    if (i >= n) break;
    i += text[i] === '\r' ? 2 : 1;
    line++;
    recordLine = line;
    if (i >= n) break;
  }
  return records;
}

/** Parse TSV text: fields split on every tab, no quoting (see the file comment). */
export function parseTsv(text: string): DelimitedRecord[] {
  return numberedLines(stripBom(text))
    .filter((l) => l.text !== '')
    .map((l) => ({ fields: l.text.split('\t'), line: l.line }));
}

/**
 * The format of a table file: by extension (.csv; .tsv or .tab), otherwise by its first line (a tab means
 * TSV, else CSV).
 */
export function detectDelimitedFormat(file: string, text: string): DelimitedFormat {
  const lower = file.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.tsv') || lower.endsWith('.tab')) return 'tsv';
  const nl = text.indexOf('\n');
  return (nl < 0 ? text : text.slice(0, nl)).includes('\t') ? 'tsv' : 'csv';
}

/** Parse CSV or TSV; the format is detected when not given (`detectDelimitedFormat`). */
export function parseDelimited(text: string, file = '<string>', format?: DelimitedFormat): { format: DelimitedFormat; records: DelimitedRecord[] } {
  const f = format ?? detectDelimitedFormat(file, text);
  return { format: f, records: f === 'csv' ? parseCsv(text, file) : parseTsv(text) };
}
