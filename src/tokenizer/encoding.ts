/**
 * BERT's input format, built from one or two encoded sequences:
 *
 *   single:  [CLS] A [SEP]              token type ids 0 ... 0
 *   pair:    [CLS] A [SEP] B [SEP]      token type ids 0 for [CLS] A [SEP], 1 for B [SEP]
 *
 * plus truncation to `maxLength` (strategies longest_first / only_first / only_second), overflow windows with
 * a `stride` of tokens shared between consecutive windows, and padding. The rules follow Hugging Face
 * `tokenizers` (Encoding::truncate, truncate_encodings, the template post-processor and Encoding::merge_with).
 */
import type { RawSequence } from './sequence-encoder.ts';

/** One model input: parallel arrays of length `seq`. */
export interface Encoding {
  tokens: string[];
  inputIds: number[];
  /** Segment ids: 0 for the first sequence (with [CLS] and its [SEP]), 1 for the second; 0 for padding. */
  tokenTypeIds: number[];
  /** 1 for real tokens, 0 for padding. */
  attentionMask: number[];
  /** 1 for [CLS]/[SEP]/[PAD] added here, 0 otherwise. */
  specialTokensMask: number[];
  /** Character span `[start, end)` of each token in its own text; `[0, 0]` for added special tokens. */
  offsets: [number, number][];
  /** 0 or 1: which text a token comes from; null for added special tokens and padding. */
  sequenceIds: (number | null)[];
  /** Index of the word the token belongs to within its text (for whole-word masking and word labels). */
  wordIds: (number | null)[];
  /** Further windows of the same input (when `returnOverflowing`), each a complete Encoding. */
  overflowing?: Encoding[];
  /** For `encode` with `returnOverflowing`: the sample index of every window (all 0). */
  overflowToSampleMapping?: number[];
}

export type TruncationStrategy = 'longest_first' | 'only_first' | 'only_second' | 'do_not_truncate';
export type PaddingStrategy = 'max_length' | 'longest' | 'do_not_pad';

/** A token range `[start, stop)` of a RawSequence. */
export type Part = [number, number];

/**
 * [docs: stride-windows]
 * Split a sequence of `len` tokens into windows of at most `maxLen` tokens, consecutive windows sharing
 * `stride` tokens: starts 0, maxLen - stride, 2 (maxLen - stride), ... until the end is covered.
 * The first part is what the model sees by default; the rest are the overflow.
 */
export function windowParts(len: number, maxLen: number, stride: number): Part[] {
  if (maxLen >= len) return [[0, len]];
  if (maxLen === 0)
    return [
      [0, 0],
      [0, len],
    ];
  if (stride >= maxLen) {
    throw new Error(
      `stride ${stride} must be smaller than the room left for the truncated sequence (${maxLen} tokens); ` + `lower the stride or raise maxLength`,
    );
  }
  const parts: Part[] = [];
  for (let start = 0; ; start += maxLen - stride) {
    const stop = Math.min(start + maxLen, len);
    parts.push([start, stop]);
    if (stop === len) break;
  }
  return parts;
}

/**
 * How many tokens each sequence keeps after truncating to `budget` (= maxLength minus the added specials).
 * @returns the kept lengths `[n1, n2]` (n2 = 0 without a pair). Throws when the strategy cannot fit.
 */
export function truncatedLengths(la: number, lb: number | null, budget: number, strategy: TruncationStrategy): [number, number] {
  const total = la + (lb ?? 0);
  if (strategy === 'do_not_truncate' || total <= budget) return [la, lb ?? 0];
  const toRemove = total - budget;
  if (strategy === 'longest_first') {
    if (lb === null) return [budget, 0];
    // [docs: truncate-longest-first]
    // Keep the shorter one whole if possible; otherwise split the budget evenly (the odd token to the longer).
    let n1 = Math.min(la, lb);
    let n2 = Math.max(la, lb);
    n2 = n1 > budget ? n1 : Math.max(n1, budget - n1);
    if (n1 + n2 > budget) {
      n1 = Math.floor(budget / 2);
      n2 = n1 + (budget % 2);
    }
    return la > lb ? [n2, n1] : [n1, n2];
  }
  if (strategy === 'only_second' && lb === null) {
    throw new Error(`truncation 'only_second' needs a pair of texts, but only one text was given`);
  }
  const targetLen = strategy === 'only_first' ? la : lb!;
  if (targetLen <= toRemove) {
    throw new Error(
      `truncation '${strategy}': the ${strategy === 'only_first' ? 'first' : 'second'} text has ${targetLen} tokens, ` +
        `but ${toRemove} must go to fit ${budget} tokens; use 'longest_first' or a larger maxLength`,
    );
  }
  return strategy === 'only_first' ? [la - toRemove, lb ?? 0] : [la, lb! - toRemove];
}

/**
 * Windows as pairs of parts, in Hugging Face's order: the main window (A0, B0); then for each overflow part
 * Ai of A: (Ai, B0), (Ai, B1), (Ai, B2)...; then (A0, Bj) for each overflow part Bj of B.
 */
export function windowPairs(aParts: Part[], bParts: Part[] | null): [Part, Part | null][] {
  if (bParts === null) return aParts.map((a) => [a, null]);
  const out: [Part, Part | null][] = [[aParts[0], bParts[0]]];
  for (let i = 1; i < aParts.length; i++) {
    out.push([aParts[i], bParts[0]]);
    for (let j = 1; j < bParts.length; j++) out.push([aParts[i], bParts[j]]);
  }
  for (let j = 1; j < bParts.length; j++) out.push([aParts[0], bParts[j]]);
  return out;
}

export interface SpecialIds {
  cls: number;
  sep: number;
  pad: number;
}

/** Assemble one window: [CLS] A[part] [SEP] (B[part] [SEP]). [docs: encode-pair] */
export function assemble(
  a: RawSequence,
  aPart: Part,
  b: RawSequence | null,
  bPart: Part | null,
  special: SpecialIds,
  idToToken: (id: number) => string,
  addSpecialTokens: boolean,
): Encoding {
  const e: Encoding = {
    tokens: [],
    inputIds: [],
    tokenTypeIds: [],
    attentionMask: [],
    specialTokensMask: [],
    offsets: [],
    sequenceIds: [],
    wordIds: [],
  };
  const pushSpecial = (which: 'cls' | 'sep', type: number) => {
    if (!addSpecialTokens) return;
    e.inputIds.push(special[which]);
    e.tokenTypeIds.push(type);
    e.attentionMask.push(1);
    e.specialTokensMask.push(1);
    e.offsets.push([0, 0]);
    e.sequenceIds.push(null);
    e.wordIds.push(null);
  };
  const pushPart = (s: RawSequence, [start, stop]: Part, seq: number) => {
    for (let i = start; i < stop; i++) {
      e.inputIds.push(s.ids[i]);
      e.tokenTypeIds.push(seq);
      e.attentionMask.push(1);
      e.specialTokensMask.push(0);
      e.offsets.push([s.offsets[2 * i], s.offsets[2 * i + 1]]);
      e.sequenceIds.push(seq);
      e.wordIds.push(s.wordIds[i]);
    }
  };
  pushSpecial('cls', 0);
  pushPart(a, aPart, 0);
  pushSpecial('sep', 0);
  if (b && bPart) {
    pushPart(b, bPart, 1);
    pushSpecial('sep', 1);
  }
  e.tokens = e.inputIds.map(idToToken);
  return e;
}

/** Pad `e` on the right to `length` with [PAD] (type 0, mask 0, offsets [0,0], sequence id null). */
export function padEncoding(e: Encoding, length: number, padId: number, padToken: string): void {
  for (let i = e.inputIds.length; i < length; i++) {
    e.tokens.push(padToken);
    e.inputIds.push(padId);
    e.tokenTypeIds.push(0);
    e.attentionMask.push(0);
    e.specialTokensMask.push(1);
    e.offsets.push([0, 0]);
    e.sequenceIds.push(null);
    e.wordIds.push(null);
  }
}
