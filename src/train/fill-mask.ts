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
import { requireAllWeights, requireFiniteWeights, requireVocabFits } from './model-checks.ts';

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
  const maxLength = model.config.maxPositionEmbeddings;
  const enc = tokenizer.encode(text, null, { maxLength, truncation: 'longest_first' });
  const maskId = tokenizer.vocab.specialIds.mask;
  const positions = enc.inputIds.flatMap((id, i) => (id === maskId ? [i] : []));
  const full = tokenizer.encode(text);
  const inText = full.inputIds.filter((id) => id === maskId).length;
  if (inText === 0) throw new Error(`fill-mask: the text has no [MASK] token: "${text}"`);
  if (positions.length < inText) {
    const cut = inText - positions.length;
    throw new Error(
      `fill-mask: ${cut === inText ? `the text's [MASK]${inText > 1 ? 's were' : ' was'}` : `${cut} of the text's ${inText} [MASK]s were`} truncated away: ` +
        `the text is ${full.inputIds.length} tokens long ([CLS] and [SEP] included) and the model reads at most ${maxLength} (max_position_embeddings); ` +
        'shorten the text or put the [MASK] earlier',
    );
  }
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
    // Ids past the vocabulary (a vocab_size padded above the vocab.txt) have no token to show.
    const order = Array.from({ length: Math.min(V, tokenizer.vocab.size) }, (_, i) => i)
      .sort((a, b) => probs[b] - probs[a])
      .slice(0, topK);
    return { position, candidates: order.map((id) => ({ token: tokenizer.vocab.idToToken(id), id, probability: probs[id] })) };
  });
}

/**
 * Load a model directory that holds config.json, model.safetensors and vocab.txt, for fill-mask.
 * Refuses (as `bert evaluate` and `bert predict` do) a checkpoint that lacks weights of the model, weights
 * that are not finite, and a vocabulary larger than the model's; tensors the model does not use (an NSP head
 * in a BertForMaskedLM checkpoint) only give a warning.
 */
export function loadMaskedLM(
  dir: string,
  lowercase = true,
  opts: { onWarning?: (message: string) => void } = {},
): { model: BertPreTrainedModel; tokenizer: BertTokenizer } {
  const vocabPath = join(dir, 'vocab.txt');
  if (!existsSync(vocabPath)) throw new Error(`${dir}: no vocab.txt next to the model (pretrain writes one into --out)`);
  const warnings: string[] = [];
  const model = loadPretrained(dir, { onWarning: (m) => warnings.push(m) });
  requireAllWeights(model, dir);
  for (const w of warnings) opts.onWarning?.(w);
  requireFiniteWeights(model, dir);
  const tokenizer = BertTokenizer.fromFile(vocabPath, { lowercase });
  requireVocabFits(tokenizer.vocab, model.config.vocabSize, vocabPath);
  return { model, tokenizer };
}

/** Predictions as text lines: the text with each mask's top candidates and probabilities. */
export function formatFillMask(text: string, predictions: MaskPrediction[]): string {
  const lines = [text];
  predictions.forEach((p, i) => {
    lines.push(`  [MASK] #${i + 1}: ` + p.candidates.map((c) => `${c.token} (${(100 * c.probability).toFixed(1)}%)`).join(', '));
  });
  return lines.join('\n');
}
