/**
 * After a NaN stop the advice can be followed: the message names the newest checkpoint whose weights are
 * finite and sane and whose loss was sane (not the last one written, which may hold weights of 1e9), that
 * checkpoint is kept however many bad ones come after it, and `--resume --lr <lower>` continues from it
 * with a printed notice instead of being refused as another run. Fine-tuning refuses NaN starting weights
 * by name instead of blaming the learning rate at step 1.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { writeSyntheticTask } from '../../src/data/synthetic-tasks.ts';
import { createModelForArchitecture } from '../../src/hf/registry.ts';
import { savePretrained } from '../../src/hf/pretrained.ts';
import { latestCheckpoint, listCheckpoints, readCheckpointHealth } from '../../src/train/checkpoint.ts';
import { finetune } from '../../src/train/finetune.ts';
import { NonFiniteLossError, pretrain } from '../../src/train/pretrain.ts';
import { tinyConfig } from '../train/finetune-helpers.ts';
import { pretrainArgs, pretrainFixture, sameBytes, tempDir, trainLosses, type PretrainFixture, pretrainOptions } from './training-helpers.ts';

const root = tempDir('bert-nan-');
let fx: PretrainFixture;
beforeAll(() => {
  fx = pretrainFixture(root);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** What `bert` printed: console.log lines, console.error lines, and progress written to stderr. */
let printed: { out: string[]; err: string[] };
beforeEach(() => {
  printed = { out: [], err: [] };
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void printed.out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void printed.err.push(a.join(' ')));
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (printed.err.push(String(s)), true));
});
afterEach(() => vi.restoreAllMocks());
const errors = () => printed.err.join('\n');

describe('a NaN stop, then --resume with a lower learning rate', () => {
  it('names the last good checkpoint, keeps it, and --resume --lr continues from it to the weights of a run that never diverged', async () => {
    const straight = join(root, 'straight');
    await pretrain(pretrainOptions(fx, straight, 20, { saveEvery: 1, logEvery: 1 }));

    const out = join(root, 'diverged');
    const args = (extra: string[]) => pretrainArgs(fx, out, 20, ['--save-every', '1', '--log-every', '1', ...extra]);
    expect(await main(args(['--stop-after', '4']))).toBe(0);
    // The same run continued at a learning rate of 1e4: the weights blow up, then the loss is NaN.
    expect(await main(args(['--resume', '--lr', '1e4']))).toBe(1);
    expect(errors()).toContain("--resume: continuing from step 4 with lr 0.003 -> 10000 (the run's other options are unchanged)");
    const good = join(out, 'checkpoints', 'step-0000004');
    expect(errors()).toMatch(
      new RegExp(
        `became (NaN|Infinity|-Infinity) at step \\d+.*The last good checkpoint is ${good} \\(step 4: finite weights, a sane loss\\)\\. To continue from it with a lower learning rate, run the same command with --resume --lr 1000 \\(a tenth of now\\) or a longer --warmup\\.`,
      ),
    );
    // Saving every step with two checkpoints kept, the good one survived the bad ones after it.
    const left = listCheckpoints(out);
    expect(left[0].dir).toBe(good);
    expect(left.length).toBeGreaterThan(1);
    for (const c of left.slice(1))
      expect(readCheckpointHealth(c.dir)).toMatchObject({ good: false, problem: expect.stringMatching(/weights up to|its weights gave/) });

    printed.err = [];
    expect(await main(args(['--resume']))).toBe(0);
    expect(errors()).toContain(`--resume: removed ${left.at(-1)!.dir}, newer than the last good checkpoint`);
    // Step 4 was made at 0.003, as this resume asks: nothing changes, so there is no notice.
    expect(errors()).toContain(`resumed from ${good} at step 4`);
    expect(errors()).not.toContain('--resume: continuing from');
    expect(sameBytes(join(out, 'model.safetensors'), join(straight, 'model.safetensors'))).toBe(true);
    expect(trainLosses(out)).toEqual(trainLosses(straight));
  });

  it('a run too fast from its first step keeps no checkpoint as good, though its first weights were finite and below the limit', async () => {
    // At a peak learning rate of 1000 the first step moves every weight by about 1000 (finite, below the
    // 1e4 limit); the loss they give is 1e7, against a first loss of 6: that checkpoint is not good either.
    const out = join(root, 'too-fast');
    const run = pretrain({
      corpus: [fx.corpus],
      vocab: fx.vocab,
      model: fx.config,
      seqLen: 32,
      batch: 8,
      steps: 40,
      lr: 1000,
      warmup: 0,
      seed: 3,
      out,
      saveEvery: 1,
      clip: 1e30,
      progressStream: null,
    });
    await expect(run).rejects.toThrow(NonFiniteLossError);
    await expect(run).rejects.toThrow(
      /No checkpoint with finite weights \(below 10000\) and a sane loss was written; start again with a lower --lr \(e\.g\. 100\)/,
    );
    for (const c of listCheckpoints(out)) expect(readCheckpointHealth(c.dir).good).toBe(false);
  });

  it('fine-tuning: --resume may change the learning rate (printed), not the batch size', async () => {
    const files = writeSyntheticTask('classification', join(root, 'task'), { train: 48, dev: 16, test: 0 });
    const lines: string[] = [];
    const opts = {
      task: 'classification' as const,
      init: tinyConfig(),
      vocab: files.vocab,
      train: files.train,
      dev: files.dev,
      out: join(root, 'ft'),
      epochs: 2,
      batch: 8,
      lr: 2e-3,
      maxLength: 32,
      progressStream: { write: (s: string) => lines.push(s) },
    };
    await finetune({ ...opts, stopAfter: 5 });
    await expect(finetune({ ...opts, batch: 4, resume: true })).rejects.toThrow(/made with batch = 8, this run asks for 4/);
    const r = await finetune({ ...opts, lr: 5e-4, resume: true });
    expect(r.finished).toBe(true);
    expect(lines.join('')).toContain('--resume: continuing from step 5 with lr 0.002 -> 0.0005');
    expect(JSON.parse(readFileSync(join(latestCheckpoint(opts.out)!.dir, 'trainer_state.json'), 'utf8')).options.lr).toBe(5e-4);
  });
});

describe('fine-tuning from NaN weights', () => {
  it('is refused at load time, naming the tensors, not blamed on the learning rate', async () => {
    const files = writeSyntheticTask('classification', join(root, 'nan-task'), { train: 16, dev: 8, test: 0 });
    const model = createModelForArchitecture('BertForPreTraining', tinyConfig(), { seed: 1 });
    const params = new Map(model.namedParameters());
    (params.get('bert.encoder.layer.0.attention.self.query.weight')!.data as Float32Array)[7] = NaN;
    const bias = params.get('bert.encoder.layer.1.output.dense.bias')!.data as Float32Array;
    bias[0] = Infinity;
    bias[1] = -Infinity;
    const init = join(root, 'nan-model');
    await savePretrained(model, init, { extraFiles: { 'vocab.txt': readFileSync(files.vocab, 'utf8') } });
    const code = await main([
      'finetune',
      '--task',
      'classification',
      '--init',
      init,
      '--train',
      files.train,
      '--dev',
      files.dev,
      '--out',
      join(root, 'nan-out'),
      '--epochs',
      '1',
      '--batch',
      '8',
    ]);
    expect(code).toBe(1);
    expect(errors()).toContain(
      `bert finetune: --init ${init}: 2 weight tensors hold NaN or infinite values: bert.encoder.layer.0.attention.self.query.weight (1 NaN of 1024), bert.encoder.layer.1.output.dense.bias (2 infinite of 32).`,
    );
    expect(errors()).not.toMatch(/learning rate|--lr/);
  });
});
