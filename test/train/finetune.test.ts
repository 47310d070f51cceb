/**
 * Fine-tuning end to end on generated data with a tiny model (hidden 32): a classifier learns an easy task,
 * token classification and QA run through with a falling loss, the saved model reloads with the same
 * predictions, a resumed run equals the uninterrupted one bit for bit, and early stopping stops.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPretrained, savePretrained } from '../../src/hf/pretrained.ts';
import { BertForPreTraining } from '../../src/bert/pretraining.ts';
import { syntheticTaskVocab } from '../../src/data/synthetic-tasks.ts';
import { loadSafetensors } from '../../src/io/safetensors.ts';
import { finetune, type FinetuneOptions } from '../../src/train/finetune.ts';
import { evaluateTaskModel, loadTaskModel } from '../../src/train/evaluate-task.ts';
import { predictTaskModel } from '../../src/train/predict.ts';
import { MetricsLog } from '../../src/train/metrics-log.ts';
import { latestCheckpoint } from '../../src/train/checkpoint.ts';
import { taskFiles, tempDir, tinyConfig } from './finetune-helpers.ts';

const root = tempDir('finetune-');
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Train records of metrics.jsonl, in order. */
function trainLosses(out: string): number[] {
  return new MetricsLog(join(out, 'metrics.jsonl'))
    .read()
    .filter((r) => r.split === 'train')
    .map((r) => r.loss as number);
}

describe('finetune: classification', () => {
  const out = join(root, 'cls');
  let result: Awaited<ReturnType<typeof finetune>>;
  let files: ReturnType<typeof taskFiles>;
  beforeAll(async () => {
    // Sentiment without negation: the adjective alone decides, which a tiny model learns in a few epochs.
    files = taskFiles(root, 'classification', { train: 240, dev: 60, test: 60 }, { negation: 0 });
    result = await finetune({
      task: 'classification',
      init: tinyConfig(),
      vocab: files.vocab,
      train: files.train,
      dev: files.dev,
      test: files.test,
      out,
      epochs: 5,
      batch: 8,
      lr: 3e-3,
      maxLength: 32,
      progressStream: null,
    });
  });

  it('learns the task to high dev and test accuracy', () => {
    expect(result.finished).toBe(true);
    expect(result.steps).toBe(5 * 30);
    expect(result.best!.metric).toBe('accuracy');
    expect(result.best!.value).toBeGreaterThanOrEqual(0.95);
    expect(result.test!.metrics.accuracy).toBeGreaterThanOrEqual(0.9);
    // The loss falls to under a third: the mean of the last 5 logged batches against the first 5 (one batch
    // of 8 alone moves by tens of percent from the next).
    const losses = trainLosses(out);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(losses.length).toBeGreaterThanOrEqual(10);
    expect(mean(losses.slice(-5))).toBeLessThan(mean(losses.slice(0, 5)) / 3);
  });

  it('writes a model directory transformers can load: config with architectures and labels, weights, vocab, label names', () => {
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config.architectures).toEqual(['BertForSequenceClassification']);
    expect(config.id2label).toEqual({ 0: 'negative', 1: 'neutral', 2: 'positive' });
    expect(config.label2id).toEqual({ negative: 0, neutral: 1, positive: 2 });
    expect(config.problem_type).toBe('single_label_classification');
    expect(config.model_type).toBe('bert');
    expect(readFileSync(join(out, 'labels.txt'), 'utf8')).toBe('negative\nneutral\npositive\n');
    expect(JSON.parse(readFileSync(join(out, 'tokenizer_config.json'), 'utf8')).do_lower_case).toBe(true);
    for (const f of ['model.safetensors', 'vocab.txt', 'metrics.jsonl', 'curves.svg', 'dev_results.json', 'test_results.json'])
      expect(existsSync(join(out, f))).toBe(true);
    const model = loadPretrained(out, { strict: true, onWarning: () => {} });
    expect(model.architecture).toBe('BertForSequenceClassification');
  });

  it('the saved model reloads and reproduces the best dev and the test scores exactly', () => {
    const tm = loadTaskModel(out);
    const dev = evaluateTaskModel(tm, files.dev);
    expect(dev.scores.metrics).toEqual(result.best!.metrics);
    const test = evaluateTaskModel(tm, files.test);
    expect(test.scores.metrics).toEqual(result.test!.metrics);
    expect(test.confusion!.labels).toEqual(['negative', 'neutral', 'positive']);
    expect(test.confusion!.svg.startsWith('<svg')).toBe(true);
    // predict: one row per example, the argmax label, probabilities summing to 1, agreeing with evaluate.
    const rows = predictTaskModel(tm, files.test);
    expect(rows).toHaveLength(60);
    const gold = readFileSync(files.test, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split('\t')[1]);
    const correct = rows.filter((r, i) => r.label === gold[i]).length;
    expect(correct / 60).toBe(test.scores.metrics.accuracy);
    const p = rows[0].probabilities as Record<string, number>;
    expect(Object.values(p).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });
});

describe('finetune: resume', () => {
  it('a run stopped mid-epoch and resumed ends with the same weights, bit for bit, as the uninterrupted run', async () => {
    const files = taskFiles(root, 'token-classification', { train: 48, dev: 16, test: 8 }, { tag: 'resume' });
    const opts = (out: string): FinetuneOptions => ({
      task: 'token-classification',
      init: tinyConfig(),
      vocab: files.vocab,
      train: files.train,
      dev: files.dev,
      out,
      epochs: 3,
      batch: 10,
      lr: 2e-3,
      maxLength: 32,
      progressStream: null,
      evalEvery: 4,
      logEvery: 3,
    });
    const a = join(root, 'resume-a');
    const b = join(root, 'resume-b');
    const full = await finetune(opts(a));
    expect(full.steps).toBe(15);
    const part = await finetune({ ...opts(b), stopAfter: 7 });
    expect(part.finished).toBe(false);
    expect(latestCheckpoint(b)!.step).toBe(7);
    const resumed = await finetune({ ...opts(b), resume: true });
    expect(resumed.steps).toBe(15);
    expect(resumed.best).toEqual(full.best);
    const bytes = (dir: string, f: string) => readFileSync(join(dir, f));
    expect(bytes(b, 'checkpoints/step-0000015/model.safetensors').equals(bytes(a, 'checkpoints/step-0000015/model.safetensors'))).toBe(true);
    expect(bytes(b, 'checkpoints/step-0000015/optimizer.safetensors').equals(bytes(a, 'checkpoints/step-0000015/optimizer.safetensors'))).toBe(true);
    expect(bytes(b, 'model.safetensors').equals(bytes(a, 'model.safetensors'))).toBe(true);
    const strip = (dir: string) => new MetricsLog(join(dir, 'metrics.jsonl')).read();
    expect(strip(b)).toEqual(strip(a));
    // A resume with another batch size or seed is refused by name (the learning rate may change: test/reliability).
    await expect(finetune({ ...opts(b), batch: 8, resume: true })).rejects.toThrow(/batch = 10, this run asks for 8/);
    await expect(finetune({ ...opts(b), seed: 1, resume: true })).rejects.toThrow(/seed = 0, this run asks for 1/);
    // Padding to a multiple changes dropout's draws, so it is part of the run's identity too.
    await expect(finetune({ ...opts(b), padMultiple: 16, resume: true })).rejects.toThrow(/padMultiple = null, this run asks for 16/);
    await expect(finetune({ ...opts(b), adamEps: 1e-8, resume: true })).rejects.toThrow(/adamEps = null, this run asks for 1e-8/);
    await expect(finetune({ ...opts(b), resume: true, dropoutMasks: 'counter' })).rejects.toThrow(/dropoutMasks = "stream", this run asks for "counter"/);
    await expect(finetune({ ...opts(join(root, 'eps-0')), adamEps: 0 })).rejects.toThrow('--adam-eps must be in (0, 1), got 0');
  });

  it('--pad-multiple pads training batches (a different, equally valid run) and is checked', async () => {
    const files = taskFiles(root, 'token-classification', { train: 20, dev: 8, test: 4 }, { tag: 'pad' });
    const opts = (out: string, padMultiple?: number): FinetuneOptions => ({
      task: 'token-classification',
      init: tinyConfig(),
      vocab: files.vocab,
      train: files.train,
      dev: files.dev,
      out,
      epochs: 1,
      batch: 10,
      lr: 2e-3,
      maxLength: 32,
      progressStream: null,
      logEvery: 1,
      padMultiple,
    });
    await finetune(opts(join(root, 'pad-1')));
    await finetune(opts(join(root, 'pad-16'), 16));
    const losses = (dir: string) =>
      new MetricsLog(join(dir, 'metrics.jsonl'))
        .read()
        .filter((r) => r.split === 'train')
        .map((r) => r.loss);
    expect(losses(join(root, 'pad-16'))).toHaveLength(2);
    expect(losses(join(root, 'pad-16'))).not.toEqual(losses(join(root, 'pad-1'))); // dropout drew for the padding too
    await expect(finetune(opts(join(root, 'pad-0'), 0))).rejects.toThrow('--pad-multiple must be a positive integer, got 0');
  });
});

describe('finetune: other tasks end to end', () => {
  it('token classification: the loss falls and entity F1 is computed', async () => {
    const files = taskFiles(root, 'token-classification', { train: 120, dev: 30, test: 20 });
    const out = join(root, 'ner');
    const r = await finetune({
      task: 'token-classification',
      init: tinyConfig(),
      vocab: files.vocab,
      train: files.train,
      dev: files.dev,
      test: files.test,
      out,
      epochs: 3,
      batch: 16,
      lr: 3e-3,
      maxLength: 32,
      progressStream: null,
    });
    const losses = trainLosses(out);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] / 2);
    expect(r.best!.metric).toBe('f1');
    expect(r.best!.value).toBeGreaterThan(0.5);
    expect(Object.keys(r.test!.metrics)).toEqual(['f1', 'precision', 'recall', 'token_accuracy', 'loss']);
    const rows = predictTaskModel(loadTaskModel(out), files.test);
    expect(rows).toHaveLength(20);
    expect((rows[0].tags as string[]).length).toBe((rows[0].words as string[]).length);
  });

  it('question answering: the loss falls and SQuAD EM / F1 are computed', async () => {
    const files = taskFiles(root, 'question-answering', { train: 100, dev: 20, test: 10 });
    const out = join(root, 'qa');
    const r = await finetune({
      task: 'question-answering',
      init: tinyConfig(),
      vocab: files.vocab,
      train: files.train,
      dev: files.dev,
      test: files.test,
      out,
      epochs: 3,
      batch: 16,
      lr: 3e-3,
      maxLength: 64,
      qa: { stride: 16 },
      progressStream: null,
    });
    const losses = trainLosses(out);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] * 0.8);
    expect(r.best!.metric).toBe('f1');
    expect(r.test!.metrics.exact_match).toBeGreaterThanOrEqual(0);
    expect(r.test!.metrics.f1).toBeLessThanOrEqual(100);
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).architectures).toEqual(['BertForQuestionAnswering']);
    const rows = predictTaskModel(loadTaskModel(out), files.test);
    expect(rows.map((x) => x.id)).toEqual(Array.from({ length: 10 }, (_, i) => `q${i}`));
    expect(typeof rows[0].answer).toBe('string');
  });

  it('regression and multiple choice run and score (Spearman, accuracy)', async () => {
    const reg = taskFiles(root, 'regression', { train: 32, dev: 12, test: 4 });
    const r1 = await finetune({
      task: 'regression',
      init: tinyConfig(),
      vocab: reg.vocab,
      train: reg.train,
      dev: reg.dev,
      out: join(root, 'reg'),
      epochs: 1,
      batch: 16,
      lr: 1e-3,
      maxLength: 32,
      progressStream: null,
    });
    expect(r1.best!.metric).toBe('spearman');
    expect(Object.keys(r1.best!.metrics)).toEqual(['spearman', 'pearson', 'mse', 'loss']);
    expect(JSON.parse(readFileSync(join(root, 'reg', 'config.json'), 'utf8'))).toMatchObject({ problem_type: 'regression', id2label: { 0: 'LABEL_0' } });
    const mc = taskFiles(root, 'multiple-choice', { train: 24, dev: 8, test: 4 });
    const r2 = await finetune({
      task: 'multiple-choice',
      init: tinyConfig(),
      vocab: mc.vocab,
      train: mc.train,
      dev: mc.dev,
      out: join(root, 'mc'),
      epochs: 1,
      batch: 8,
      lr: 1e-3,
      maxLength: 32,
      progressStream: null,
    });
    expect(r2.best!.metric).toBe('accuracy');
    expect(r2.steps).toBe(3);
    const rows = predictTaskModel(loadTaskModel(join(root, 'mc')), mc.test);
    expect((rows[0].probabilities as number[]).length).toBe(4);
  });
});

describe('finetune: early stopping', () => {
  it('stops after `patience` epochs without a better dev metric, and keeps the best weights', async () => {
    const files = taskFiles(root, 'classification', { train: 40, dev: 20, test: 4 }, { tag: 'patience' });
    // A learning rate this small leaves the dev accuracy where epoch 1 put it.
    const r = await finetune({
      task: 'classification',
      init: tinyConfig(),
      vocab: files.vocab,
      train: files.train,
      dev: files.dev,
      out: join(root, 'patience'),
      epochs: 6,
      batch: 20,
      lr: 1e-9,
      maxLength: 32,
      patience: 2,
      progressStream: null,
    });
    expect(r.stoppedEarly).toBe(true);
    expect(r.finished).toBe(true);
    expect(r.epochs).toBe(3);
    expect(r.steps).toBe(6);
    expect(r.best!.epoch).toBe(1);
  });
});

describe('finetune: from a pretrained checkpoint', () => {
  it('loads the encoder from --init DIR, adds a new head, and takes the casing from tokenizer_config.json', async () => {
    const vocabText = syntheticTaskVocab();
    const size = vocabText.trim().split('\n').length;
    const pretrained = join(root, 'pretrained');
    const source = new BertForPreTraining(tinyConfig().with({ vocabSize: size }), { seed: 7 });
    await savePretrained(source, pretrained, { extraFiles: { 'vocab.txt': vocabText, 'tokenizer_config.json': '{"do_lower_case": false}\n' } });
    const files = taskFiles(root, 'classification', { train: 20, dev: 10, test: 4 }, { tag: 'pretrained' });
    const out = join(root, 'from-pretrained');
    const log: string[] = [];
    // A vanishing learning rate: the saved weights are the loaded ones (up to ~1e-12 updates).
    await finetune({
      task: 'classification',
      init: pretrained,
      train: files.train,
      dev: files.dev,
      out,
      epochs: 1,
      batch: 10,
      lr: 1e-12,
      maxLength: 32,
      progressStream: { write: (s: string) => log.push(s) },
    });
    expect(log.join('')).toMatch(
      /newly initialised classifier\.weight, classifier\.bias; unused from the checkpoint: \d+ tensors \(cls\.predictions\.\* \(\d+\), cls\.seq_relationship\.\* \(2\)\)/,
    );
    const before = loadSafetensors(join(pretrained, 'model.safetensors'));
    const after = loadSafetensors(join(out, 'model.safetensors'));
    const names = after.names();
    expect(names).toContain('classifier.weight');
    expect(names.some((n) => n.startsWith('cls.'))).toBe(false);
    for (const name of names.filter((n) => n.startsWith('bert.'))) {
      const a = after.toFloat32(name);
      const b = before.toFloat32(name);
      let diff = 0;
      for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i] - b[i]));
      expect(diff, name).toBeLessThan(1e-9);
    }
    expect(JSON.parse(readFileSync(join(out, 'finetune.json'), 'utf8')).lowercase).toBe(false);
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).vocab_size).toBe(size);
  });
});
