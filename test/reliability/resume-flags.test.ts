/**
 * `--resume` with flags left out: a flag the command line does not give takes the value the run was started
 * with (its checkpoint records it), silently; only flags given count as changes. Before, the CLI passed its
 * declared defaults for every flag left out, so `--resume --out O` after a run started with `--lr 3e-4
 * --batch 4` was refused as another run (batch 32) or moved the learning rate back to the default with a
 * "changed" notice.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { writeSyntheticTask, type SyntheticTaskFiles } from '../../src/data/synthetic-tasks.ts';
import { tinyConfig } from '../train/finetune-helpers.ts';
import { pretrainFixture, sameBytes, tempDir, trainLosses, type PretrainFixture } from './training-helpers.ts';

const root = tempDir('bert-resume-flags-');
let fx: PretrainFixture;
let task: SyntheticTaskFiles;
let taskConfig: string;
beforeAll(() => {
  fx = pretrainFixture(root);
  task = writeSyntheticTask('classification', join(root, 'task'), { train: 40, dev: 12, test: 0 });
  taskConfig = join(root, 'task-config.json');
  writeFileSync(taskConfig, tinyConfig().toJSONString());
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** What `bert` wrote to stderr (progress, notices, errors). */
let printed: string[];
beforeEach(() => {
  printed = [];
  vi.spyOn(console, 'log').mockImplementation(() => {});
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void printed.push(a.join(' ')));
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (printed.push(String(s)), true));
});
afterEach(() => vi.restoreAllMocks());
const errors = () => printed.join('\n');

/** A pretraining run whose every setting differs from the CLI's default (lr, batch, warmup, seed, cadences...). */
function pretrainArgs(out: string, extra: string[] = []): string[] {
  return [
    'pretrain',
    ...['--corpus', fx.corpus, '--vocab', fx.vocab, '--model', fx.config, '--seq-len', '32', '--batch', '4', '--steps', '6'],
    ...['--lr', '3e-4', '--warmup', '1', '--seed', '5', '--clip', '0.5', '--weight-decay', '0.02', '--dupe-factor', '2'],
    ...['--save-every', '1', '--log-every', '1', '--out', out, ...extra],
  ];
}

describe('pretrain --resume with flags left out', () => {
  it('--resume --out alone continues with the run’s values and ends bit-identical to an uninterrupted run', async () => {
    const straight = join(root, 'pretrain-straight');
    expect(await main(pretrainArgs(straight))).toBe(0);
    const out = join(root, 'pretrain-resumed');
    expect(await main(pretrainArgs(out, ['--stop-after', '3']))).toBe(0);
    printed = [];
    expect(await main(['pretrain', '--resume', '--out', out])).toBe(0);
    expect(errors()).toContain(`resumed from ${join(out, 'checkpoints', 'step-0000003')} at step 3`);
    expect(errors()).not.toContain('--resume: continuing from');
    expect(sameBytes(join(out, 'model.safetensors'), join(straight, 'model.safetensors'))).toBe(true);
    expect(trainLosses(out)).toEqual(trainLosses(straight));
  });

  it('a flag given explicitly is a change: --lr with the notice, --batch refused as another run', async () => {
    const out = join(root, 'pretrain-changed');
    expect(await main(pretrainArgs(out, ['--stop-after', '2']))).toBe(0);
    // Naming the run's data and length, and nothing else: the flags left out are no change either.
    printed = [];
    expect(await main(['pretrain', '--resume', '--out', out, '--corpus', fx.corpus, '--steps', '6', '--stop-after', '3'])).toBe(0);
    expect(errors()).toContain('at step 2');
    expect(errors()).not.toContain('--resume: continuing from');
    printed = [];
    expect(await main(['pretrain', '--resume', '--out', out, '--batch', '8'])).toBe(1);
    expect(errors()).toContain('was made with batch = 4, this run asks for 8');
    printed = [];
    expect(await main(['pretrain', '--resume', '--out', out, '--lr', '1e-4', '--stop-after', '4'])).toBe(0);
    expect(errors()).toContain("--resume: continuing from step 3 with lr 0.0003 -> 0.0001 (the run's other options are unchanged)");
    // The next resume leaves --lr out again: it keeps the 1e-4 the run now records, without a notice.
    printed = [];
    expect(await main(['pretrain', '--resume', '--out', out])).toBe(0);
    expect(errors()).toContain('at step 4');
    expect(errors()).not.toContain('--resume: continuing from');
  });
});

describe('finetune --resume with flags left out', () => {
  /** A fine-tuning run from random weights (needs --vocab) with settings other than the defaults. */
  const finetuneArgs = (out: string, extra: string[] = []) => [
    'finetune',
    ...['--task', 'classification', '--init', taskConfig, '--vocab', task.vocab, '--train', task.train, '--dev', task.dev],
    ...['--epochs', '2', '--batch', '4', '--lr', '3e-4', '--max-length', '32', '--seed', '2', '--warmup-ratio', '0.2', '--clip', '0.5'],
    ...['--save-every', '3', '--log-every', '1', '--out', out, ...extra],
  ];

  it('--resume --out alone continues with the run’s values and ends bit-identical to an uninterrupted run', async () => {
    const straight = join(root, 'finetune-straight');
    expect(await main(finetuneArgs(straight))).toBe(0);
    const out = join(root, 'finetune-resumed');
    expect(await main(finetuneArgs(out, ['--stop-after', '7']))).toBe(0);
    printed = [];
    expect(await main(['finetune', '--resume', '--out', out])).toBe(0);
    expect(errors()).toContain(`resumed from ${join(out, 'checkpoints', 'step-0000007')} at step 7`);
    expect(errors()).not.toContain('--resume: continuing from');
    expect(sameBytes(join(out, 'model.safetensors'), join(straight, 'model.safetensors'))).toBe(true);
    expect(trainLosses(out)).toEqual(trainLosses(straight));
  });

  it('a flag given explicitly is a change: --lr with the notice, the flags left out none', async () => {
    const out = join(root, 'finetune-changed');
    expect(await main(finetuneArgs(out, ['--stop-after', '3']))).toBe(0);
    printed = [];
    const named = ['--task', 'classification', '--init', taskConfig, '--train', task.train, '--dev', task.dev];
    expect(await main(['finetune', '--resume', '--out', out, ...named, '--lr', '1e-4'])).toBe(0);
    expect(errors()).toContain("--resume: continuing from step 3 with lr 0.0003 -> 0.0001 (the run's other options are unchanged)");
  });
});
