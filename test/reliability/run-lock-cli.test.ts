/**
 * The training commands lock their --out (src/cli/run-dir.ts, src/train/run-lock.ts): two `bert pretrain`
 * started together on one --out do not both run, a lock left by a killed run is taken over with a message,
 * and finetune and demo are refused while another process holds the folder. Only the `bert` command is used
 * here (and lock files written by hand), so the file runs against any version of the CLI.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateSyntheticCorpus } from '../../src/data/synthetic-corpus.ts';
import { alive, BERT, childEnv, runBert, start, waitFor } from './helpers.ts';

const RUN_LOCK_FILE = 'run.lock';
const dir = mkdtempSync(join(tmpdir(), 'run-lock-cli-'));
let corpus: string;
let config: string;
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(() => {
  corpus = join(dir, 'train.txt');
  config = join(dir, 'config.json');
  writeFileSync(corpus, generateSyntheticCorpus({ documents: 20, seed: 1 }));
  writeFileSync(config, JSON.stringify({ hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32, max_position_embeddings: 32 }));
});

const startedPids: number[] = [];
afterEach(() => {
  for (const pid of startedPids.splice(0)) if (alive(pid)) process.kill(pid, 'SIGKILL');
});

/** A process id that is certainly not running: a process that has ended. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  if (!r.pid || alive(r.pid)) throw new Error('expected the process to have ended');
  return r.pid;
}

/** Write a lock file into `out` as process `pid` would have. */
function writeLock(out: string, pid: number): void {
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, RUN_LOCK_FILE), JSON.stringify({ pid, host: hostname(), started: '2020-01-01T00:00:00.000Z', command: 'bert pretrain' }));
}

const pretrainArgs = (out: string, steps: number) => [
  'pretrain',
  '--corpus',
  corpus,
  '--vocab-size',
  '100',
  '--model',
  config,
  '--seq-len',
  '16',
  '--batch',
  '4',
  '--steps',
  String(steps),
  '--out',
  out,
];

describe('bert pretrain with a run lock', () => {
  it('two runs started together on one --out: one runs, the other is refused (exit 1) naming the pid and the folder', async () => {
    const out = join(dir, 'together');
    const a = start([BERT, ...pretrainArgs(out, 400)], childEnv());
    const b = start([BERT, ...pretrainArgs(out, 400)], childEnv());
    startedPids.push(a.child.pid!, b.child.pid!);
    const first = await Promise.race([a.exit.then((e) => ({ e, s: a, other: b })), b.exit.then((e) => ({ e, s: b, other: a }))]);
    expect(first.e.code).toBe(1);
    expect(first.s.err()).toMatch(new RegExp(`bert pretrain: ${out} is in use by process \\d+ on ${hostname()}`));
    // The other run holds the lock; stopping it (through its launcher) releases the lock.
    const holder = JSON.parse(readFileSync(join(out, RUN_LOCK_FILE), 'utf8')).pid as number;
    expect(first.s.err()).toContain(`process ${holder} `);
    first.other.child.kill('SIGTERM');
    await first.other.exit;
    await waitFor(() => !existsSync(join(out, RUN_LOCK_FILE)), 5000, 'the lock to be released');
  });

  it('a lock left by a killed run is taken over with a message, and the run proceeds', async () => {
    const out = join(dir, 'left');
    const pid = deadPid();
    writeLock(out, pid);
    const r = await runBert(pretrainArgs(out, 1));
    expect(r.stderr).toContain(`${out}: taking over the lock of process ${pid}`);
    expect(r.status).toBe(0);
    expect(existsSync(join(out, 'model.safetensors'))).toBe(true);
    expect(existsSync(join(out, RUN_LOCK_FILE))).toBe(false);
  });

  it('finetune and demo lock --out too', async () => {
    const out = join(dir, 'busy');
    writeLock(out, process.pid); // held by this (live) test process
    {
      const f = await runBert([
        'finetune',
        '--task',
        'classification',
        '--init',
        'tiny',
        '--vocab',
        join(__dirname, '../fixtures/tokenizer/bert-base-uncased-vocab.txt'),
        '--train',
        corpus,
        '--dev',
        corpus,
        '--out',
        out,
      ]);
      expect(f.status).toBe(1);
      expect(f.stderr).toContain(`bert finetune: ${out} is in use by process ${process.pid}`);
      const d = await runBert(['demo', '--steps', '1', '--out', out]);
      expect(d.status).toBe(1);
      expect(d.stderr).toContain(`bert demo: ${out} is in use by process ${process.pid}`);
    }
    expect(existsSync(join(out, 'metrics.jsonl'))).toBe(false);
  });
});
