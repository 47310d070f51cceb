/**
 * WordPiece tokenization for BERT: normaliser, pre-tokeniser, WordPiece, vocab.txt I/O, encoding of texts and
 * pairs (truncation, padding, offsets, stride windows), decoding, and a vocabulary trainer.
 */
export { Vocab, BERT_SPECIAL_TOKENS, type SpecialTokenNames, type SpecialTokenIds } from './vocab.ts';
export {
  BertTokenizer,
  type TokenizerOptions,
  type EncodeOptions,
  type DecodeOptions,
  type BatchInput,
  type BatchEncoding,
} from './tokenizer.ts';
export type { Encoding, TruncationStrategy, PaddingStrategy } from './encoding.ts';
export { preTokenize, type Word, type PreTokenizeOptions, type OffsetUnit } from './pre-tokenizer.ts';
export { normalizeText, type NormalizerOptions } from './normalizer.ts';
export { wordPieceSplit, type WordPieceOptions } from './wordpiece.ts';
export { trainWordPiece, trainFromWordCounts, countWords, VocabSizeError, BERT_SPECIAL_TOKEN_COUNT, type TrainWordPieceOptions } from './trainer.ts';
export type { RawSequence } from './sequence-encoder.ts';
