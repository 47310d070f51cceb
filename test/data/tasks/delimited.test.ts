import { describe, expect, it } from 'vitest';
import { detectDelimitedFormat, parseCsv, parseDelimited, parseTsv } from '../../../src/data/tasks/delimited.ts';
import { readTaskFile } from '../../../src/data/tasks/text-file.ts';
import { TaskDataError } from '../../../src/data/tasks/errors.ts';
import { errorOf, fixture } from './helpers.ts';

describe('parseCsv (RFC 4180)', () => {
  it('reads quoted commas, doubled quotes and line breaks inside quotes, with the starting line of each record', () => {
    const records = parseCsv(readTaskFile(fixture('quoted.csv')), 'quoted.csv');
    expect(records).toEqual([
      { fields: ['id', 'text', 'label'], line: 1 },
      { fields: ['1', 'Hello, world', 'positive'], line: 2 },
      { fields: ['2', 'She said "hi" and left', 'negative'], line: 3 },
      { fields: ['3', 'line one\nline two', 'positive'], line: 4 },
      { fields: ['4', 'plain text', 'negative'], line: 6 },
    ]);
  });

  it('keeps empty fields, a trailing empty field, CRLF inside quotes, and skips blank lines', () => {
    expect(parseCsv('a,,c\n\n"",x,\n"r\r\nn",2,3')).toEqual([
      { fields: ['a', '', 'c'], line: 1 },
      { fields: ['', 'x', ''], line: 3 },
      { fields: ['r\r\nn', '2', '3'], line: 4 },
    ]);
  });

  it('keeps a single quoted empty field as a record (only an unquoted empty line is blank)', () => {
    expect(parseCsv('h\n""\n')).toEqual([
      { fields: ['h'], line: 1 },
      { fields: [''], line: 2 },
    ]);
  });

  it('names file and line for an unterminated quote, a stray quote, and text after a closing quote', () => {
    expect(errorOf(() => parseCsv('a,b\n1,"open\nmore\n', 'f.csv'))).toBe('f.csv:2: unterminated quoted field: the quote opened on line 2 is never closed');
    expect(errorOf(() => parseCsv('a,b\n1,say "x"\n', 'f.csv'))).toBe(
      'f.csv:2: quote inside unquoted field 2; enclose the field in quotes and double the quote ("")',
    );
    expect(errorOf(() => parseCsv('a,b\n1,\n"x\ny"z,2\n', 'f.csv'))).toBe(
      'f.csv:4: expected a comma or a line end after the closing quote of field 1, found "z" (write a quote inside a quoted field as "")',
    );
    expect(() => parseCsv('"', 'f.csv')).toThrow(TaskDataError);
  });
});

describe('parseTsv and format detection', () => {
  it('splits on every tab, keeps quotes as data, strips CR and a BOM, skips blank lines', () => {
    expect(parseTsv('\ufeffa\tb\r\n"x\t"y"\r\n\r\nz\t\n')).toEqual([
      { fields: ['a', 'b'], line: 1 },
      { fields: ['"x', '"y"'], line: 2 },
      { fields: ['z', ''], line: 4 },
    ]);
  });

  it('detects by extension, else by a tab in the first line', () => {
    expect(detectDelimitedFormat('x.CSV', 'a\tb')).toBe('csv');
    expect(detectDelimitedFormat('x.tsv', 'a,b')).toBe('tsv');
    expect(detectDelimitedFormat('x.txt', 'a\tb\nc,d')).toBe('tsv');
    expect(detectDelimitedFormat('<string>', 'a,b\nc\td')).toBe('csv');
    expect(parseDelimited('h,i\na,"b\tc"\n', 'data').records[1].fields).toEqual(['a', 'b\tc']);
    expect(parseDelimited('a,"b\tc"\n', 'data', 'csv').records[0].fields).toEqual(['a', 'b\tc']);
  });
});

describe('readTaskFile', () => {
  it('reports a missing file with its name', () => {
    expect(errorOf(() => readTaskFile(fixture('no-such-file.tsv')))).toMatch(/no-such-file\.tsv: the data file does not exist/);
  });
});
