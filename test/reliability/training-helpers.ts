/**
 * Shared by the training-run reliability tests: a corpus, a model and a vocabulary small enough that a
 * `bert pretrain` process trains a step in milliseconds, and `bert` started as a real process (the launcher
 * bin/bert.mjs and its child), in a process group of its own so that a test can send a signal to the whole
 * group as a terminal's Ctrl-C does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateSyntheticCorpus } from '../../src/data/synthetic-corpus.ts';
import { trainWordPiece } from '../../src/tokenizer/trainer.ts';
import { MetricsLog } from '../../src/train/metrics-log.ts';
import { childEnv, runNode, waitFor as waitForEvery } from './helpers.ts';
import type { PretrainOptions } from '../../src/train/pretrain.ts';

export const ROOT = resolve(__dirname, '..', '..');
export const BERT = join(ROOT, 'bin', 'bert.mjs');

/** A fresh temporary directory. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface PretrainFixture {
  corpus: string;
  vocab: string;
  config: string;
}

/** 40 generated stories, a 200-token vocabulary trained on them, and a one-layer BERT of hidden size 32. */
export function pretrainFixture(dir: string): PretrainFixture {
  const corpus = join(dir, 'train.txt');
  writeFileSync(corpus, generateSyntheticCorpus({ documents: 40, seed: 1 }));
  const vocab = join(dir, 'vocab.txt');
  writeFileSync(vocab, trainWordPiece({ files: [corpus], vocabSize: 200 }).join('\n') + '\n');
  const config = join(dir, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({
      hidden_size: 32,
      num_hidden_layers: 1,
      num_attention_heads: 2,
      intermediate_size: 64,
      max_position_embeddings: 64,
      hidden_dropout_prob: 0.1,
      attention_probs_dropout_prob: 0.1,
    }),
  );
  return { corpus, vocab, config };
}

/**
 * pretrain() options for the fixture, the same run as `pretrainArgs` gives the command (sequences of 32
 * tokens, batches of 8, lr 3e-3, warmup 2, seed 3), silent; `extra` adds or replaces options.
 */
export function pretrainOptions(fx: PretrainFixture, out: string, steps: number, extra: Partial<PretrainOptions> = {}): PretrainOptions {
  return {
    corpus: [fx.corpus],
    vocab: fx.vocab,
    model: fx.config,
    seqLen: 32,
    batch: 8,
    steps,
    lr: 3e-3,
    warmup: 2,
    seed: 3,
    out,
    progressStream: null,
    ...extra,
  };
}

/** `bert pretrain` arguments for the fixture (sequences of 32 tokens, batches of 8). */
export function pretrainArgs(fx: PretrainFixture, out: string, steps: number, extra: string[] = []): string[] {
  const base: [string, string][] = [
    ['--corpus', fx.corpus],
    ['--vocab', fx.vocab],
    ['--model', fx.config],
    ['--seq-len', '32'],
    ['--batch', '8'],
    ['--steps', String(steps)],
    ['--lr', '3e-3'],
    ['--warmup', '2'],
    ['--seed', '3'],
    ['--out', out],
  ];
  // A flag in `extra` replaces the base's value (the CLI refuses a flag given twice).
  return ['pretrain', ...base.filter(([flag]) => !extra.includes(flag)).flat(), ...extra];
}

/** Run `bert ARGS` to its end, asynchronously (helpers.ts, runNode). */
export function runBert(args: string[]) {
  return runNode([BERT, ...args], { env: childEnv() });
}

/** A `bert` process started in its own process group, its output collected as it comes. */
export interface StartedBert {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Send `signal` to the whole group (the launcher and its child), as a terminal does for Ctrl-C. */
  signalGroup: (signal: NodeJS.Signals) => void;
}

export function startBert(args: string[]): StartedBert {
  const child = spawn(process.execPath, [BERT, ...args], { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (t: string) => (out += t));
  child.stderr!.setEncoding('utf8').on('data', (t: string) => (err += t));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.on('close', (code, signal) => res({ code, signal })));
  return { child, stdout: () => out, stderr: () => err, exit, signalGroup: (signal) => process.kill(-child.pid!, signal) };
}

/** helpers.ts's waitFor, checking every 10 ms by default: a training step here takes milliseconds. */
export function waitFor<T>(condition: () => T | undefined | null | false, ms: number, what: string, everyMs = 10): Promise<T> {
  return waitForEvery(condition, ms, what, everyMs);
}

/** The highest step of the "<label> step N/M" progress lines in `text`, or 0. */
export function progressStep(text: string, label: string): number {
  const steps = [...text.matchAll(new RegExp(`${label} step (\\d+)/`, 'g'))].map((m) => Number(m[1]));
  return steps.length ? Math.max(...steps) : 0;
}

/** A run's train records as [step, loss] (what must agree between an interrupted and a straight run). */
export function trainLosses(out: string): [number, unknown][] {
  return new MetricsLog(join(out, 'metrics.jsonl'))
    .read()
    .filter((r) => r.split === 'train')
    .map((r) => [r.step, r.loss]);
}

/** Whether two files hold the same bytes. */
export function sameBytes(a: string, b: string): boolean {
  return readFileSync(a).equals(readFileSync(b));
}
