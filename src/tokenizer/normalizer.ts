/**
 * BERT's normaliser with alignment: every character of the normalised text remembers the span of the original
 * text it came from, so that tokens can report character offsets into the string the user gave.
 *
 * Steps, applied to each original code point in turn (the same result as Hugging Face's BertNormalizer, which
 * applies them one after another to the whole string):
 *   1. clean text: drop NUL, U+FFFD and control characters; any whitespace becomes a plain space;
 *   2. put a space before and after each CJK ideograph, so that each becomes a word of its own;
 *   3. strip accents (uncased models): NFD decomposition, then drop non-spacing marks (é -> e + U+0301 -> e);
 *   4. lowercase (uncased models), character by character (so no final-sigma rule: Σ -> σ always).
 * A character that expands (NFD, lowercase) gives several normalised characters that all point back to it;
 * a removed character leaves a gap in the offsets.
 *
 * (Per-character NFD differs from whole-string NFD only by the canonical reordering of runs of combining
 * marks; since stripping removes every non-spacing mark, the two agree except for rare spacing marks with a
 * non-zero combining class.)
 */
import { charClass, CLASS_CJK, CLASS_CONTROL, CLASS_MARK_NONSPACING, CLASS_NFD_DATA, CLASS_WHITESPACE, lowercaseCodePoint } from './unicode.ts';

export interface NormalizerOptions {
  /** Lowercase (uncased models). Default true. */
  lowercase?: boolean;
  /** Strip accents (NFD + drop Mn). Default: same as `lowercase`, as in Hugging Face. */
  stripAccents?: boolean;
  /** Remove control characters and map whitespace to spaces. Default true. */
  cleanText?: boolean;
  /** Put spaces around CJK ideographs. Default true. */
  handleChineseChars?: boolean;
}

export interface ResolvedNormalizerOptions {
  lowercase: boolean;
  stripAccents: boolean;
  cleanText: boolean;
  handleChineseChars: boolean;
}

export function resolveNormalizerOptions(o: NormalizerOptions = {}): ResolvedNormalizerOptions {
  const lowercase = o.lowercase ?? true;
  return {
    lowercase,
    stripAccents: o.stripAccents ?? lowercase,
    cleanText: o.cleanText ?? true,
    handleChineseChars: o.handleChineseChars ?? true,
  };
}

/**
 * Normalised text as parallel arrays, one entry per normalised code point:
 * `codePoints[k]` came from original UTF-16 span `[origStart[k], origEnd[k])`.
 */
export interface NormalizedText {
  codePoints: number[];
  origStart: number[];
  origEnd: number[];
}

const SPACE = 0x20;

/**
 * Expand one (cleaned) code point by accent stripping and lowercasing; returns the resulting code points.
 * [docs: strip-accents-lowercase]
 */
function expandChar(cp: number, o: ResolvedNormalizerOptions): number[] {
  let out: number[] = [cp];
  if (o.stripAccents) {
    out = [];
    // Only characters the Rust library's NFD tables know (assigned by Unicode 8.0) decompose; see unicode.ts.
    const decomposed = (charClass(cp) & CLASS_NFD_DATA) !== 0 ? String.fromCodePoint(cp).normalize('NFD') : String.fromCodePoint(cp);
    for (const ch of decomposed) {
      const c = ch.codePointAt(0)!;
      if ((charClass(c) & CLASS_MARK_NONSPACING) === 0) out.push(c);
    }
  }
  if (o.lowercase) {
    const lowered: number[] = [];
    for (const c of out) {
      // One character at a time, like Rust's char::to_lowercase (no context-dependent rules).
      const l = lowercaseCodePoint(c);
      if (typeof l === 'number') lowered.push(l);
      else lowered.push(...l);
    }
    out = lowered;
  }
  return out;
}

/**
 * Normalise `text.slice(from, to)`.
 * @returns normalised code points with, for each, the original UTF-16 span (absolute indices into `text`).
 */
export function normalizeWithAlignment(text: string, options: ResolvedNormalizerOptions, from = 0, to = text.length): NormalizedText {
  const codePoints: number[] = [];
  const origStart: number[] = [];
  const origEnd: number[] = [];
  const push = (cp: number, s: number, e: number) => {
    codePoints.push(cp);
    origStart.push(s);
    origEnd.push(e);
  };
  let i = from;
  while (i < to) {
    let cp = text.codePointAt(i)!;
    let width = cp > 0xffff ? 2 : 1;
    if (i + width > to) {
      // An astral character cut by the segment end cannot happen for valid segments; treat the unit alone.
      cp = text.charCodeAt(i);
      width = 1;
    }
    const s = i;
    const e = i + width;
    i = e;
    // A lone UTF-16 surrogate cannot be written in UTF-8: the Rust library's JavaScript binding receives U+FFFD in
    // its place (which cleaning then removes), so we read it as U+FFFD too.
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
    const cls = charClass(cp);
    // [docs: normalize-steps] 1. clean (controls dropped, whitespace to ' '), 2. CJK spaced, 3-4. expandChar.
    if (options.cleanText) {
      if (cp === 0 || cp === 0xfffd || (cls & CLASS_CONTROL) !== 0) continue;
      if ((cls & CLASS_WHITESPACE) !== 0) {
        push(SPACE, s, e);
        continue;
      }
    }
    if (options.handleChineseChars && (cls & CLASS_CJK) !== 0) {
      push(SPACE, s, e);
      for (const c of expandChar(cp, options)) push(c, s, e);
      push(SPACE, s, e);
      continue;
    }
    if (!options.stripAccents && !options.lowercase) {
      push(cp, s, e);
      continue;
    }
    for (const c of expandChar(cp, options)) push(c, s, e);
  }
  return { codePoints, origStart, origEnd };
}

/** The normalised string alone (no offsets): handy for checks and for the trainer's word counts. */
export function normalizeText(text: string, options: NormalizerOptions = {}): string {
  const n = normalizeWithAlignment(text, resolveNormalizerOptions(options));
  return codePointsToString(n.codePoints, 0, n.codePoints.length);
}

/** `String.fromCodePoint` over `cps[from..to)`, in chunks so that long inputs do not overflow the stack. */
export function codePointsToString(cps: readonly number[], from: number, to: number): string {
  let out = '';
  for (let i = from; i < to; i += 4096) {
    out += String.fromCodePoint(...cps.slice(i, Math.min(to, i + 4096)));
  }
  return out;
}
