/**
 * What killed runs leave half-written (checkpoint folders `step-N.tmp-PID-K`, hidden `.file.tmp-PID-K`,
 * a checkpoint moved aside as `step-N.old-PID-K`) is cleaned up on the next start of the same run, with a
 * line saying so; the leftovers of a process still running are not touched.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finetune } from '../../src/train/finetune.ts';
import { pretrain, type PretrainOptions } from '../../src/train/pretrain.ts';
import { writeSyntheticTask } from '../../src/data/synthetic-tasks.ts';
import { tinyConfig } from '../train/finetune-helpers.ts';
import { pretrainFixture, pretrainOptions, tempDir, type PretrainFixture } from './training-helpers.ts';

const root = tempDir('bert-partial-');
let fx: PretrainFixture;
const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120000)'], { stdio: 'ignore' });
beforeAll(() => {
  fx = pretrainFixture(root);
});
afterAll(() => {
  sleeper.kill();
  rmSync(root, { recursive: true, force: true });
});

/** The pid of a process that has ended. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

function options(out: string, lines: string[], extra: Partial<PretrainOptions> = {}): PretrainOptions {
  return pretrainOptions(fx, out, 6, { saveEvery: 3, progressStream: { write: (s: string) => lines.push(s.trim()) }, ...extra });
}

describe('partial writes of killed runs', () => {
  it('are removed when the run starts again, each named; those of a live process stay', async () => {
    const out = join(root, 'run');
    const lines: string[] = [];
    await pretrain(options(out, lines, { stopAfter: 3 }));
    const dead = deadPid();
    const live = sleeper.pid!;
    const ckpt = join(out, 'checkpoints');
    mkdirSync(join(ckpt, `step-0000004.tmp-${dead}-1`));
    writeFileSync(join(ckpt, `step-0000004.tmp-${dead}-1`, 'model.safetensors'), new Uint8Array(1000));
    mkdirSync(join(ckpt, `step-0000004.tmp-${live}-2`));
    mkdirSync(join(ckpt, `step-0000003.old-${dead}-4`)); // step-0000003 exists: this copy is the older one
    writeFileSync(join(out, `.model.safetensors.tmp-${dead}-3`), new Uint8Array(1000));

    lines.length = 0;
    const r = await pretrain(options(out, lines, { resume: true }));
    expect(r.steps).toBe(6);
    expect(lines).toContain(`removed checkpoints/step-0000004.tmp-${dead}-1 (left by process ${dead}, which is gone)`);
    expect(lines).toContain(`removed checkpoints/step-0000003.old-${dead}-4 (left by process ${dead}, which is gone)`);
    expect(lines).toContain(`removed .model.safetensors.tmp-${dead}-3 (left by process ${dead}, which is gone)`);
    expect(readdirSync(ckpt).sort()).toEqual(['step-0000003', `step-0000004.tmp-${live}-2`, 'step-0000006']);
    expect(existsSync(join(out, `.model.safetensors.tmp-${dead}-3`))).toBe(false);
  });

  it('a checkpoint left moved aside by a kill between the two renames of a swap is put back and resumed from', async () => {
    const out = join(root, 'swap');
    const lines: string[] = [];
    await pretrain(options(out, lines, { stopAfter: 3 }));
    const dead = deadPid();
    renameSync(join(out, 'checkpoints', 'step-0000003'), join(out, 'checkpoints', `step-0000003.old-${dead}-9`));
    lines.length = 0;
    const r = await pretrain(options(out, lines, { resume: true }));
    expect(lines).toContain(`restored checkpoints/step-0000003 from checkpoints/step-0000003.old-${dead}-9 (process ${dead} was killed while replacing it)`);
    expect(lines.some((l) => l.startsWith(`resumed from ${join(out, 'checkpoints', 'step-0000003')} at step 3`))).toBe(true);
    expect(r.steps).toBe(6);
  });

  it('fine-tuning cleans up the same way', async () => {
    const files = writeSyntheticTask('classification', join(root, 'task'), { train: 16, dev: 8, test: 0 });
    const out = join(root, 'ft');
    const dead = deadPid();
    mkdirSync(join(out, 'checkpoints', `step-0000001.tmp-${dead}-1`), { recursive: true });
    const lines: string[] = [];
    await finetune({
      task: 'classification',
      init: tinyConfig(),
      vocab: files.vocab,
      train: files.train,
      dev: files.dev,
      out,
      epochs: 1,
      batch: 8,
      maxLength: 32,
      progressStream: { write: (s: string) => lines.push(s.trim()) },
    });
    expect(lines).toContain(`removed checkpoints/step-0000001.tmp-${dead}-1 (left by process ${dead}, which is gone)`);
    expect(existsSync(join(out, 'checkpoints', `step-0000001.tmp-${dead}-1`))).toBe(false);
  });
});
