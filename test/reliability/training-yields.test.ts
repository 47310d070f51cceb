/**
 * A training loop never holds the event loop for more than a step: pretrain() and finetune() yield between
 * steps with or without a signal, so whoever hosts them (a test runner's worker answering its parent within
 * its RPC timeout, a page's worker, a server) keeps answering. Measured with a timer chain: a zero-delay
 * timeout that re-arms itself fires between steps only if the loop yields there.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticTask } from '../../src/data/synthetic-tasks.ts';
import { finetune } from '../../src/train/finetune.ts';
import { pretrain } from '../../src/train/pretrain.ts';
import { tinyConfig } from '../train/finetune-helpers.ts';
import { pretrainFixture, pretrainOptions, tempDir, type PretrainFixture } from './training-helpers.ts';

const root = tempDir('bert-yields-');
let fx: PretrainFixture;
beforeAll(() => {
  fx = pretrainFixture(root);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Run `work` while a zero-delay timer re-arms itself; returns how many times the timer fired meanwhile. */
async function timerTicksDuring(work: () => Promise<unknown>): Promise<number> {
  let ticks = 0;
  let running = true;
  const tick = () => {
    if (!running) return;
    ticks++;
    setTimeout(tick, 0);
  };
  setTimeout(tick, 0);
  await work();
  running = false;
  return ticks;
}

describe('training loops yield between steps', () => {
  it('pretrain without a signal: the timer fires about once a step', async () => {
    const steps = 40;
    const ticks = await timerTicksDuring(() => pretrain(pretrainOptions(fx, join(root, 'pretrain'), steps, { saveEvery: 1000 })));
    expect(ticks).toBeGreaterThanOrEqual(steps - 1);
  });

  it('finetune without a signal: the timer fires about once a step', async () => {
    const files = writeSyntheticTask('classification', join(root, 'task'), { train: 80, dev: 16, test: 16 }, { negation: 0 });
    const result = { steps: 0 };
    const ticks = await timerTicksDuring(async () => {
      const r = await finetune({
        task: 'classification',
        init: tinyConfig(),
        vocab: files.vocab,
        train: files.train,
        dev: files.dev,
        out: join(root, 'finetune'),
        epochs: 2,
        batch: 8,
        lr: 3e-3,
        maxLength: 32,
        saveEvery: 1000,
        progressStream: null,
      });
      result.steps = r.steps;
    });
    expect(result.steps).toBe(20);
    expect(ticks).toBeGreaterThanOrEqual(result.steps - 1);
  });
});
