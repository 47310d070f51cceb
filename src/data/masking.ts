/**
 * Masked-language-model predictions, with the semantics of google-research/bert's
 * `create_masked_lm_predictions`:
 *
 *   1. Candidates are all positions except `[CLS]` and `[SEP]`. With whole-word masking, a `##` piece joins
 *      the candidate group of the piece before it, so a word is masked entirely or not at all.
 *   2. The groups are shuffled.
 *   3. num_to_predict = min(max_predictions_per_seq, max(1, round(len(tokens) * masked_lm_prob))), with
 *      len(tokens) counting [CLS] and the two [SEP], and Python's round (half to even).
 *   4. Groups are taken in shuffled order until num_to_predict positions are chosen; a whole word that would
 *      go past num_to_predict is skipped.
 *   5. Each chosen position independently: 80% `[MASK]`; otherwise 50/50 keep the token or put a random
 *      vocabulary token (so 10% / 10% overall). The label is always the original token.
 *   6. Predictions are listed by position.
 *
 * One deliberate difference: the original groups a `##` piece that follows `[SEP]` with the last word of
 * segment A (across the separator); here a piece after `[CLS]`/`[SEP]` starts its own group.
 */
import type { Rng } from '../tensor/random.ts';

/** The vocabulary facts masking needs, by token id. */
export interface MaskingVocab {
  /** Number of ids; valid ids are 0 .. size-1. */
  size: number;
  clsId: number;
  sepId: number;
  maskId: number;
  padId: number;
  /** continuation[id] = 1 when the token continues the previous word (a WordPiece `##` piece). Shape [size]. */
  continuation: Uint8Array;
  /** The ids the 10% "random token" branch draws from, uniformly. The original uses the whole vocabulary. */
  randomTokenIds: Int32Array;
}

/** Spellings of the special tokens masking needs; BERT's are the defaults. */
export interface MaskingSpecialTokens {
  cls: string;
  sep: string;
  mask: string;
  pad: string;
}

const DEFAULT_SPECIAL_TOKENS: MaskingSpecialTokens = { cls: '[CLS]', sep: '[SEP]', mask: '[MASK]', pad: '[PAD]' };

/**
 * Build a `MaskingVocab` from the vocabulary's token list (index = id), e.g. the lines of `vocab.txt` or
 * `BertTokenizer.vocab.tokens`.
 * @param vocabTokens token strings, `vocabTokens[id]`
 * @param options.specialTokens other spellings for [CLS] [SEP] [MASK] [PAD]
 * @param options.randomTokenIds restrict the random replacement to these ids (default: every id, as the original)
 * @throws when a special token is missing or a random id is out of range
 */
export function createMaskingVocab(
  vocabTokens: readonly string[],
  options: { specialTokens?: Partial<MaskingSpecialTokens>; randomTokenIds?: ArrayLike<number> } = {},
): MaskingVocab {
  const special = { ...DEFAULT_SPECIAL_TOKENS, ...options.specialTokens };
  const size = vocabTokens.length;
  const idOf = (token: string): number => {
    const id = vocabTokens.indexOf(token);
    if (id < 0) {
      throw new Error(`createMaskingVocab: expected the special token ${token} in the vocabulary (${size} tokens), not found`);
    }
    return id;
  };
  const continuation = new Uint8Array(size);
  for (let id = 0; id < size; id++) continuation[id] = vocabTokens[id].startsWith('##') ? 1 : 0;
  let randomTokenIds: Int32Array;
  if (options.randomTokenIds) {
    randomTokenIds = Int32Array.from(options.randomTokenIds);
    for (const id of randomTokenIds) {
      if (!(id >= 0 && id < size)) throw new Error(`createMaskingVocab: random token id ${id} is outside 0..${size - 1}`);
    }
    if (randomTokenIds.length === 0) throw new Error('createMaskingVocab: randomTokenIds is empty');
  } else {
    randomTokenIds = new Int32Array(size);
    for (let id = 0; id < size; id++) randomTokenIds[id] = id;
  }
  return {
    size,
    clsId: idOf(special.cls),
    sepId: idOf(special.sep),
    maskId: idOf(special.mask),
    padId: idOf(special.pad),
    continuation,
    randomTokenIds,
  };
}

/** How many tokens to mask and how. */
export interface MaskingOptions {
  /** Fraction of the sequence (special tokens included in the count) to predict; BERT uses 0.15. */
  maskedLmProb: number;
  /** Hard cap on predictions per sequence; BERT uses 20 for length 128, 80 for 512. */
  maxPredictionsPerSeq: number;
  /** Mask all pieces of a word together. Default false. */
  wholeWordMask?: boolean;
}

/** One masked sequence. */
export interface MaskedLmPredictions {
  /** The input with masks applied (a new array), shape [seq]. */
  ids: Int32Array;
  /** Positions to predict, ascending. */
  maskedPositions: number[];
  /** The original token id at each masked position. */
  maskedLabels: number[];
}

/**
 * Python 3's `round(x)` for a float: to the nearest integer, ties to the even one (round(2.5) = 2,
 * round(3.5) = 4). `x - floor(x)` is exact in binary floating point, so the tie test is exact.
 */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const diff = x - f;
  if (diff < 0.5) return f;
  if (diff > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/** num_to_predict = min(maxPredictionsPerSeq, max(1, round(length * maskedLmProb))). [docs: mlm-number-to-predict] */
export function numberToPredict(length: number, options: MaskingOptions): number {
  return Math.min(options.maxPredictionsPerSeq, Math.max(1, roundHalfEven(length * options.maskedLmProb)));
}

/**
 * [docs: mlm-candidates]
 * Candidate positions grouped into words: each group is one position, or with `wholeWordMask` a word's
 * first piece followed by its `##` pieces. [CLS] and [SEP] are never candidates.
 */
export function candidateGroups(ids: ArrayLike<number>, vocab: MaskingVocab, wholeWordMask: boolean): number[][] {
  const groups: number[][] = [];
  let afterSpecial = true;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (id === vocab.clsId || id === vocab.sepId) {
      afterSpecial = true;
      continue;
    }
    if (wholeWordMask && !afterSpecial && vocab.continuation[id] === 1) groups[groups.length - 1].push(i);
    else groups.push([i]);
    afterSpecial = false;
  }
  return groups;
}

function checkMaskingOptions(options: MaskingOptions): void {
  const { maskedLmProb: p, maxPredictionsPerSeq: m } = options;
  if (!(p >= 0 && p <= 1)) throw new Error(`masking: maskedLmProb must be in [0, 1], got ${p}`);
  if (!(Number.isInteger(m) && m >= 1)) throw new Error(`masking: maxPredictionsPerSeq must be a positive integer, got ${m}`);
}

/**
 * Choose and apply the masked-LM predictions for one sequence (see the file comment for the recipe).
 * @param ids the unmasked sequence `[CLS] A [SEP] B [SEP]`, shape [seq]; not modified
 * @returns the masked copy, the masked positions (ascending) and their original ids
 */
export function createMaskedLmPredictions(ids: Int32Array, vocab: MaskingVocab, options: MaskingOptions, rng: Rng): MaskedLmPredictions {
  checkMaskingOptions(options);
  const groups = rng.shuffle(candidateGroups(ids, vocab, options.wholeWordMask ?? false));
  const numToPredict = numberToPredict(ids.length, options);
  const output = Int32Array.from(ids);
  const chosen: number[] = [];
  // The groups are disjoint, so the original's "already covered" check never fires and is left out.
  for (const group of groups) {
    if (chosen.length >= numToPredict) break;
    if (chosen.length + group.length > numToPredict) continue;
    for (const index of group) {
      // [docs: mlm-80-10-10] 80% [MASK]; else half kept, half a random token: 10% / 10% overall.
      if (rng.next() < 0.8) output[index] = vocab.maskId;
      else if (rng.next() < 0.5) output[index] = ids[index];
      else output[index] = vocab.randomTokenIds[rng.int(vocab.randomTokenIds.length)];
      chosen.push(index);
    }
  }
  chosen.sort((a, b) => a - b);
  return { ids: output, maskedPositions: chosen, maskedLabels: chosen.map((i) => ids[i]) };
}
