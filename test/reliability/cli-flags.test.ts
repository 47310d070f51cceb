/**
 * Flag values that would wreck a run are refused before the command runs (src/cli/args.ts): out of range,
 * not a whole number where one is needed, a stray positional argument, flags that exclude each other. Each
 * is a usage error (exit 2) naming the flag, what it expects and what it got.
 *
 * The cases issue 16 found accepted without a word, through the CLI's entry point in this process, then two
 * of them as real `bert` processes for the exit code. (Every number flag of every command, swept against its
 * declared range: cli-flag-ranges.test.ts.)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { runBert } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'cli-flags-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const corpus = join(dir, 'corpus.txt');
writeFileSync(corpus, 'the cat sat on the mat .\nthe dog sat too .\n\nanother document here .\n');
const missing = join(dir, 'no-such-file.txt');

/** Run `bert ARGV` in this process; the exit code and what it printed to stderr. */
async function bert(argv: string[]): Promise<{ code: number; stderr: string }> {
  const err = vi.spyOn(console, 'error').mockImplementation(() => {});
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  try {
    const code = await main(argv);
    return { code, stderr: err.mock.calls.map((c) => c.join(' ')).join('\n') };
  } finally {
    err.mockRestore();
    log.mockRestore();
  }
}

const pretrain = (...extra: string[]) => ['pretrain', '--corpus', missing, '--steps', '5', '--out', join(dir, 'never'), ...extra];

describe('the values issue 16 found accepted without a word', () => {
  const cases: [string, string[], string][] = [
    ['a negative learning rate', pretrain('--lr', '-1'), '--lr expects a number > 0, got "-1"'],
    ['a negative clip', pretrain('--clip', '-1'), '--clip expects a number > 0, got "-1"'],
    ['no micro-batches per step', pretrain('--grad-accum', '0'), '--grad-accum expects a whole number >= 1, got "0"'],
    ['a negative weight decay', pretrain('--weight-decay', '-1'), '--weight-decay expects a number >= 0, got "-1"'],
    ['a checkpoint every 0 steps', pretrain('--save-every', '0'), '--save-every expects a whole number >= 1, got "0"'],
    ['no evaluation instances', pretrain('--eval-instances', '0'), '--eval-instances expects a whole number >= 1, got "0"'],
    ['evaluating every -1 steps', pretrain('--eval-every', '-1'), '--eval-every expects a whole number >= 1, got "-1"'],
    ['a progress line every 0 steps', pretrain('--log-every', '0'), '--log-every expects a whole number >= 1, got "0"'],
    ['stopping after step -1', pretrain('--stop-after', '-1'), '--stop-after expects a whole number >= 1, got "-1"'],
    ['a fractional step count', ['pretrain', '--corpus', missing, '--steps', '2.5', '--out', dir], '--steps expects a whole number >= 1, got "2.5"'],
    ['fill-mask with no candidates', ['fill-mask', '--model', dir, '--top', '0', 'a [MASK] .'], '--top expects a whole number >= 1, got "0"'],
    [
      'a stray positional',
      ['pretrain', '--corpus', missing, '--steps', '2', '200', '--out', dir],
      'unexpected argument "200" after --steps 2 (a flag takes one value',
    ],
    [
      '--vocab with --vocab-size',
      ['pretrain', '--corpus', corpus, '--vocab', corpus, '--vocab-size', '100', '--steps', '2', '--out', dir],
      '--vocab and --vocab-size cannot be used together',
    ],
    [
      '--eval-every without --eval-corpus',
      ['pretrain', '--corpus', corpus, '--eval-every', '5', '--steps', '2', '--out', dir],
      '--eval-every needs --eval-corpus',
    ],
    [
      'a switch given a value as a separate word',
      ['pretrain', '--corpus', corpus, '--resume', 'false', '--steps', '2', '--out', dir],
      'unexpected argument "false" after --resume (a switch takes no value',
    ],
    ['a flag given twice', ['pretrain', '--corpus', corpus, '--lr', '1e-3', '--lr', '1e-4', '--steps', '2', '--out', dir], '--lr is given twice'],
    ['warmup longer than the run', ['pretrain', '--corpus', corpus, '--steps', '2', '--warmup', '5', '--out', dir], '--warmup 5 is more than --steps 2'],
    ['a grid without --search', ['finetune', '--task', 'classification', '--grid-lr', '1e-4', '--init', 'tiny', '--out', dir], '--grid-lr needs --search'],
    ['a negative learning rate in a grid', ['finetune', '--search', '--grid-lr', '1e-4,-1e-4', '--out', dir], '--grid-lr expects a number > 0, got "-1e-4"'],
    ['a fixed value with --search', ['finetune', '--search', '--lr', '1e-4', '--out', dir], '--search and --lr cannot be used together: --lr fixes one value'],
    ['tokenize with an argument', ['tokenize', '--vocab', corpus, 'input.jsonl'], 'unexpected argument "input.jsonl"'],
    ['inspect with two files', ['inspect', corpus, corpus], 'unexpected argument'],
  ];

  it.each(cases)('%s', async (_, argv, message) => {
    const r = await bert(argv);
    expect(r.stderr).toContain(message);
    expect(r.code).toBe(2);
  });

  it('--vocab-size below the smallest vocabulary of the corpus names that minimum', async () => {
    const r = await bert(['pretrain', '--corpus', corpus, '--vocab-size', '3', '--steps', '1', '--out', join(dir, 'small-vocab')]);
    expect(r.stderr).toMatch(
      /--vocab-size 3 is below the minimum for this corpus, (\d+) \(5 special tokens, \d+ characters and \d+ ##-continuations of them\): ask for at least \1/,
    );
    expect(r.code).toBe(2);
    const t = await bert(['train-tokenizer', '--corpus', corpus, '--vocab-size', '3', '--out', join(dir, 'vocab.txt')]);
    expect(t.stderr).toMatch(/--vocab-size 3 is below the minimum for this corpus, \d+ .* or lower --limit-alphabet/);
    expect(t.code).toBe(2);
  });
});

describe('the exit code of a real `bert` process', () => {
  it('bert pretrain --lr -1 exits 2 with the message and the usage', async () => {
    const r = await runBert(pretrain('--lr', '-1'));
    expect(r.stderr).toContain('bert pretrain: --lr expects a number > 0, got "-1"');
    expect(r.stderr).toContain('Usage: bert pretrain');
    expect(r.status).toBe(2);
  });

  it('bert fill-mask --top 0 exits 2', async () => {
    const r = await runBert(['fill-mask', '--model', dir, '--top', '0', 'a [MASK] .']);
    expect(r.stderr).toContain('bert fill-mask: --top expects a whole number >= 1, got "0"');
    expect(r.status).toBe(2);
  });
});
