/**
 * The playground's session (web/src/session.ts) in Node: the files it saves are a checkpoint the CLI's
 * loader reads (config.json, model.safetensors, vocab.txt), answering fill-mask as the session did; and
 * loading them back into a session gives the same answers.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BertForSequenceClassification } from '../../src/bert/classification.ts';
import { modelTensors } from '../../src/hf/pretrained.ts';
import { encodeSafetensors } from '../../src/io/safetensors-write.ts';
import { fillMask, loadMaskedLM } from '../../src/train/fill-mask.ts';
import { PretrainSession } from '../../web/src/session.ts';

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

describe('playground session', () => {
  it('saves a checkpoint that loadMaskedLM (bert fill-mask) and PretrainSession.load read back with the same answers', () => {
    const session = PretrainSession.create({ seed: 3, documents: 60, backend: 'cpu', batch: 8 });
    const first = session.trainOne();
    expect(first.mlmLoss).toBeGreaterThan(0);
    session.trainOne();
    const prompt = 'the cow likes to eat [MASK] .';
    const expected = session.fillMask(prompt, 5);
    const files = session.save();
    const dir = mkdtempSync(join(tmpdir(), 'web-session-'));
    try {
      for (const [name, data] of Object.entries(files)) writeFileSync(join(dir, name), data);
      const { model, tokenizer } = loadMaskedLM(dir);
      expect(fillMask(model, tokenizer, prompt, 5)).toEqual(expected);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const loaded = PretrainSession.load({ config: files['config.json'], weights: files['model.safetensors'], vocab: files['vocab.txt'] }, 'cpu');
    expect(loaded.fillMask(prompt, 5)).toEqual(expected);
    expect(loaded.canTrain).toBe(false);
    expect(() => loaded.trainOne()).toThrow('cannot be trained here');
  });

  it('classifies a pair with a loaded BertForSequenceClassification: its logits, softmax probabilities and id2label names', () => {
    const base = PretrainSession.create({ seed: 1, documents: 40, backend: 'cpu', batch: 4 });
    const config = base.model.config.with({ architectures: ['BertForSequenceClassification'], id2label: { 0: 'no', 1: 'yes', 2: 'maybe' } });
    const model = new BertForSequenceClassification(config, { seed: 5 });
    const weights = concat(encodeSafetensors(modelTensors(model), { format: 'pt' }));
    const files = { config: config.toJSONString(), weights, vocab: base.tokenizer.vocab.toText() };
    const loaded = PretrainSession.load(files, 'cpu');
    const c = loaded.classify('the cow eats grass .', 'it lives on the farm .');
    const raw = loaded.rawLogits('the cow eats grass .', 'it lives on the farm .');
    expect(raw.head).toBe('logits');
    expect(raw.shape).toEqual([1, 3]);
    expect(c.tokens).toEqual(raw.tokens);
    expect(c.tokens.filter((t) => t === '[SEP]')).toHaveLength(2);
    expect(c.labels.map((l) => l.label).sort()).toEqual(['maybe', 'no', 'yes']);
    const byName = Object.fromEntries(c.labels.map((l) => [l.label, l]));
    expect([byName.no!.logit, byName.yes!.logit, byName.maybe!.logit]).toEqual(raw.values);
    const e = raw.values.map((v) => Math.exp(v));
    expect(byName.yes!.probability).toBeCloseTo(e[1]! / (e[0]! + e[1]! + e[2]!), 6);
    expect(c.labels[0]!.probability).toBeGreaterThanOrEqual(c.labels[1]!.probability);
    expect(() => base.classify('the cow .')).toThrow('this one is a BertForPreTraining');
    const mlm = base.rawLogits('the cow [MASK] .');
    expect(mlm.head).toBe('prediction_logits');
    expect(mlm.shape).toEqual([1, mlm.tokens.length, base.tokenizer.vocab.size]);
    expect(() => PretrainSession.load({ ...files, config: config.with({ vocabSize: 10 }).toJSONString() }, 'cpu')).toThrow('vocab_size 10');
  });

  it('names the problem with pasted text that has no sentence pairs', () => {
    expect(() => PretrainSession.create({ corpus: 'one line only', backend: 'cpu' })).toThrow('separate at least two documents with a blank line (found 1)');
  });
});
