/**
 * Paths the CLI is given: a missing output folder is created, a file where a folder belongs (or the other way
 * round) and a missing input are usage errors that name the flag, never Node's raw ENOENT / EISDIR / EEXIST;
 * an empty corpus names its files. Corpora that train without learning warn: one document (NSP negatives
 * then come from that same document), text that is mostly [UNK].
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';

const dir = mkdtempSync(join(tmpdir(), 'cli-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const corpus = file('corpus.txt', 'the cat sat on the mat .\nthe dog sat too .\n\nanother document here .\nit has two lines .\n');
const config = file(
  'config.json',
  JSON.stringify({ hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32, max_position_embeddings: 32 }),
);
const small = ['--model', config, '--seq-len', '16', '--batch', '2', '--steps', '1'];

/** Run `bert ARGV` in this process; the exit code and what it printed to stderr (errors, warnings, progress). */
async function bert(argv: string[]): Promise<{ code: number; stderr: string }> {
  const err = vi.spyOn(console, 'error').mockImplementation(() => {});
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  const progress = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const code = await main(argv);
    const lines = [...err.mock.calls, ...warn.mock.calls, ...progress.mock.calls].map((c) => String(c[0]));
    return { code, stderr: lines.join('\n') };
  } finally {
    for (const s of [err, warn, log, progress]) s.mockRestore();
  }
}

describe('output paths', () => {
  it('train-tokenizer creates the folder of --out, as pretrain does', async () => {
    const out = join(dir, 'new', 'nested', 'vocab.txt');
    const r = await bert(['train-tokenizer', '--corpus', corpus, '--vocab-size', '40', '--out', out]);
    expect(r.code).toBe(0);
    expect(readFileSync(out, 'utf8').split('\n')[0]).toBe('[PAD]');
  });

  it('train-tokenizer --out naming a directory is a usage error, not EISDIR', async () => {
    const r = await bert(['train-tokenizer', '--corpus', corpus, '--vocab-size', '40', '--out', dir]);
    expect(r.stderr).toContain(`bert train-tokenizer: --out: ${dir} is a directory; expected the path of a file to write`);
    expect(r.code).toBe(2);
  });

  it('pretrain --out naming a file is a usage error, not EEXIST from mkdir', async () => {
    const r = await bert(['pretrain', '--corpus', corpus, '--steps', '1', '--out', corpus]);
    expect(r.stderr).toContain(`bert pretrain: --out: ${corpus} is a file; expected a directory to write into`);
    expect(r.code).toBe(2);
  });

  it('a folder on the way to --out that is a file', async () => {
    const r = await bert(['pretrain', '--corpus', corpus, '--steps', '1', '--out', join(corpus, 'run')]);
    expect(r.stderr).toContain(`bert pretrain: --out: ${join(corpus, 'run')} cannot be created: a folder on its path is a file`);
    expect(r.code).toBe(2);
  });
});

describe('input paths', () => {
  it('a missing --vocab says it is the vocabulary flag', async () => {
    const missing = join(dir, 'no-vocab.txt');
    const r = await bert(['pretrain', '--corpus', corpus, '--vocab', missing, '--steps', '1', '--out', join(dir, 'r1')]);
    expect(r.stderr).toContain(`bert pretrain: --vocab: ${missing} does not exist`);
    expect(r.code).toBe(2);
    expect(existsSync(join(dir, 'r1'))).toBe(false); // nothing written for a refused command
  });

  it('a directory given as a corpus file', async () => {
    const r = await bert(['train-tokenizer', '--corpus', dir, '--vocab-size', '40', '--out', join(dir, 'v.txt')]);
    expect(r.stderr).toContain(`bert train-tokenizer: --corpus: ${dir} is a directory; expected a file`);
    expect(r.code).toBe(2);
  });

  it('fill-mask --model naming a missing folder', async () => {
    const r = await bert(['fill-mask', '--model', join(dir, 'nope'), 'a [MASK] .']);
    expect(r.stderr).toContain(`bert fill-mask: --model: ${join(dir, 'nope')} does not exist`);
    expect(r.code).toBe(2);
  });
});

describe('corpora that cannot teach', () => {
  it('an empty corpus names the file, not the API', async () => {
    const empty = file('empty.txt', '\n  \n\t\n');
    const r = await bert(['train-tokenizer', '--corpus', empty, '--vocab-size', '40', '--out', join(dir, 'v2.txt')]);
    expect(r.stderr).toContain(`bert train-tokenizer: ${empty}: the corpus has no words`);
    expect(r.stderr).not.toContain('trainWordPiece');
    expect(r.code).toBe(1);
  });

  it('one document (no blank lines): a warning that NSP negatives come from the same document; the run proceeds', async () => {
    const one = file('one-doc.txt', 'the cat sat on the mat .\nthe dog sat too .\na third line .\n');
    const r = await bert(['pretrain', '--corpus', one, '--vocab-size', '60', ...small, '--out', join(dir, 'one')]);
    expect(r.stderr).toContain(`warning: ${one}: the corpus is a single document`);
    expect(r.stderr).toContain('with only one it comes from the same document');
    expect(r.code).toBe(0);
  });

  it('text the vocabulary does not cover (mostly [UNK]): a warning', async () => {
    const vocab = file('letters.txt', '[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nx\ny\nz\n');
    const r = await bert(['pretrain', '--corpus', corpus, '--vocab', vocab, ...small, '--out', join(dir, 'unk')]);
    expect(r.stderr).toMatch(/warning: .*corpus\.txt: (\d+) of the corpus's \1 tokens \(100\.0%\) are \[UNK\]/);
    expect(r.code).toBe(0);
  });

  it('a corpus of several documents gets neither warning', async () => {
    mkdirSync(join(dir, 'fine'), { recursive: true });
    const r = await bert(['pretrain', '--corpus', corpus, '--vocab-size', '60', ...small, '--out', join(dir, 'fine')]);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('warning');
  });
});
