/**
 * Ctrl-C and SIGTERM during training lose nothing: `bert pretrain` / `bert finetune` finish the step in
 * progress, save a checkpoint of it, say where, and exit 130 / 143; `--resume` then ends with exactly the
 * weights (and the metrics) of a run that was never interrupted. Real processes: the launcher and its child.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticTask } from '../../src/data/synthetic-tasks.ts';
import { finetune } from '../../src/train/finetune.ts';
import { pretrain } from '../../src/train/pretrain.ts';
import { hyperparameterSearch } from '../../src/train/search.ts';
import { tinyConfig } from '../train/finetune-helpers.ts';
import {
  pretrainArgs,
  pretrainFixture,
  progressStep,
  runBert,
  sameBytes,
  startBert,
  tempDir,
  trainLosses,
  waitFor,
  type PretrainFixture,
  pretrainOptions,
} from './training-helpers.ts';

const root = tempDir('bert-signals-');
let fx: PretrainFixture;
beforeAll(() => {
  fx = pretrainFixture(root);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** "stopped by SIGINT at step 23; checkpoint: DIR." -> [23, DIR] */
function stoppedAt(stderr: string, signal: string): [number, string] {
  const m = new RegExp(`stopped by ${signal} at step (\\d+); checkpoint: (\\S+)\\. To continue, run the same command with --resume\\.`).exec(stderr);
  expect(m, stderr).not.toBeNull();
  return [Number(m![1]), m![2]];
}

describe('signals during training', () => {
  it('Ctrl-C during pretrain saves the step reached, says where, exits 130; --resume ends as the uninterrupted run, bit for bit', async () => {
    // Checkpoints every 1000 steps: without the save on Ctrl-C, everything would be lost.
    const args = (out: string) => pretrainArgs(fx, out, 100, ['--save-every', '1000', '--log-every', '7']);
    // The uninterrupted run, in this process (the same numbers as the command's: the same code and backend).
    const straight = join(root, 'pretrain-straight');
    await pretrain(pretrainOptions(fx, straight, 100, { saveEvery: 1000, logEvery: 7 }));

    const out = join(root, 'pretrain-interrupted');
    const run = startBert(args(out));
    await waitFor(() => progressStep(run.stderr(), 'pretrain') >= 7, 60_000, 'step 7');
    run.signalGroup('SIGINT'); // as a terminal sends Ctrl-C: to the launcher and its child
    const { code } = await run.exit;
    expect(code, run.stderr()).toBe(130);
    expect(run.stderr()).toMatch(
      /bert pretrain: SIGINT: finishing the current step, then saving a checkpoint and stopping \(press Ctrl-C again to quit at once, without saving\)/,
    );
    const [step, dir] = stoppedAt(run.stderr(), 'SIGINT');
    expect(step).toBeGreaterThanOrEqual(7);
    expect(step).toBeLessThan(100);
    expect(dir).toBe(join(out, 'checkpoints', `step-${String(step).padStart(7, '0')}`));
    const state = JSON.parse(readFileSync(join(dir, 'trainer_state.json'), 'utf8'));
    expect(state.step).toBe(step);
    expect(state.health.good).toBe(true);
    expect(existsSync(join(out, 'model.safetensors'))).toBe(false); // the run is not finished

    const resumed = await runBert([...args(out), '--resume']);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`resumed from ${dir} at step ${step}`);
    expect(sameBytes(join(out, 'model.safetensors'), join(straight, 'model.safetensors'))).toBe(true);
    // Train records every 7 steps: the one after the interruption averages over steps of both sessions.
    expect(trainLosses(out)).toEqual(trainLosses(straight));
  });

  it('SIGTERM during finetune saves the step reached, exits 143; --resume ends as the uninterrupted run', async () => {
    const files = writeSyntheticTask('classification', join(root, 'task'), { train: 160, dev: 16, test: 0 });
    const config = join(root, 'task-config.json');
    writeFileSync(config, tinyConfig().toJSONString());
    const args = (out: string) => [
      'finetune',
      '--task',
      'classification',
      '--init',
      config,
      '--vocab',
      files.vocab,
      '--train',
      files.train,
      '--dev',
      files.dev,
      '--out',
      out,
      '--epochs',
      '4',
      '--batch',
      '8',
      '--lr',
      '3e-3',
      '--max-length',
      '32',
      '--log-every',
      '5',
    ];
    const straight = join(root, 'finetune-straight');
    await finetune({
      task: 'classification',
      init: config,
      vocab: files.vocab,
      train: files.train,
      dev: files.dev,
      out: straight,
      epochs: 4,
      batch: 8,
      lr: 3e-3,
      maxLength: 32,
      logEvery: 5,
      progressStream: null,
    });

    const out = join(root, 'finetune-interrupted');
    const run = startBert(args(out));
    await waitFor(() => progressStep(run.stderr(), 'finetune') >= 5, 60_000, 'step 5');
    run.child.kill('SIGTERM'); // to the launcher alone, which passes it on
    const { code } = await run.exit;
    expect(code, run.stderr()).toBe(143);
    const [step, dir] = stoppedAt(run.stderr(), 'SIGTERM');
    expect(step).toBeGreaterThanOrEqual(5);
    expect(step).toBeLessThan(80);
    expect(JSON.parse(readFileSync(join(dir, 'trainer_state.json'), 'utf8')).step).toBe(step);

    const resumed = await runBert([...args(out), '--resume']);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(sameBytes(join(out, 'checkpoints', 'step-0000080', 'model.safetensors'), join(straight, 'checkpoints', 'step-0000080', 'model.safetensors'))).toBe(
      true,
    );
    expect(sameBytes(join(out, 'model.safetensors'), join(straight, 'model.safetensors'))).toBe(true); // the best dev weights
    expect(trainLosses(out)).toEqual(trainLosses(straight));
  });

  it('a run stopped before its first step has nothing to save; a resumed one names the checkpoint it holds; a search stops too', async () => {
    const stopped = new AbortController();
    stopped.abort();
    const out = join(root, 'aborted-early');
    const opts = pretrainOptions(fx, out, 6, { saveEvery: 3 });
    const first = await pretrain({ ...opts, signal: stopped.signal });
    expect(first.interrupted).toEqual({ step: 0, checkpoint: null });
    expect(existsSync(join(out, 'checkpoints'))).toBe(false);
    await pretrain({ ...opts, stopAfter: 3 });
    const again = await pretrain({ ...opts, resume: true, signal: stopped.signal });
    expect(again.interrupted).toEqual({ step: 3, checkpoint: join(out, 'checkpoints', 'step-0000003') });
    expect(again.steps).toBe(3);
    // A search stops at the run the signal reached, unfinished.
    const files = writeSyntheticTask('classification', join(root, 'search-task'), { train: 16, dev: 8, test: 0 });
    const search = await hyperparameterSearch({
      task: 'classification',
      init: tinyConfig(),
      vocab: files.vocab,
      train: files.train,
      dev: files.dev,
      out: join(root, 'search'),
      maxLength: 32,
      grid: { lr: [1e-3, 2e-3], batch: [8], epochs: [1] },
      progressStream: null,
      signal: stopped.signal,
    });
    expect(search.finished).toBe(false);
    expect(search.interrupted).toEqual({ step: 0, checkpoint: null, run: 0 });
  });
});
