/**
 * The playground's session (web/src/session.ts) in Node: the files it saves are a checkpoint the CLI's
 * loader reads (config.json, model.safetensors, vocab.txt), answering fill-mask as the session did; and
 * loading them back into a session gives the same answers.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fillMask, loadMaskedLM } from '../../src/train/fill-mask.ts';
import { PretrainSession } from '../../web/src/session.ts';

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

  it('names the problem with pasted text that has no sentence pairs', () => {
    expect(() => PretrainSession.create({ corpus: 'one line only', backend: 'cpu' })).toThrow('separate at least two documents with a blank line (found 1)');
  });
});
