/**
 * The three arrays every BERT input row has, unpadded. Batching (batching.ts) pads them to a common length.
 */
import type { Encoding } from '../../tokenizer/encoding.ts';

/** One tokenized row, arrays of length `seq` (no padding). */
export interface EncodedInput {
  /** [seq] token ids: [CLS] A [SEP] (B [SEP]) */
  inputIds: number[];
  /** [seq] 0 for [CLS] A [SEP], 1 for B [SEP] */
  tokenTypeIds: number[];
  /** [seq] 1 for every real token */
  attentionMask: number[];
}

/** The model-input arrays of a tokenizer Encoding, with padding positions dropped. */
export function toEncodedInput(e: Encoding): EncodedInput {
  let n = e.attentionMask.length;
  while (n > 0 && e.attentionMask[n - 1] === 0) n--;
  return { inputIds: e.inputIds.slice(0, n), tokenTypeIds: e.tokenTypeIds.slice(0, n), attentionMask: e.attentionMask.slice(0, n) };
}
