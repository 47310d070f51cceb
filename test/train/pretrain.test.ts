/**
 * The pretraining loop end to end on a few generated stories with a very small model: it learns,
 * an interrupted run resumed from its checkpoint equals the uninterrupted run bit for bit (cpu backend),
 * a diverging run stops with a clear message and marks its diverged checkpoints as not good, and the final model
 * loads for fill-mask.
 */
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateSyntheticCorpus } from '../../src/data/synthetic-corpus.ts';
import { fillMask, loadMaskedLM } from '../../src/train/fill-mask.ts';
import { MetricsLog } from '../../src/train/metrics-log.ts';
import { latestCheckpoint } from '../../src/train/checkpoint.ts';
import { pretrain, NonFiniteLossError, type PretrainOptions } from '../../src/train/pretrain.ts';

let dir: string;
let corpus: string;
let evalCorpus: string;
let config: string;
let vocab: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bert-pretrain-'));
  corpus = join(dir, 'train.txt');
  evalCorpus = join(dir, 'eval.txt');
  config = join(dir, 'config.json');
  writeFileSync(corpus, generateSyntheticCorpus({ documents: 120, seed: 1 }));
  writeFileSync(evalCorpus, generateSyntheticCorpus({ documents: 20, seed: 2 }));
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
});

function base(out: string, extra: Partial<PretrainOptions> = {}): PretrainOptions {
  return {
    corpus: [corpus],
    vocab: extra.vocab ?? vocab,
    model: config,
    seqLen: 32,
    batch: 8,
    steps: 8,
    lr: 3e-3,
    warmup: 2,
    out,
    seed: 3,
    saveEvery: 4,
    progressStream: null,
    ...extra,
  };
}

describe('pretrain', () => {
  it('trains a vocabulary when none is given, learns, and writes a model fill-mask can load', async () => {
    const out = join(dir, 'first');
    const result = await pretrain({
      ...base(out, { vocab: undefined }),
      vocabSize: 200,
      steps: 80,
      batch: 16,
      lr: 5e-3,
      warmup: 8,
      evalCorpus: [evalCorpus],
      evalEvery: 40,
      saveEvery: 80,
    });
    vocab = join(out, 'vocab.txt');
    expect(readFileSync(vocab, 'utf8').split('\n')[0]).toBe('[PAD]');
    const evals = new MetricsLog(join(out, 'metrics.jsonl')).read().filter((r) => r.split === 'eval');
    expect(evals.map((r) => r.step)).toEqual([0, 40, 80]);
    // Within 80 steps held-out masked-LM accuracy rises from chance (1/vocab = 0.5%) to over ten times
    // chance, and the held-out MLM loss (ln 200 = 5.3 at the start) drops by more than half a nat.
    expect(evals[0].mlm_accuracy as number).toBeLessThan(0.02);
    expect(result.lastEval!.mlmAccuracy).toBeGreaterThan(10 / 200);
    expect((evals[0].mlm_loss as number) - result.lastEval!.mlmLoss).toBeGreaterThan(0.5);
    expect(existsSync(join(out, 'curves.svg'))).toBe(true);
    for (const f of ['config.json', 'model.safetensors', 'vocab.txt']) expect(existsSync(join(out, f))).toBe(true);
    const { model, tokenizer } = loadMaskedLM(out);
    const [p] = fillMask(model, tokenizer, 'the cow likes to eat [MASK] .', 3);
    expect(p.candidates).toHaveLength(3);
    expect(p.candidates[0].probability).toBeGreaterThan(p.candidates[2].probability);
  });

  it('an interrupted run resumed from its checkpoint ends with exactly the weights of the uninterrupted run', async () => {
    const straight = join(dir, 'straight');
    const interrupted = join(dir, 'interrupted');
    await pretrain(base(straight));
    const stopped = await pretrain(base(interrupted, { stopAfter: 4 }));
    expect(stopped.steps).toBe(4);
    expect(existsSync(join(interrupted, 'model.safetensors'))).toBe(false); // no final model before the run's end
    const resumed = await pretrain(base(interrupted, { resume: true }));
    expect(resumed.steps).toBe(8);
    const a = readFileSync(join(straight, 'model.safetensors'));
    const b = readFileSync(join(interrupted, 'model.safetensors'));
    expect(Buffer.compare(a, b)).toBe(0);
    // The metrics log describes one consistent run.
    const trainSteps = (d: string) =>
      new MetricsLog(join(d, 'metrics.jsonl'))
        .read()
        .filter((r) => r.split === 'train')
        .map((r) => [r.step, r.loss]);
    expect(trainSteps(interrupted)).toEqual(trainSteps(straight));
    // A checkpoint from before the dropout masks were recorded (no dropoutMasks option) used the stream,
    // and resumes as such.
    const legacy = join(dir, 'legacy');
    await pretrain(base(legacy, { stopAfter: 4 }));
    const statePath = join(latestCheckpoint(legacy)!.dir, 'trainer_state.json');
    const state = JSON.parse(readFileSync(statePath, 'utf8'));
    expect(state.options.dropoutMasks).toBe('stream');
    delete state.options.dropoutMasks;
    writeFileSync(statePath, JSON.stringify(state));
    await pretrain(base(legacy, { resume: true }));
    expect(Buffer.compare(readFileSync(join(legacy, 'model.safetensors')), a)).toBe(0);
  });

  it('refuses to resume a run with different options, naming the option', async () => {
    const out = join(dir, 'interrupted');
    await expect(pretrain(base(out, { resume: true, batch: 4 }))).rejects.toThrow(/made with batch = 8, this run asks for 4/);
    await expect(pretrain(base(out, { resume: true, seed: 4 }))).rejects.toThrow(/made with seed = 3, this run asks for 4/);
    await expect(pretrain(base(join(dir, 'nothing-here'), { resume: true }))).rejects.toThrow(/no checkpoint in .* to resume from/);
    // How dropout masks are made is part of the run: the cpu backend's default is the stream.
    await expect(pretrain(base(out, { resume: true, dropoutMasks: 'counter' }))).rejects.toThrow(
      /made with dropoutMasks = "stream", this run asks for "counter"/,
    );
  });

  it('stops with a clear message when the loss stops being finite, and keeps no diverged checkpoint as good', async () => {
    const out = join(dir, 'diverge');
    // A learning rate of 1e12 sends the weights to 1e12 at the first step and the loss to NaN soon after: no
    // checkpoint of this run is a place to continue from (test/reliability/training-nan.test.ts has a run
    // with good checkpoints before its divergence).
    const run = pretrain(base(out, { lr: 1e12, warmup: 0, steps: 40, saveEvery: 1, clip: 1e30 }));
    await expect(run).rejects.toThrow(NonFiniteLossError);
    await expect(pretrain(base(join(dir, 'diverge2'), { lr: 1e12, warmup: 0, steps: 40, saveEvery: 1, clip: 1e30 }))).rejects.toThrow(
      /became (NaN|Infinity|-Infinity) at step \d+.*No checkpoint with finite weights \(below 10000\) and a sane loss was written; start again with a lower --lr/s,
    );
    const last = latestCheckpoint(out);
    expect(last).not.toBeNull();
    const state = JSON.parse(readFileSync(join(last!.dir, 'trainer_state.json'), 'utf8'));
    expect(state.step).toBe(last!.step);
    expect(state.health.good).toBe(false);
    await expect(pretrain(base(out, { resume: true, lr: 1e-3 }))).rejects.toThrow(
      /--resume: no checkpoint in .* can be resumed from \(.*step-\d+: (weights up to|its weights gave)/,
    );
  });

  it('reports bad options before doing any work', async () => {
    await expect(pretrain(base(join(dir, 'bad'), { steps: 0 }))).rejects.toThrow(/--steps must be a positive integer, got 0/);
    await expect(pretrain(base(join(dir, 'bad'), { model: 'enormous' }))).rejects.toThrow(/neither a preset .* nor a config.json file/);
    await expect(pretrain(base(join(dir, 'bad'), { evalDupeFactor: 0 }))).rejects.toThrow(/--eval-dupe-factor must be a positive integer, got 0/);
    await expect(pretrain(base(join(dir, 'bad'), { steps: 4, warmup: 5 }))).rejects.toThrow(/--warmup must be an integer from 0 to --steps \(4\), got 5/);
  });

  it('--eval-dupe-factor makes a larger evaluation set from the same held-out documents', async () => {
    const evaluated = async (evalDupeFactor: number) => {
      const r = await pretrain(
        base(join(dir, `eval-dupe-${evalDupeFactor}`), {
          steps: 1,
          warmup: 0,
          saveEvery: 1,
          evalCorpus: [evalCorpus],
          evalEvery: 1,
          evalDupeFactor,
          evalInstances: 100_000,
        }),
      );
      return r.lastEval!.instances;
    };
    const one = await evaluated(1);
    const three = await evaluated(3);
    // Three passes, each cutting the documents anew: about three times the instances.
    expect(one).toBeGreaterThan(0);
    expect(three).toBeGreaterThan(2.5 * one);
    expect(three).toBeLessThan(3.5 * one);
  });
});
