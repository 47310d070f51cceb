/**
 * The inputs of every BERT model, Hugging Face's argument names in camelCase, and their validation: shapes
 * that agree, ids inside the vocabulary, sequences no longer than max_position_embeddings. Errors name the
 * argument, the position and the value.
 */
import { shapeToString } from '../tensor/shape.ts';
import { Tensor } from '../tensor/tensor.ts';
import type { BertConfig } from './config.ts';

export interface BertInputs {
  /** int32 [batch, seq] ([batch, choices, seq] for multiple choice) */
  inputIds: Tensor;
  /** int32, same shape as inputIds; 0 for sentence A, 1 for sentence B; zeros when omitted */
  tokenTypeIds?: Tensor;
  /** same shape as inputIds; 1 for real tokens, 0 for padding; all ones when omitted */
  attentionMask?: Tensor;
  /**
   * Labels, by head: masked LM int32 [batch, seq] (-100 = not predicted); sequence classification int32
   * [batch] (float32 [batch] for regression, float32 [batch, numLabels] for multi-label); token
   * classification int32 [batch, seq] (-100 ignored); multiple choice int32 [batch].
   */
  labels?: Tensor;
  /** BertForPreTraining: int32 [batch], 0 = B follows A, 1 = B is random */
  nextSentenceLabel?: Tensor;
  /** BertForQuestionAnswering: int32 [batch] token index of the answer start (and end) */
  startPositions?: Tensor;
  endPositions?: Tensor;
  /**
   * BertForPreTraining / BertForMaskedLM: int32 [numMasked], flat indices b * seq + s of the masked tokens.
   * The MLM head then runs only there (predictionLogits is [numMasked, vocab]); the loss equals the full
   * computation with -100 everywhere else.
   */
  mlmPositions?: Tensor;
  /** int32 [numMasked], the original ids at mlmPositions (-100 to ignore a slot) */
  mlmLabels?: Tensor;
  /** Return every hidden state (embeddings first). */
  outputHiddenStates?: boolean;
  /** Return every layer's attention probabilities. */
  outputAttentions?: boolean;
}

/** Throw unless `t` is an int32 tensor. */
export function assertIntTensor(name: string, t: unknown): asserts t is Tensor {
  if (!(t instanceof Tensor)) throw new Error(`${name}: expected an int32 Tensor, got ${t === null ? 'null' : typeof t}`);
  if (t.dtype !== 'int32') throw new Error(`${name}: expected int32, got ${t.dtype} ${shapeToString(t.shape)}`);
}

/** "[1][5]" for flat index i of shape. */
export function indexString(i: number, shape: readonly number[]): string {
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(i % shape[d]);
    i = Math.floor(i / shape[d]);
  }
  return idx.map((v) => `[${v}]`).join('');
}

/** Throw unless every value of `t` is in [0, limit). */
function assertRange(name: string, t: Tensor, limit: number, what: string): void {
  const d = t.data;
  for (let i = 0; i < t.size; i++) {
    const v = d[i];
    if (!(v >= 0 && v < limit)) throw new Error(`${name}${indexString(i, t.shape)} = ${v} is outside ${what} [0, ${limit})`);
  }
}

/**
 * Check the encoder inputs against the config.
 * @param rank 2 for [batch, seq], 3 for multiple choice [batch, choices, seq]
 */
export function validateEncoderInputs(config: BertConfig, inputs: BertInputs, rank = 2): void {
  const what = rank === 3 ? '[batch, choices, seq]' : '[batch, seq]';
  const ids = inputs.inputIds;
  assertIntTensor('input_ids', ids);
  if (ids.rank !== rank || ids.size === 0) throw new Error(`input_ids: expected ${what}, got ${shapeToString(ids.shape)}`);
  const seq = ids.shape[rank - 1];
  // [docs: max-position-check] There is no learned position past max_position_embeddings - 1.
  if (seq > config.maxPositionEmbeddings) {
    throw new Error(`input_ids: sequence length ${seq} exceeds max_position_embeddings ${config.maxPositionEmbeddings}`);
  }
  assertRange('input_ids', ids, config.vocabSize, 'the vocabulary');
  for (const [name, t] of [
    ['token_type_ids', inputs.tokenTypeIds],
    ['attention_mask', inputs.attentionMask],
  ] as const) {
    if (t === undefined) continue;
    if (!(t instanceof Tensor)) throw new Error(`${name}: expected a Tensor, got ${t === null ? 'null' : typeof t}`);
    if (shapeToString(t.shape) !== shapeToString(ids.shape)) {
      throw new Error(`${name}: shape ${shapeToString(t.shape)} differs from input_ids ${shapeToString(ids.shape)}`);
    }
  }
  if (inputs.tokenTypeIds) {
    assertIntTensor('token_type_ids', inputs.tokenTypeIds);
    assertRange('token_type_ids', inputs.tokenTypeIds, config.typeVocabSize, 'the token types');
  }
  if (inputs.attentionMask) {
    const m = inputs.attentionMask;
    const md = m.data;
    for (let i = 0; i < m.size; i++) {
      if (md[i] !== 0 && md[i] !== 1) throw new Error(`attention_mask${indexString(i, m.shape)} = ${md[i]}, expected 0 or 1`);
    }
  }
}

/** Throw unless `t` has exactly `shape`. */
export function assertShape(name: string, t: Tensor, shape: readonly number[]): void {
  if (shapeToString(t.shape) !== shapeToString(shape)) throw new Error(`${name}: expected shape ${shapeToString(shape)}, got ${shapeToString(t.shape)}`);
}
