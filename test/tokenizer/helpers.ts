/** Shared fixtures for the tokenizer tests. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BertTokenizer, Vocab } from '../../src/tokenizer/index.ts';

const dir = fileURLToPath(new URL('../fixtures/tokenizer/', import.meta.url));

export const VOCAB_PATH = dir + 'bert-base-uncased-vocab.txt';

/** Hugging Face reference cases (transformers 5.17 / tokenizers 0.23.2, bert-base-uncased vocabulary). */
export interface HfSingle {
  text: string;
  tokens: string[];
  input_ids: number[];
  offsets: [number, number][];
  decoded: string;
  decoded_clean: string;
}
export interface HfPair {
  input: { a: string; b: string; max_length: number; truncation?: string; stride?: number; padding?: string };
  input_ids: number[] | number[][];
  token_type_ids: number[] | number[][];
  attention_mask: number[] | number[][];
  offsets: [number, number][] | [number, number][][];
  sequence_ids: (number | null)[] | (number | null)[][];
  overflow_to_sample_mapping?: number[];
}
export interface HfCases {
  uncased: { do_lower_case: boolean; single: HfSingle[]; pairs: HfPair[] };
  cased: { do_lower_case: boolean; single: HfSingle[]; pairs: HfPair[] };
}

export const HF: HfCases = JSON.parse(readFileSync(dir + 'hf-bert-base-uncased-cases.json', 'utf8'));

let vocab: Vocab | null = null;
/** The 30,522-token bert-base-uncased vocabulary, read once. */
export function bertVocab(): Vocab {
  vocab ??= Vocab.fromFile(VOCAB_PATH);
  return vocab;
}

export function bertTokenizer(lowercase = true): BertTokenizer {
  return new BertTokenizer(bertVocab(), { lowercase });
}
