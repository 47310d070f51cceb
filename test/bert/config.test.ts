import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BERT_PRESETS, BertConfig } from '../../src/index.ts';
import { CASES, caseDir } from './helpers.ts';

describe('BertConfig', () => {
  it('has Hugging Face defaults (BERT-Base)', () => {
    const c = new BertConfig();
    expect(c).toMatchObject({
      vocabSize: 30522,
      hiddenSize: 768,
      numHiddenLayers: 12,
      numAttentionHeads: 12,
      intermediateSize: 3072,
      hiddenAct: 'gelu',
      hiddenDropoutProb: 0.1,
      attentionProbsDropoutProb: 0.1,
      maxPositionEmbeddings: 512,
      typeVocabSize: 2,
      initializerRange: 0.02,
      layerNormEps: 1e-12,
      padTokenId: 0,
      classifierDropout: null,
    });
    expect(c.numLabels).toBe(2);
    expect(c.headDim).toBe(64);
    expect(c.classifierDropoutProb).toBe(0.1);
  });

  it('has the published presets with intermediate = 4 x hidden', () => {
    const sizes = Object.fromEntries(
      Object.keys(BERT_PRESETS).map((n) => {
        const c = BertConfig.preset(n as keyof typeof BERT_PRESETS);
        return [n, [c.numHiddenLayers, c.hiddenSize, c.numAttentionHeads, c.intermediateSize]];
      }),
    );
    expect(sizes).toEqual({
      tiny: [2, 128, 2, 512],
      mini: [4, 256, 4, 1024],
      small: [4, 512, 8, 2048],
      medium: [8, 512, 8, 2048],
      base: [12, 768, 12, 3072],
      large: [24, 1024, 16, 4096],
    });
    expect(BertConfig.preset('tiny', { vocabSize: 8000 }).vocabSize).toBe(8000);
    expect(() => BertConfig.preset('huge' as 'tiny')).toThrow(/unknown preset "huge"; expected one of: tiny, mini/);
  });

  it.each(CASES)('reads and writes %s/config.json unchanged', (name) => {
    const json = JSON.parse(readFileSync(join(caseDir(name), 'config.json'), 'utf8'));
    const c = BertConfig.fromJSON(json);
    expect(c.hiddenSize).toBe(32);
    expect(c.intermediateSize).toBe(37);
    expect(c.toJSON()).toEqual(json);
    expect(Object.keys(c.toJSON())).toEqual(Object.keys(json).sort());
    expect(BertConfig.fromJSON(JSON.parse(c.toJSONString())).toJSON()).toEqual(json);
  });

  it('reads labels and problem type', () => {
    const c = BertConfig.fromFile(join(caseDir('sequence-regression'), 'config.json'));
    expect(c.numLabels).toBe(1);
    expect(c.problemType).toBe('regression');
    expect(BertConfig.fromJSON({ num_labels: 5 }).numLabels).toBe(5);
    expect(new BertConfig({ numLabels: 3 }).toJSON().id2label).toEqual({ 0: 'LABEL_0', 1: 'LABEL_1', 2: 'LABEL_2' });
    expect(new BertConfig().toJSON()).not.toHaveProperty('id2label');
    expect(new BertConfig().with({ numLabels: 4 }).numLabels).toBe(4);
  });

  it('writes every field, model_type and architectures', () => {
    const j = new BertConfig({ architectures: ['BertForPreTraining'] }).toJSON();
    expect(j).toMatchObject({
      model_type: 'bert',
      architectures: ['BertForPreTraining'],
      hidden_size: 768,
      layer_norm_eps: 1e-12,
      pad_token_id: 0,
      tie_word_embeddings: true,
    });
    for (const key of [
      'vocab_size',
      'num_hidden_layers',
      'num_attention_heads',
      'intermediate_size',
      'hidden_act',
      'hidden_dropout_prob',
      'attention_probs_dropout_prob',
      'max_position_embeddings',
      'type_vocab_size',
      'initializer_range',
      'classifier_dropout',
    ]) {
      expect(j).toHaveProperty(key);
    }
  });

  it('validates with clear errors', () => {
    expect(() => new BertConfig({ hiddenSize: 100, numAttentionHeads: 12 })).toThrow(/hidden_size 100 is not divisible by num_attention_heads 12/);
    expect(() => new BertConfig({ numHiddenLayers: 0 })).toThrow(/num_hidden_layers must be a positive integer, got 0/);
    expect(() => new BertConfig({ vocabSize: 2.5 })).toThrow(/vocab_size must be a positive integer, got 2.5/);
    expect(() => new BertConfig({ hiddenAct: 'gelu_fancy' })).toThrow(/unknown hidden_act "gelu_fancy"; expected one of: gelu/);
    expect(() => new BertConfig({ hiddenDropoutProb: 1 })).toThrow(/hidden_dropout_prob must be in \[0, 1\), got 1/);
    expect(() => new BertConfig({ layerNormEps: 0 })).toThrow(/layer_norm_eps must be > 0/);
    expect(() => new BertConfig({ vocabSize: 10, padTokenId: 10 })).toThrow(/pad_token_id 10 is outside the vocabulary \[0, 10\)/);
    expect(() => BertConfig.fromJSON({ model_type: 'roberta' }, 'x/config.json')).toThrow(/x\/config.json: model_type is "roberta", expected "bert"/);
    expect(() => BertConfig.fromJSON({ hidden_size: '768' }, 'c.json')).toThrow(/c.json: hidden_size must be a number, got "768"/);
    expect(() => BertConfig.fromJSON({ num_attention_heads: 5 }, 'c.json')).toThrow(/c.json: hidden_size 768 is not divisible by num_attention_heads 5/);
    expect(() => BertConfig.fromJSON({ position_embedding_type: 'relative_key' })).toThrow(/position_embedding_type "relative_key" is not supported/);
    expect(() => BertConfig.fromJSON({ tie_word_embeddings: false })).toThrow(/tie_word_embeddings false is not supported/);
    expect(() => BertConfig.fromFile('/nonexistent/config.json')).toThrow(/cannot read \/nonexistent\/config.json/);
  });

  it('keeps fields it does not interpret (e.g. from older transformers)', () => {
    const c = BertConfig.fromJSON({ position_embedding_type: 'absolute', gradient_checkpointing: false, torch_dtype: 'float32' });
    expect(c.toJSON()).toMatchObject({ position_embedding_type: 'absolute', gradient_checkpointing: false, torch_dtype: 'float32' });
  });
});
