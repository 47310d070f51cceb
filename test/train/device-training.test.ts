/**
 * Training with the weights on a device (the gpujs-webgpu path, run here through the same device worker in
 * gpu.js's webasm mode): `pretrain` and `finetune` put the parameters on the active backend's device (the
 * optimizer keeps them there: test/accel/device-tensors.test.ts), and the runs' losses equal the cpu
 * backend's to float32 rounding. Both sides make dropout masks with the counter generator (dropoutMasks 'counter';
 * a device's default, while the cpu backend's default is the stream): the same masks, so the same losses.
 * (Question answering's ops are covered op by op in device-tensors.test.ts;
 * its batches of many lengths would compile many kernels here.)
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerDeviceBackend, releaseDeviceBackend } from '../../src/accel/gpujs/webgpu-backend.ts';
import { activeDevice, setBackend } from '../../src/index.ts';
import { generateSyntheticCorpus } from '../../src/data/synthetic-corpus.ts';
import { finetune, type FinetuneOptions } from '../../src/train/finetune.ts';
import { MetricsLog } from '../../src/train/metrics-log.ts';
import { pretrain, type PretrainOptions } from '../../src/train/pretrain.ts';
import { taskFiles, tinyConfig } from './finetune-helpers.ts';

let dir: string;
let backend = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bert-device-train-'));
  writeFileSync(join(dir, 'train.txt'), generateSyntheticCorpus({ documents: 60, seed: 1 }));
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({ hidden_size: 32, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 64, max_position_embeddings: 64 }),
  );
  backend = registerDeviceBackend('webasm', 'device-training-test');
});

afterAll(async () => {
  setBackend('cpu');
  if (backend) await releaseDeviceBackend(backend);
});

function options(out: string, extra: Partial<PretrainOptions> = {}): PretrainOptions {
  return {
    corpus: [join(dir, 'train.txt')],
    vocabSize: 120,
    model: join(dir, 'config.json'),
    seqLen: 24,
    batch: 4,
    steps: 3,
    lr: 3e-3,
    warmup: 1,
    out,
    seed: 4,
    saveEvery: 100,
    logEvery: 1,
    progressStream: null,
    dropoutMasks: 'counter',
    ...extra,
  };
}

function losses(out: string): number[] {
  return new MetricsLog(join(out, 'metrics.jsonl'))
    .read()
    .filter((r) => r.split === 'train')
    .map((r) => r.loss as number);
}

describe('training with the weights on a device', () => {
  it('puts the weights on the device and gives the cpu backend losses to float32 rounding', async () => {
    setBackend('cpu');
    const cpuOut = join(dir, 'cpu');
    await pretrain(options(cpuOut));

    setBackend(backend);
    expect(activeDevice()).not.toBeNull();
    const deviceOut = join(dir, 'device');
    let said = '';
    const progressStream = { write: (s: string) => ((said += s), true) } as unknown as NodeJS.WritableStream;
    await pretrain(options(deviceOut, { progressStream }));
    expect(said).toContain(`weights on device ${backend}`);
    setBackend('cpu');

    const expected = losses(cpuOut);
    const found = losses(deviceOut);
    expect(expected.length).toBe(3);
    expect(found.length).toBe(3);
    found.forEach((v, i) => expect(Math.abs(v - expected[i])).toBeLessThanOrEqual(1e-4 * Math.abs(expected[i])));
  });

  it.each(['classification', 'token-classification'] as const)(
    'fine-tuning (%s) with the weights on the device gives the cpu backend losses and dev score',
    async (task) => {
      const files = taskFiles(dir, task, { train: 24, dev: 8, test: 4 }, { tag: 'device' });
      const opts = (out: string): FinetuneOptions => ({
        task,
        init: tinyConfig(),
        vocab: files.vocab,
        train: files.train,
        dev: files.dev,
        out,
        epochs: 1,
        batch: 8,
        lr: 3e-3,
        maxLength: 32,
        progressStream: null,
        logEvery: 1,
        dropoutMasks: 'counter',
      });
      setBackend('cpu');
      const cpu = await finetune(opts(join(dir, `ft-cpu-${task}`)));
      setBackend(backend);
      const onDevice = await finetune(opts(join(dir, `ft-device-${task}`)));
      setBackend('cpu');
      const expected = losses(join(dir, `ft-cpu-${task}`));
      const found = losses(join(dir, `ft-device-${task}`));
      expect(expected.length).toBe(3);
      expect(found.length).toBe(3);
      found.forEach((v, i) => expect(Math.abs(v - expected[i])).toBeLessThanOrEqual(1e-4 * Math.abs(expected[i])));
      expect(Math.abs(onDevice.best!.value - cpu.best!.value)).toBeLessThanOrEqual(1e-4);
    },
  );
});
