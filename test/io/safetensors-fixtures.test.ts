/**
 * The Hugging Face reference files (test/fixtures/hf, written by transformers/safetensors) read correctly,
 * and writing their tensors back gives the very same bytes: our layout is the reference writer's layout.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSafetensors, readSafetensors, writeSafetensors, type TensorToWrite } from '../../src/io/index.ts';

const HF = join(import.meta.dirname, '../fixtures/hf');
const CASES = ['pretraining', 'masked-lm', 'sequence-classification', 'sequence-regression', 'token-classification', 'question-answering', 'multiple-choice'];
const allFiles = CASES.flatMap((c) =>
  readdirSync(join(HF, c))
    .filter((f) => f.endsWith('.safetensors'))
    .map((f) => join(c, f)),
);

describe('reference fixtures', () => {
  it('finds all 22 fixture files', () => {
    expect(allFiles.length).toBe(22);
  });

  it('pretraining/model.safetensors: the weights save_pretrained wrote', () => {
    const f = loadSafetensors(join(HF, 'pretraining/model.safetensors'));
    expect(f.metadata).toEqual({ format: 'pt' });
    const we = f.get('bert.embeddings.word_embeddings.weight');
    expect(we.dtype).toBe('F32');
    expect(we.shape).toEqual([99, 32]);
    expect(f.get('bert.embeddings.position_embeddings.weight').shape).toEqual([64, 32]);
    expect(f.get('bert.embeddings.token_type_embeddings.weight').shape).toEqual([2, 32]);
    expect(f.get('bert.encoder.layer.1.intermediate.dense.weight').shape).toEqual([37, 32]); // [out, in]
    expect(f.get('cls.seq_relationship.weight').shape).toEqual([2, 32]);
    expect(f.get('cls.predictions.bias').shape).toEqual([99]);
    // tied to the word embeddings, so not stored
    expect(f.has('cls.predictions.decoder.weight')).toBe(false);
    expect(f.has('cls.predictions.decoder.bias')).toBe(false);
    expect(() => f.get('cls.predictions.decoder.weight')).toThrow(/no tensor named "cls\.predictions\.decoder\.weight".*closest names: "cls\.predictions\./);
    expect(f.entries.size).toBe(46);
    // every value finite, and the embeddings not all zero (weights were randomised with large values)
    const w = f.toFloat32('bert.embeddings.word_embeddings.weight');
    expect(w.length).toBe(99 * 32);
    expect(w.every(Number.isFinite)).toBe(true);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.1);
  });

  it('pretraining parameter count: BertForPreTraining of the tiny config', () => {
    const f = loadSafetensors(join(HF, 'pretraining/model.safetensors'));
    const total = [...f.entries.values()].reduce((n, e) => n + e.numel, 0);
    // embeddings (99+64+2)*32 + LN 64; per layer 4*(32*32+32) + 2 LN*64 + 32*37+37 + 37*32+32;
    // pooler 32*32+32; heads: transform 32*32+32 + LN 64 + bias 99 + NSP 2*32+2
    const layer = 4 * (32 * 32 + 32) + 2 * 64 + (32 * 37 + 37) + (37 * 32 + 32);
    expect(total).toBe((99 + 64 + 2) * 32 + 64 + 2 * layer + (32 * 32 + 32) + (32 * 32 + 32) + 64 + 99 + (2 * 32 + 2));
  });

  it('outputs.safetensors holds the hidden states and attentions of batch 3 × seq 17', () => {
    const f = loadSafetensors(join(HF, 'pretraining/outputs.safetensors'));
    expect(f.metadata).toEqual({});
    expect(f.get('hidden_states.0').shape).toEqual([3, 17, 32]);
    expect(f.get('hidden_states.2').shape).toEqual([3, 17, 32]);
    expect(f.get('attentions.0').shape).toEqual([3, 4, 17, 17]);
    expect(f.get('prediction_logits').shape).toEqual([3, 17, 99]);
    expect(f.get('seq_relationship_logits').shape).toEqual([3, 2]);
    // attention rows are softmax distributions: each sums to 1
    const a = f.toFloat64('attentions.1');
    for (let row = 0; row < 3 * 4 * 17; row++) {
      let s = 0;
      for (let j = 0; j < 17; j++) s += a[row * 17 + j];
      expect(Math.abs(s - 1)).toBeLessThan(1e-5);
    }
  });

  it('grads.safetensors: the padding row of the word-embedding gradient is zero (untied case)', () => {
    // (in masked-lm and pretraining the tied decoder adds to row 0, so it is not zero there)
    const f = loadSafetensors(join(HF, 'sequence-classification/grads.safetensors'));
    const g = f.toFloat32('bert.embeddings.word_embeddings.weight');
    expect(f.get('bert.embeddings.word_embeddings.weight').shape).toEqual([99, 32]);
    expect(g.subarray(0, 32).every((v) => v === 0)).toBe(true);
    expect(g.subarray(32 * 2, 32 * 3).some((v) => v !== 0)).toBe(true); // [CLS] row is used
  });

  it('head shapes of the fine-tuning cases', () => {
    expect(loadSafetensors(join(HF, 'sequence-classification/model.safetensors')).get('classifier.weight').shape).toEqual([3, 32]);
    expect(loadSafetensors(join(HF, 'sequence-regression/model.safetensors')).get('classifier.weight').shape).toEqual([1, 32]);
    expect(loadSafetensors(join(HF, 'token-classification/model.safetensors')).get('classifier.weight').shape).toEqual([5, 32]);
    expect(loadSafetensors(join(HF, 'question-answering/model.safetensors')).get('qa_outputs.weight').shape).toEqual([2, 32]);
    expect(loadSafetensors(join(HF, 'multiple-choice/model.safetensors')).get('classifier.weight').shape).toEqual([1, 32]);
    expect(loadSafetensors(join(HF, 'question-answering/outputs.safetensors')).get('start_logits').shape).toEqual([3, 17]);
    // multiple choice: 3 examples × 3 choices, flattened to 9 rows for the encoder
    const mc = loadSafetensors(join(HF, 'multiple-choice/outputs.safetensors'));
    expect(mc.get('logits').shape).toEqual([3, 3]);
    expect(mc.get('hidden_states.2').shape).toEqual([9, 17, 32]);
  });

  for (const rel of allFiles) {
    it(`${rel}: every tensor is F32, and re-writing it reproduces the file byte for byte`, () => {
      const original = readFileSync(join(HF, rel));
      const f = readSafetensors(original, rel);
      const tensors: Record<string, TensorToWrite> = {};
      for (const e of f.entries.values()) {
        expect(e.dtype).toBe('F32');
        tensors[e.name] = { dtype: 'F32', shape: e.shape, data: f.toFloat32(e.name) };
      }
      const again = writeSafetensors(tensors, Object.keys(f.metadata).length ? f.metadata : undefined);
      expect(Buffer.compare(Buffer.from(again), original)).toBe(0);
    });
  }
});
