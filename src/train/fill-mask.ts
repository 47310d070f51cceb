/**
 * Fill-mask: what a masked language model predicts for each [MASK] in a text.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { noGrad } from '../autograd/grad-mode.ts';
import { loadPretrained } from '../hf/pretrained.ts';
import type { BertPreTrainedModel } from '../bert/model.ts';
import { softmax } from '../ops/softmax.ts';
import { Tensor } from '../tensor/tensor.ts';
import { BertTokenizer } from '../tokenizer/tokenizer.ts';

export interface MaskPrediction {
  /** Index of the [MASK] token in the encoded sequence. */
  position: number;
  /** The top candidates, most probable first. */
  candidates: { token: string; id: number; probability: number }[];
}

/**
 * Predict every [MASK] of `text`.
 * @param model a BertForPreTraining or BertForMaskedLM
 */
export function fillMask(model: BertPreTrainedModel, tokenizer: BertTokenizer, text: string, topK = 5): MaskPrediction[] {
  const enc = tokenizer.encode(text, null, { maxLength: model.config.maxPositionEmbeddings, truncation: 'longest_first' });
  const maskId = tokenizer.vocab.specialIds.mask;
  const positions = enc.inputIds.flatMap((id, i) => (id === maskId ? [i] : []));
  if (positions.length === 0) throw new Error(`fill-mask: the text has no [MASK] token: "${text}"`);
  const S = enc.inputIds.length;
  const out = noGrad(() => {
    model.eval();
    return (model as unknown as { forward(i: object): { predictionLogits?: Tensor; logits?: Tensor } }).forward({
      inputIds: new Tensor(Int32Array.from(enc.inputIds), [1, S]),
      tokenTypeIds: new Tensor(Int32Array.from(enc.tokenTypeIds), [1, S]),
      attentionMask: new Tensor(Int32Array.from(enc.attentionMask), [1, S]),
    });
  });
  const logits = out.predictionLogits;
  if (!logits) throw new Error(`fill-mask: ${model.architecture} has no masked-LM head; use a BertForPreTraining or BertForMaskedLM checkpoint`);
  const V = logits.shape[logits.rank - 1];
  return positions.map((position) => {
    const row = new Tensor(logits.data.slice(position * V, (position + 1) * V), [V]);
    const probs = softmax(row).data;
    const order = Array.from({ length: V }, (_, i) => i).sort((a, b) => probs[b] - probs[a]).slice(0, topK);
    return { position, candidates: order.map((id) => ({ token: tokenizer.vocab.idToToken(id), id, probability: probs[id] })) };
  });
}

/** Load a model directory that holds config.json, model.safetensors and vocab.txt, for fill-mask. */
export function loadMaskedLM(dir: string, lowercase = true): { model: BertPreTrainedModel; tokenizer: BertTokenizer } {
  const vocabPath = join(dir, 'vocab.txt');
  if (!existsSync(vocabPath)) throw new Error(`${dir}: no vocab.txt next to the model (pretrain writes one into --out)`);
  const model = loadPretrained(dir, { onWarning: () => {} });
  return { model, tokenizer: BertTokenizer.fromFile(vocabPath, { lowercase }) };
}

/** Predictions as text lines: the text with each mask's top candidates and probabilities. */
export function formatFillMask(text: string, predictions: MaskPrediction[]): string {
  const lines = [text];
  predictions.forEach((p, i) => {
    lines.push(`  [MASK] #${i + 1}: ` + p.candidates.map((c) => `${c.token} (${(100 * c.probability).toFixed(1)}%)`).join(', '));
  });
  return lines.join('\n');
}
