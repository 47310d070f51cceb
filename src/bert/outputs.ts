/**
 * What every BERT model's forward() returns: Hugging Face's output fields in camelCase. Each model fills
 * the fields of its head; `loss` only when labels were given.
 */
import type { Tensor } from '../tensor/tensor.ts';

export interface BertModelOutput {
  /** Scalar loss of the head, when its labels were given (BertForPreTraining: mlmLoss + nspLoss). */
  loss?: Tensor;
  /** BertForPreTraining / BertForMaskedLM: the masked-LM part of the loss. */
  mlmLoss?: Tensor;
  /** BertForPreTraining: the next-sentence part of the loss. */
  nspLoss?: Tensor;
  /** The encoder's output [batch, seq, hidden] ([batch * choices, seq, hidden] for multiple choice). */
  lastHiddenState: Tensor;
  /** tanh(dense([CLS])) [batch, hidden], for models with a pooler. */
  poolerOutput?: Tensor;
  /** MLM logits [batch, seq, vocab], or [numMasked, vocab] when mlmPositions was given. */
  predictionLogits?: Tensor;
  /** NSP logits [batch, 2] (index 0: B follows A). */
  seqRelationshipLogits?: Tensor;
  /** Classification logits: [batch, numLabels], token classification [batch, seq, numLabels], multiple choice [batch, choices]. */
  logits?: Tensor;
  /** Question answering: [batch, seq]. */
  startLogits?: Tensor;
  endLogits?: Tensor;
  /** With outputHiddenStates: the embeddings and each layer's output, L + 1 tensors [batch, seq, hidden]. */
  hiddenStates?: Tensor[];
  /** With outputAttentions: each layer's attention probabilities [batch, heads, seq, seq] (before dropout). */
  attentions?: Tensor[];
}

/** Copy the encoder's optional outputs (hidden states, attentions) into a head's output. */
export function passThrough(out: BertModelOutput, enc: BertModelOutput): BertModelOutput {
  if (enc.hiddenStates) out.hiddenStates = enc.hiddenStates;
  if (enc.attentions) out.attentions = enc.attentions;
  return out;
}
