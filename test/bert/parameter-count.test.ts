/**
 * Parameter counts: equal to Hugging Face's (param_counts.json) for every preset and head, computed from
 * shapes; and those shapes are exactly the real models' parameters (checked on models that are cheap to build).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BERT_ARCHITECTURES, BertConfig, bertParameterShapes, countBertParameters, createModelForArchitecture } from '../../src/index.ts';
import { HF_DIR } from './helpers.ts';

const counts = JSON.parse(readFileSync(join(HF_DIR, 'param_counts.json'), 'utf8')).counts as Record<string, number>;
const PRESET_OF: Record<string, Parameters<typeof BertConfig.preset>[0]> = {
  base: 'base',
  large: 'large',
  tiny_L2_H128: 'tiny',
  mini_L4_H256: 'mini',
  small_L4_H512: 'small',
  medium_L8_H512: 'medium',
};

describe('parameter counts', () => {
  it('match param_counts.json for every preset and head', () => {
    expect(Object.keys(counts).length).toBe(18);
    for (const [key, expected] of Object.entries(counts)) {
      const [preset, arch] = key.split('.');
      expect(countBertParameters(BertConfig.preset(PRESET_OF[preset]), arch), key).toBe(expected);
    }
    expect(countBertParameters(BertConfig.preset('base'), 'BertModel')).toBe(109_482_240);
  });

  it.each(Object.keys(BERT_ARCHITECTURES))('%s: the computed shapes are the real parameters', (arch) => {
    const config = new BertConfig({
      vocabSize: 50,
      hiddenSize: 12,
      numHiddenLayers: 2,
      numAttentionHeads: 3,
      intermediateSize: 20,
      maxPositionEmbeddings: 16,
      typeVocabSize: 3,
      numLabels: arch === 'BertForQuestionAnswering' ? 2 : 5,
    });
    const model = createModelForArchitecture(arch, config);
    const real = Object.fromEntries(model.namedParameters().map(([n, t]) => [n, [...t.shape]]));
    expect(real).toEqual(Object.fromEntries(bertParameterShapes(config, arch)));
    expect(model.numParameters()).toBe(countBertParameters(config, arch));
    expect(model.parameters().every((p, i) => p.name === model.namedParameters()[i][0] && p.requiresGrad && p.dtype === 'float32')).toBe(true);
  });

  it('a real BERT-Tiny with the full vocabulary has the published counts', () => {
    for (const arch of ['BertModel', 'BertForPreTraining', 'BertForMaskedLM']) {
      const model = createModelForArchitecture(arch, BertConfig.preset('tiny'), { init: false });
      expect(model.numParameters()).toBe(counts[`tiny_L2_H128.${arch}`]);
    }
  });
});
