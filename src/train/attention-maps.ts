/**
 * The attention weights a trained model computes for one sentence (or a sentence pair), ready to draw with
 * src/viz/attention.ts: run the model once with outputAttentions, then pick the (layer, head) panels wanted.
 */
import { noGrad } from '../autograd/grad-mode.ts';
import type { BertPreTrainedModel } from '../bert/model.ts';
import { Tensor } from '../tensor/tensor.ts';
import type { BertTokenizer } from '../tokenizer/tokenizer.ts';
import type { AttentionPanel } from '../viz/attention.ts';

/** Every layer's attention for one encoded input. */
export interface SentenceAttention {
  /** The encoded tokens, [CLS] and [SEP] included: seq of them. */
  tokens: string[];
  /** Segment id of each token (0: text, 1: pair). */
  segments: number[];
  numLayers: number;
  numHeads: number;
  /** layers[l] holds head h's weights at [h * seq * seq + i * seq + j] (query i, key j): [heads, seq, seq]. */
  layers: Float32Array[];
}

/**
 * Encode `text` (and `pair`) as the model saw its training inputs and return every layer's attention
 * probabilities (eval mode: no dropout).
 * @throws when the encoded input is longer than the model's max_position_embeddings
 */
export function sentenceAttention(model: BertPreTrainedModel, tokenizer: BertTokenizer, text: string, pair?: string | null): SentenceAttention {
  const enc = tokenizer.encode(text, pair ?? null);
  const s = enc.inputIds.length;
  const max = model.config.maxPositionEmbeddings;
  if (s > max) throw new Error(`the input is ${s} tokens long; the model takes at most ${max} (max_position_embeddings)`);
  const out = noGrad(() => {
    model.eval();
    return model.forward({
      inputIds: new Tensor(Int32Array.from(enc.inputIds), [1, s]),
      tokenTypeIds: new Tensor(Int32Array.from(enc.tokenTypeIds), [1, s]),
      attentionMask: new Tensor(Int32Array.from(enc.attentionMask), [1, s]),
      outputAttentions: true,
    });
  });
  const attentions = out.attentions;
  if (!attentions || attentions.length === 0) throw new Error(`${model.architecture} returned no attentions`);
  const numHeads = attentions[0]!.shape[1]!;
  return {
    tokens: enc.tokens,
    segments: enc.tokenTypeIds,
    numLayers: attentions.length,
    numHeads,
    layers: attentions.map((a) => Float32Array.from(a.data)), // [1, heads, seq, seq] -> [heads, seq, seq]
  };
}

/** Check an optional layer or head index against its range, naming the flag and the range. */
function checkIndex(what: 'layer' | 'head', index: number | undefined, count: number): void {
  if (index === undefined) return;
  if (!(Number.isInteger(index) && index >= 0 && index < count)) {
    const unit = what === 'layer' ? `${count} layers` : `${count} heads per layer`;
    throw new Error(`${what} ${index} does not exist: the model has ${unit}, numbered 0 to ${count - 1}`);
  }
}

/**
 * The panels to draw: every (layer, head), or only the given layer and/or head, layer by layer.
 * @throws naming the valid range when `layer` or `head` is out of it
 */
export function attentionPanels(att: SentenceAttention, select: { layer?: number; head?: number } = {}): AttentionPanel[] {
  checkIndex('layer', select.layer, att.numLayers);
  checkIndex('head', select.head, att.numHeads);
  const s = att.tokens.length;
  const panels: AttentionPanel[] = [];
  for (let l = 0; l < att.numLayers; l++) {
    if (select.layer !== undefined && l !== select.layer) continue;
    for (let h = 0; h < att.numHeads; h++) {
      if (select.head !== undefined && h !== select.head) continue;
      panels.push({ layer: l, head: h, weights: att.layers[l]!.subarray(h * s * s, (h + 1) * s * s) });
    }
  }
  return panels;
}
