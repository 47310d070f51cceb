/**
 * Every text the CLI reads goes through one reader with the same checks (src/io/text-lines.ts): Latin-1,
 * UTF-16 and binary files are refused with the file, line and byte offset wherever they are given (the
 * tokenizer trainer, the pretraining corpus, task files, vocabularies, stdin), and a line longer than the
 * limit stops the command at once instead of being read into memory whole.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { runBert } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'text-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, data: string | Uint8Array) => {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
};

const good = file('good.txt', 'the cat sat on the mat .\nthe dog sat too .\n\nanother document here .\n');
const latin1 = file('latin1.txt', Buffer.concat([Buffer.from('first line\ncaf'), Buffer.from([0xe9]), Buffer.from(' au lait\n')]));
const utf16Bom = file('utf16-bom.txt', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('hello world\n', 'utf16le')]));
const utf16 = file('utf16.txt', Buffer.from('hello world\nsecond line\n', 'utf16le'));
const binary = file(
  'binary.bin',
  Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256),
);
const longLine = file('long-line.txt', 'short first line\n' + 'word '.repeat(300_000) + '\nlast\n'); // 1.5 MB line 2
const vocab = file('vocab.txt', '[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\ncat\n');
const out = (name: string) => join(dir, 'out', name);

/** Run `bert ARGV` in this process; the exit code and what it printed to stderr. */
async function bert(argv: string[]): Promise<{ code: number; stderr: string }> {
  const err = vi.spyOn(console, 'error').mockImplementation(() => {});
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  const progress = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const code = await main(argv);
    return { code, stderr: [...err.mock.calls, ...warn.mock.calls].map((c) => c.join(' ')).join('\n') };
  } finally {
    for (const s of [err, warn, log, progress]) s.mockRestore();
  }
}

const trainTokenizer = (corpus: string, ...extra: string[]) =>
  bert(['train-tokenizer', '--corpus', corpus, '--vocab-size', '50', '--out', out('vocab.txt'), ...extra]);

describe('bert train-tokenizer reads text as strictly as pretrain does', () => {
  it.each([
    ['Latin-1', latin1, `${latin1}:2: invalid UTF-8 at byte offset 14 (the file must be UTF-8 text`],
    ['UTF-16 with a byte order mark', utf16Bom, `${utf16Bom}:1: starts with a UTF-16 byte order mark: this is UTF-16 text; save it as UTF-8`],
    ['UTF-16 without one', utf16, `${utf16}:1: a NUL byte at byte offset 1: this is UTF-16 text (save it as UTF-8) or a binary file, not UTF-8 text`],
    ['binary', binary, `${binary}:1: a NUL byte at byte offset 0: this is UTF-16 text (save it as UTF-8) or a binary file`],
  ])('%s: refused with file, line and byte offset (exit 1)', async (_, corpus, message) => {
    const r = await trainTokenizer(corpus);
    expect(r.stderr).toContain(`bert train-tokenizer: ${message}`);
    expect(r.code).toBe(1);
  });

  it('pretrain gives the same messages for the same files', async () => {
    for (const [corpus, message] of [
      [latin1, `${latin1}:2: invalid UTF-8 at byte offset 14`],
      [utf16, `${utf16}:1: a NUL byte at byte offset 1`],
    ]) {
      const r = await bert(['pretrain', '--corpus', corpus, '--vocab', vocab, '--steps', '1', '--out', out('pretrain')]);
      expect(r.stderr).toContain(`bert pretrain: ${message}`);
      expect(r.code).toBe(1);
    }
  });

  it('accepts UTF-8 text with a byte order mark (dropped)', async () => {
    const bom = file('bom.txt', '\ufeffthe cat sat\n');
    expect((await trainTokenizer(bom)).code).toBe(0);
  });
});

describe('a line longer than the limit', () => {
  it('stops train-tokenizer and pretrain with the file, the line and the limit; --max-line-bytes raises it', async () => {
    const message = `${longLine}:2: a line longer than 1048576 bytes, the limit (is this a text file with one sentence per line? raise the limit with --max-line-bytes)`;
    const t = await trainTokenizer(longLine);
    expect(t.stderr).toContain(`bert train-tokenizer: ${message}`);
    expect(t.code).toBe(1);
    const p = await bert(['pretrain', '--corpus', longLine, '--vocab-size', '50', '--steps', '1', '--out', out('long')]);
    expect(p.stderr).toContain(`bert pretrain: ${message}`);
    expect(p.code).toBe(1);
    expect((await trainTokenizer(longLine, '--max-line-bytes', '2000000')).code).toBe(0);
    const small = await trainTokenizer(good, '--max-line-bytes', '10');
    expect(small.stderr).toContain(`${good}:1: a line longer than 10 bytes`);
  });

  it('/dev/zero stops both commands at once (real processes)', async () => {
    for (const args of [
      ['train-tokenizer', '--corpus', '/dev/zero', '--vocab-size', '50', '--out', out('zero.txt')],
      ['pretrain', '--corpus', '/dev/zero', '--steps', '1', '--out', out('zero')],
    ]) {
      const t0 = Date.now();
      const r = await runBert(args);
      expect(r.stderr).toContain('/dev/zero:1: a NUL byte at byte offset 0');
      expect(r.status).toBe(1);
      expect(Date.now() - t0).toBeLessThan(60_000);
    }
  });
});

describe('the other texts: task files, vocabularies, stdin', () => {
  it('a UTF-16 training file for finetune', async () => {
    const tsv = file('train-utf16.tsv', Buffer.from('text\tlabel\nhello\ta\n', 'utf16le'));
    const r = await bert(['finetune', '--task', 'classification', '--init', 'tiny', '--vocab', vocab, '--train', tsv, '--dev', tsv, '--out', out('ft')]);
    expect(r.stderr).toContain(`${tsv}:1: a NUL byte at byte offset 1`);
    expect(r.code).toBe(1);
  });

  it('a Latin-1 vocabulary', async () => {
    const bad = file('vocab-latin1.txt', Buffer.concat([Buffer.from('[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\ncaf'), Buffer.from([0xe9, 0x0a])]));
    const r = await bert(['pretrain', '--corpus', good, '--vocab', bad, '--steps', '1', '--out', out('v')]);
    expect(r.stderr).toContain(`${bad}:6: invalid UTF-8 at byte offset 34`);
    expect(r.code).toBe(1);
  });

  it('bert tokenize: invalid UTF-8 on stdin is an error with the line, not a silent U+FFFD', async () => {
    expect((await runBert(['tokenize', '--vocab', vocab], { input: '{"text": "the cat"}\n{"text": "cafe"}\n' })).status).toBe(0);
    const bytes = Buffer.concat([Buffer.from('{"text": "the cat"}\n{"text": "caf'), Buffer.from([0xe9]), Buffer.from('"}\n')]);
    const bad = await runBert(['tokenize', '--vocab', vocab], { input: bytes });
    expect(bad.stderr).toContain('stdin:2: invalid UTF-8 at byte offset 33');
    expect(bad.status).toBe(1);
    // The line before the bad one was written.
    expect(bad.stdout.split('\n')[0]).toContain('"tokens":["[CLS]","the","cat","[SEP]"]');
  });
});
