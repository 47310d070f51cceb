import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CorpusError, parseCorpus, readCorpusDocuments } from '../../src/data/corpus.ts';
import { firstInvalidUtf8Offset } from '../../src/io/utf8.ts';

const fixture = (name: string) => join(import.meta.dirname, '../fixtures/data', name);

describe('parseCorpus', () => {
  it('splits documents on blank lines, trims sentences and keeps line numbers', () => {
    const docs = parseCorpus('  s1 \ns2\n\n \t \n\ns3\n\n', 'mem');
    expect(docs).toEqual([
      { sentences: ['s1', 's2'], lines: [1, 2], file: 'mem' },
      { sentences: ['s3'], lines: [6], file: 'mem' },
    ]);
  });

  it('reports an empty corpus by name', () => {
    expect(() => parseCorpus(' \n\n\t\n', 'blank.txt')).toThrow(/^blank\.txt: empty corpus/);
    expect(() => parseCorpus('')).toThrow(CorpusError);
  });
});

describe('readCorpus', () => {
  it('reads the google-research/bert sample: 3 documents, sentence per line', async () => {
    const docs = await readCorpusDocuments(fixture('sample_text.txt'));
    expect(docs.length).toBe(3);
    expect(docs[0].sentences[0]).toBe('This text is included to make sure Unicode is handled properly: 力加勝北区ᴵᴺᵀᵃছজটডণত');
    expect(docs[0].lines[0]).toBe(1);
    expect(docs[1].lines[0]).toBe(5);
    const total = docs.reduce((n, d) => n + d.sentences.length, 0);
    expect(total).toBe(31); // 33 lines, 2 of them blank separators
  });

  it('gives the same documents whatever the read chunk size (multi-byte characters cut by chunks)', async () => {
    const { readFileSync } = await import('node:fs');
    const expected = parseCorpus(readFileSync(fixture('sample_text.txt'), 'utf8'), fixture('sample_text.txt'));
    for (const chunkSize of [1, 2, 3, 5, 7, 64]) {
      const docs = await readCorpusDocuments(fixture('sample_text.txt'), { chunkSize });
      expect(docs).toEqual(expected);
    }
  });

  it('handles CRLF line ends', async () => {
    const docs = await readCorpusDocuments(fixture('crlf.txt'));
    expect(docs.map((d) => d.sentences)).toEqual([['A one.', 'A two.'], ['B one.']]);
  });

  it('reads several files in order; the end of a file ends a document', async () => {
    const docs = await readCorpusDocuments([fixture('part-a.txt'), fixture('part-b.txt')]);
    expect(docs.map((d) => d.sentences)).toEqual([
      ['File a doc one s1.', 'File a doc one s2.'],
      ['File a doc two s1.'],
      ['File b doc one s1.', 'File b doc one s2.', 'File b doc one s3.'],
    ]);
    expect(docs[2].file).toBe(fixture('part-b.txt'));
    expect(docs[2].lines).toEqual([3, 4, 5]);
    expect(docs[1].lines).toEqual([6]);
  });

  it('reports invalid UTF-8 with file, line and byte offset', async () => {
    const file = fixture('invalid-utf8.txt');
    for (const chunkSize of [4, 1 << 16]) {
      const err = await readCorpusDocuments(file, { chunkSize }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CorpusError);
      expect((err as Error).message).toMatch(
        new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:5: invalid UTF-8 at byte offset 99 \\(the file must be UTF-8 text`),
      );
      expect((err as CorpusError).line).toBe(5);
    }
  });

  it('yields the documents before the bad line, then fails', async () => {
    const { readCorpus } = await import('../../src/data/corpus.ts');
    const seen: string[][] = [];
    await expect(
      (async () => {
        for await (const doc of readCorpus(fixture('invalid-utf8.txt'))) seen.push(doc.sentences);
      })(),
    ).rejects.toThrow(/:5: invalid UTF-8/);
    expect(seen).toEqual([['First sentence of doc one.', 'Second sentence, café.']]);
  });

  it('reports an empty corpus naming all files', async () => {
    const a = fixture('blank-only.txt');
    const dir = mkdtempSync(join(tmpdir(), 'corpus-'));
    const b = join(dir, 'empty.txt');
    writeFileSync(b, '');
    await expect(readCorpusDocuments([a, b])).rejects.toThrow(`${a}, ${b}: empty corpus`);
  });

  it('reports a missing file by name', async () => {
    const missing = join(tmpdir(), 'no-such-corpus-file.txt');
    await expect(readCorpusDocuments(missing)).rejects.toThrow(`${missing}: the corpus file does not exist`);
  });
});

describe('firstInvalidUtf8Offset', () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  it('accepts valid text of every sequence length', () => {
    expect(firstInvalidUtf8Offset(enc('a é € 𝄞 \u{10FFFF}'))).toBe(-1);
  });

  it('finds stray, overlong, surrogate, out-of-range and truncated sequences', () => {
    const cases: [number[], number][] = [
      [[0x61, 0x80], 1], // stray continuation byte
      [[0xc0, 0xaf], 0], // overlong '/'
      [[0xe0, 0x80, 0xaf], 0], // overlong 3-byte
      [[0x61, 0xed, 0xa0, 0x80], 1], // surrogate U+D800
      [[0xf4, 0x90, 0x80, 0x80], 0], // U+110000
      [[0x61, 0x62, 0xe2, 0x82], 2], // truncated euro sign
      [[0xf5, 0x80, 0x80, 0x80], 0], // F5 never starts a sequence
      [[0xe2, 0x82, 0x41], 0], // bad third byte
    ];
    for (const [bytes, at] of cases) {
      expect(firstInvalidUtf8Offset(Uint8Array.from(bytes))).toBe(at);
      // The fatal decoder agrees that these are invalid.
      expect(() => new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes))).toThrow();
    }
  });
});
