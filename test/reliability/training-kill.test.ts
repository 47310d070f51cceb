/**
 * The kill test: `bert pretrain` (the launcher and its child, the whole process group) killed with SIGKILL
 * again and again, then resumed each time: the run ends with exactly the weights and the metrics of a run
 * that was never killed, and nothing half-written stays behind. A checkpoint is written every step. Every
 * other kill comes at a moment drawn from a seeded generator (1 to 4 steps into the session, then 0 to 40
 * ms: inside a forward or backward pass, a checkpoint write or a metrics append); the others come as soon
 * as a checkpoint folder is being written. Should none of those leave a partial folder behind (the write
 * finished first), up to five more are made, so that a kill inside a write is always among them.
 *
 * BERT_KILL_TESTS=N sets the number of kills (default 4: about 15 s; 10 kills: about 40 s).
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/tensor/random.ts';
import { latestCheckpoint } from '../../src/train/checkpoint.ts';
import { pretrain } from '../../src/train/pretrain.ts';
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
  pretrainOptions,
} from './training-helpers.ts';

const KILLS = Number(process.env.BERT_KILL_TESTS ?? 4);
const root = tempDir('bert-kill-');
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Names atomic.ts gives what it is writing: `step-N.tmp-PID-K`, `step-N.old-PID-K`, `.file.tmp-PID-K`. */
const PARTIAL = /\.(tmp|old)-\d+-\d+$/;
const partials = (dir: string) => {
  try {
    return readdirSync(dir).filter((n) => PARTIAL.test(n));
  } catch {
    return [];
  }
};

describe('the kill test', () => {
  it(`a pretraining run killed with SIGKILL ${KILLS} times, during checkpoint writes too, resumes to the uninterrupted run's weights bit for bit`, async () => {
    if (!(Number.isInteger(KILLS) && KILLS >= 1)) throw new Error(`BERT_KILL_TESTS must be a positive integer, got ${process.env.BERT_KILL_TESTS}`);
    const fx = pretrainFixture(root);
    const steps = Math.max(40, 4 * KILLS + 20); // a session lasts 5 steps at most, and starts with its resume

    const straight = join(root, 'straight');
    await pretrain(pretrainOptions(fx, straight, steps, { saveEvery: 1, logEvery: 1 }));

    const out = join(root, 'killed');
    const checkpoints = join(out, 'checkpoints');
    const args = pretrainArgs(fx, out, steps, ['--save-every', '1', '--log-every', '1']);
    const rng = new Rng('kill-test');
    let stderr = '';
    let leftBehind = 0;
    let kills = 0;
    for (; kills < KILLS || (leftBehind === 0 && kills < KILLS + 5); kills++) {
      const run = startBert(latestCheckpoint(out) ? [...args, '--resume'] : args);
      let ended = false;
      void run.exit.then(() => (ended = true));
      // At least one step of this session done, so that every round makes progress.
      await waitFor(() => ended || progressStep(run.stderr(), 'pretrain') > 0, 60_000, 'a training step');
      if (kills % 2 === 1 || kills >= KILLS) {
        // During a checkpoint write: as soon as a temporary checkpoint folder appears.
        await waitFor(() => ended || partials(checkpoints).length > 0, 60_000, 'a checkpoint being written', 0);
      } else {
        const target = progressStep(run.stderr(), 'pretrain') + rng.randint(0, 3);
        await waitFor(() => ended || progressStep(run.stderr(), 'pretrain') >= target, 60_000, `step ${target}`);
        await new Promise((r) => setTimeout(r, rng.uniform(0, 40)));
      }
      expect(ended, `the run ended before kill ${kills + 1}: ${run.stderr()}`).toBe(false);
      run.signalGroup('SIGKILL');
      const { signal } = await run.exit;
      expect(signal).toBe('SIGKILL');
      stderr += run.stderr();
      if (partials(checkpoints).length || partials(out).length) leftBehind++;
    }

    console.log(`kill test: ${kills} kills, ${leftBehind} left a partial write behind`);
    const last = await runBert([...args, '--resume']);
    expect(last.status, last.stderr).toBe(0);
    stderr += last.stderr;
    expect(last.stdout).toMatch(/done: \d+ steps/);
    expect(sameBytes(join(out, 'model.safetensors'), join(straight, 'model.safetensors'))).toBe(true);
    expect(trainLosses(out)).toEqual(trainLosses(straight));
    // Killed while writing, a run leaves a partial folder behind; the next start removes it and says so.
    expect(leftBehind).toBeGreaterThan(0);
    expect((stderr.match(/removed (checkpoints\/)?\.?[\w.-]+\.(tmp|old)-\d+-\d+ \(left by process \d+, which is gone\)/g) ?? []).length).toBeGreaterThanOrEqual(
      leftBehind,
    );
    expect(partials(checkpoints)).toEqual([]);
    expect(partials(out)).toEqual([]);
  });
});
