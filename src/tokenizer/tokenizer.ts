/**
 * BertTokenizer: text in, model inputs out (and back).
 *
 *   const tok = BertTokenizer.fromFile('vocab.txt');               // uncased; { lowercase: false } for cased
 *   tok.tokenize("Don't panic")     // ['don', "'", 't', 'panic']
 *   tok.encode('Who?', 'Me.', { maxLength: 16, padding: 'max_length' })
 *     // { tokens: ['[CLS]','who','?','[SEP]','me','.','[SEP]','[PAD]',...], inputIds, tokenTypeIds, ... }
 *   tok.decode(ids, { skipSpecialTokens: true })
 *
 * Output matches Hugging Face's BertTokenizerFast (tokens, ids, offsets, type ids, masks, windows, decodes).
 */
import { cleanUpTokenization, joinWordPieces } from './decode.ts';
import {
  assemble,
  padEncoding,
  truncatedLengths,
  windowPairs,
  windowParts,
  type Encoding,
  type PaddingStrategy,
  type Part,
  type TruncationStrategy,
} from './encoding.ts';
import { resolveNormalizerOptions, type NormalizerOptions } from './normalizer.ts';
import type { OffsetUnit } from './pre-tokenizer.ts';
import { SequenceEncoder, type RawSequence } from './sequence-encoder.ts';
import { BERT_SPECIAL_TOKENS, Vocab, type SpecialTokenIds, type SpecialTokenNames } from './vocab.ts';
import { WordPieceModel } from './wordpiece.ts';

export interface TokenizerOptions extends NormalizerOptions {
  /** Names of the special tokens (default BERT's [PAD] [UNK] [CLS] [SEP] [MASK]). */
  specialTokens?: SpecialTokenNames;
  /** Words longer than this many characters become [UNK]. Default 100 (Hugging Face). */
  maxInputCharsPerWord?: number;
  /** Recognise special tokens written in raw text, as Hugging Face does. Default true. */
  splitSpecialTokens?: boolean;
}

export interface EncodeOptions {
  /** Add [CLS] ... [SEP] (... [SEP]). Default true. */
  addSpecialTokens?: boolean;
  /** Length limit including the added special tokens. */
  maxLength?: number;
  /** How to cut to `maxLength`: default 'longest_first' when `maxLength` is given. */
  truncation?: TruncationStrategy | boolean;
  /** 'max_length' pads to `maxLength`; 'longest' to the longest window (of the batch, in encodeBatch). */
  padding?: PaddingStrategy | boolean;
  /** Tokens shared by consecutive overflow windows. Default 0. */
  stride?: number;
  /** Return every window of a truncated input, not only the first. Default false. */
  returnOverflowing?: boolean;
  /** Unit of the offsets: 'codepoint' (Hugging Face's characters, default) or 'utf16' (for `String#slice`). */
  offsetUnit?: OffsetUnit;
  /**
   * Reproduce Hugging Face tokenizers >= 0.23.1, which stop tokenizing each text once it has `maxLength`
   * tokens (at a word boundary) when truncating, so that overflow windows never reach past that point.
   * Default false: windows cover the whole text, as documented (and as tokenizers <= 0.22 did).
   */
  hfEarlyStop?: boolean;
}

export interface DecodeOptions {
  /** Drop [CLS], [SEP], [PAD], [UNK], [MASK]. Default false. */
  skipSpecialTokens?: boolean;
  /** Remove spaces before punctuation and in contractions ("don ' t" -> "don't"). Default true. */
  cleanUpSpaces?: boolean;
}

/** One input of a batch: a text or a pair of texts. */
export type BatchInput = string | [string, string] | { text: string; pair?: string | null };

export interface BatchEncoding {
  /** One Encoding per input, or per window when `returnOverflowing`. */
  encodings: Encoding[];
  /** For each encoding, the index of the input it came from. */
  overflowToSampleMapping: number[];
}

export class BertTokenizer {
  readonly vocab: Vocab;
  readonly ids: SpecialTokenIds;
  readonly lowercase: boolean;
  private readonly model: WordPieceModel;
  private readonly encoder: SequenceEncoder;
  private readonly specialIdSet: Set<number>;

  constructor(vocab: Vocab, options: TokenizerOptions = {}) {
    this.vocab = vocab;
    const norm = resolveNormalizerOptions(options);
    this.lowercase = norm.lowercase;
    const names = options.specialTokens ?? vocab.specialNames ?? BERT_SPECIAL_TOKENS;
    this.ids = vocab.specialIdsOf(names);
    this.model = new WordPieceModel(vocab, names.unk, { maxInputCharsPerWord: options.maxInputCharsPerWord });
    // Special tokens the vocabulary lacks are neither recognised in text nor skipped when decoding.
    const special = Object.values(names).filter((t) => vocab.has(t));
    this.encoder = new SequenceEncoder(this.model, norm, options.splitSpecialTokens === false ? [] : special);
    this.specialIdSet = new Set(Object.values(this.ids));
  }

  /** Load a `vocab.txt`. */
  static fromFile(path: string, options: TokenizerOptions = {}): BertTokenizer {
    return new BertTokenizer(Vocab.fromFile(path, options.specialTokens), options);
  }

  /** Turn the ASCII fast path on or off (it gives the same output; tests compare both). */
  set fastPath(on: boolean) {
    this.encoder.useFastPath = on;
  }

  /** WordPiece tokens of `text`, without [CLS]/[SEP]. */
  tokenize(text: string): string[] {
    return this.encoder.encode(text).ids.map((id) => this.vocab.tokens[id]);
  }

  /** Ids of tokens; unknown tokens map to [UNK]. */
  convertTokensToIds(tokens: readonly string[]): number[] {
    return tokens.map((t) => this.vocab.tokenToId(t) ?? this.ids.unk);
  }

  /** Tokens of ids; throws for an id outside the vocabulary. */
  convertIdsToTokens(ids: readonly number[]): string[] {
    return ids.map((id) => this.vocab.idToToken(id));
  }

  /** Words with offsets for one text (special tokens in the text count as words). Shape: `[{ids, offsets, wordIds}]`. */
  encodeSequence(text: string, offsetUnit: OffsetUnit = 'codepoint'): RawSequence {
    return this.encoder.encode(text, offsetUnit);
  }

  /**
   * Encode a text, or a pair of texts, as BERT input: [CLS] A [SEP] (B [SEP]).
   * @returns the first window; with `returnOverflowing`, the others are in `overflowing` and
   *   `overflowToSampleMapping` has one 0 per window. Arrays have length `seq` (<= maxLength when truncating).
   */
  encode(text: string, pair?: string | null, options: EncodeOptions = {}): Encoding {
    const windows = this.encodeWindows(text, pair ?? null, options);
    this.pad(windows, options);
    const [first, ...rest] = windows;
    if (options.returnOverflowing) {
      first.overflowing = rest;
      first.overflowToSampleMapping = windows.map(() => 0);
    }
    return first;
  }

  /** Encode many inputs; with `padding: 'longest'` all are padded to the longest of the batch. */
  encodeBatch(inputs: readonly BatchInput[], options: EncodeOptions = {}): BatchEncoding {
    const encodings: Encoding[] = [];
    const overflowToSampleMapping: number[] = [];
    inputs.forEach((input, i) => {
      const [text, pair] = typeof input === 'string' ? [input, null] : Array.isArray(input) ? input : [input.text, input.pair ?? null];
      const windows = this.encodeWindows(text, pair, options);
      for (const w of options.returnOverflowing ? windows : windows.slice(0, 1)) {
        encodings.push(w);
        overflowToSampleMapping.push(i);
      }
    });
    this.pad(encodings, options);
    return { encodings, overflowToSampleMapping };
  }

  /**
   * Text of `ids`. `##` pieces join the previous piece; other pieces are separated by spaces.
   * @param ids token ids, shape [seq]
   */
  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    const skip = options.skipSpecialTokens ?? false;
    const tokens: string[] = [];
    for (const id of ids) {
      const t = this.vocab.idToToken(id);
      if (skip && this.specialIdSet.has(id)) continue;
      tokens.push(t);
    }
    const text = joinWordPieces(tokens);
    return (options.cleanUpSpaces ?? true) ? cleanUpTokenization(text) : text;
  }

  /** Decode each row of a batch. */
  decodeBatch(batch: readonly (readonly number[])[], options: DecodeOptions = {}): string[] {
    return batch.map((ids) => this.decode(ids, options));
  }

  private truncationOf(options: EncodeOptions): TruncationStrategy {
    const t = options.truncation;
    if (t === undefined || t === true) return options.maxLength !== undefined ? 'longest_first' : 'do_not_truncate';
    if (t === false) return 'do_not_truncate';
    if (!['longest_first', 'only_first', 'only_second', 'do_not_truncate'].includes(t)) {
      throw new Error(`unknown truncation "${t}"; expected longest_first, only_first, only_second or do_not_truncate`);
    }
    if (t !== 'do_not_truncate' && options.maxLength === undefined) {
      throw new Error(`truncation '${t}' needs maxLength`);
    }
    return t;
  }

  /** All windows of one input, unpadded. */
  private encodeWindows(text: string, pair: string | null, options: EncodeOptions): Encoding[] {
    const strategy = this.truncationOf(options);
    const addSpecial = options.addSpecialTokens ?? true;
    const stride = options.stride ?? 0;
    if (!Number.isInteger(stride) || stride < 0) throw new Error(`stride must be a non-negative integer, got ${stride}`);
    const maxLength = options.maxLength;
    if (maxLength !== undefined && (!Number.isInteger(maxLength) || maxLength < 0)) {
      throw new Error(`maxLength must be a non-negative integer, got ${maxLength}`);
    }
    const truncating = strategy !== 'do_not_truncate' && maxLength !== undefined;
    const limit = truncating && options.hfEarlyStop ? maxLength : Infinity;
    const unit = options.offsetUnit ?? 'codepoint';
    const a = this.encoder.encode(text, unit, limit);
    const b = pair === null ? null : this.encoder.encode(pair, unit, limit);

    let aParts: Part[] = [[0, a.ids.length]];
    let bParts: Part[] | null = b ? [[0, b.ids.length]] : null;
    if (truncating) {
      const added = addSpecial ? (b ? 3 : 2) : 0;
      if (maxLength < added) {
        throw new Error(`maxLength ${maxLength} leaves no room: ${added} special tokens are added`);
      }
      const budget = maxLength - added;
      const [n1, n2] = truncatedLengths(a.ids.length, b ? b.ids.length : null, budget, strategy);
      const total = a.ids.length + (b ? b.ids.length : 0);
      if (total > budget) {
        aParts = windowParts(a.ids.length, n1, stride);
        if (b) bParts = windowParts(b.ids.length, n2, stride);
      }
    }
    const special = this.ids; // read only when special tokens are added (a vocabulary may lack them)
    const idToToken = (id: number) => this.vocab.tokens[id];
    return windowPairs(aParts, bParts).map(([ap, bp]) => assemble(a, ap, b, bp, special, idToToken, addSpecial));
  }

  private pad(encodings: Encoding[], options: EncodeOptions): void {
    const p = options.padding === true ? 'longest' : options.padding === false ? 'do_not_pad' : options.padding;
    if (p === undefined || p === 'do_not_pad') return;
    let target: number;
    if (p === 'max_length') {
      if (options.maxLength === undefined) throw new Error(`padding 'max_length' needs maxLength`);
      target = options.maxLength;
    } else if (p === 'longest') {
      target = Math.max(0, ...encodings.map((e) => e.inputIds.length));
    } else {
      throw new Error(`unknown padding "${p}"; expected max_length, longest or do_not_pad`);
    }
    const padToken = this.vocab.tokens[this.ids.pad];
    for (const e of encodings) padEncoding(e, target, this.ids.pad, padToken);
  }
}
