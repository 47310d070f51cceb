/**
 * BERT's basic pre-tokeniser: normalise, then split on whitespace (dropped) and punctuation (each mark its own
 * word). WordPiece then splits each word further. Word boundaries matter elsewhere too: whole-word masking in
 * pretraining and word-level labels in token classification.
 *
 *   "Don't stop-believing..."  ->  don ' t stop - believing . . .
 */
import { codePointsToString, normalizeWithAlignment, resolveNormalizerOptions, type NormalizedText, type NormalizerOptions } from './normalizer.ts';
import { charClass, CLASS_PUNCTUATION, CLASS_WHITESPACE, utf16ToCodePointMap, hasSurrogates } from './unicode.ts';

/** Where offsets count: code points (Python/Hugging Face characters, the default) or UTF-16 code units. */
export type OffsetUnit = 'codepoint' | 'utf16';

/** One pre-token: its normalised text and the span `[start, end)` of the original string it covers. */
export interface Word {
  text: string;
  start: number;
  end: number;
}

/** A word as a range `[from, to)` of normalised code points. */
export interface WordRange {
  from: number;
  to: number;
}

/** Split normalised text into words: whitespace separates, punctuation stands alone. [docs: split-words] */
export function splitWords(n: NormalizedText): WordRange[] {
  const words: WordRange[] = [];
  const cps = n.codePoints;
  let start = -1;
  for (let k = 0; k < cps.length; k++) {
    const cls = charClass(cps[k]);
    if ((cls & CLASS_WHITESPACE) !== 0) {
      if (start >= 0) words.push({ from: start, to: k });
      start = -1;
    } else if ((cls & CLASS_PUNCTUATION) !== 0) {
      if (start >= 0) words.push({ from: start, to: k });
      words.push({ from: k, to: k + 1 });
      start = -1;
    } else if (start < 0) {
      start = k;
    }
  }
  if (start >= 0) words.push({ from: start, to: cps.length });
  return words;
}

export interface PreTokenizeOptions extends NormalizerOptions {
  /** Unit of `start`/`end`. Default 'codepoint' (what Hugging Face reports). */
  offsetUnit?: OffsetUnit;
}

/**
 * Normalise and split `text` into words with offsets into `text`.
 * Special tokens such as `[CLS]` are not recognised here (the tokenizer does that before pre-tokenising).
 * @returns words in order; `text.slice(start, end)` (UTF-16 offsets) normalises to `word.text`.
 */
export function preTokenize(text: string, options: PreTokenizeOptions = {}): Word[] {
  const n = normalizeWithAlignment(text, resolveNormalizerOptions(options));
  const map = options.offsetUnit !== 'utf16' && hasSurrogates(text) ? utf16ToCodePointMap(text) : null;
  return splitWords(n).map(({ from, to }) => {
    const s = n.origStart[from];
    const e = n.origEnd[to - 1];
    return {
      text: codePointsToString(n.codePoints, from, to),
      start: map ? map[s] : s,
      end: map ? map[e] : e,
    };
  });
}
