/**
 * Text -> WordPiece ids for one sequence, with offsets and word indices, before [CLS]/[SEP] are added.
 *
 * Pipeline (the same as Hugging Face's BERT tokenizer):
 *   1. find special tokens written in the raw text ("[CLS]", "[SEP]", "[MASK]", "[PAD]", "[UNK]"): each is kept
 *      as that token, exactly as written (matching is on the original, unnormalised text);
 *   2. normalise the text between them and split it into words (see normalizer.ts, pre-tokenizer.ts);
 *   3. split each word into WordPiece tokens (wordpiece.ts).
 *
 * Two paths give the same result. The general path runs the normaliser with alignment arrays. The fast path
 * handles the common case of printable ASCII text (plus tab/newline/CR) directly on the string: there is nothing
 * to remove, decompose or pad, so normalisation is just lowercasing and offsets need no alignment arrays.
 * Tests check that both paths agree.
 */
import { normalizeWithAlignment, codePointsToString, type ResolvedNormalizerOptions } from './normalizer.ts';
import { splitWords, type OffsetUnit } from './pre-tokenizer.ts';
import { hasSurrogates, utf16ToCodePointMap } from './unicode.ts';
import type { WordPieceModel } from './wordpiece.ts';

/** One encoded sequence: parallel arrays, one entry per token. */
export interface RawSequence {
  ids: number[];
  /** Flat `[start0, end0, start1, end1, ...]` character offsets into the text. */
  offsets: number[];
  /** Index of the word (pre-token, or special token written in the text) each token belongs to. */
  wordIds: number[];
}

/** ASCII classes for the fast path: 0 = part of a word, 1 = whitespace, 2 = punctuation. */
const ASCII_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const punct = (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126);
  ASCII_CLASS[c] = c === 9 || c === 10 || c === 13 || c === 32 ? 1 : punct ? 2 : 0;
}
/** Text that the fast path can handle: printable ASCII, tab, newline, carriage return. */
const FAST_PATH_RE = /^[\t\n\r\x20-\x7e]*$/;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export class SequenceEncoder {
  private readonly specialRe: RegExp | null;
  private readonly specialFirstChars: string[];
  private readonly specialIds: Map<string, number>;
  /** Use the ASCII fast path where it applies (tests turn it off to compare with the general path). */
  useFastPath = true;

  constructor(
    private readonly model: WordPieceModel,
    private readonly norm: ResolvedNormalizerOptions,
    /** Special tokens recognised in raw text. */
    specialTokens: readonly string[],
  ) {
    this.specialIds = new Map(specialTokens.map((t) => [t, model.vocab.requireId(t)]));
    // Longest first, so that the regex alternation finds the leftmost-longest special token.
    const sorted = [...specialTokens].sort((a, b) => b.length - a.length);
    this.specialRe = sorted.length ? new RegExp(sorted.map(escapeRegExp).join('|'), 'g') : null;
    this.specialFirstChars = [...new Set(sorted.map((t) => t[0]))];
  }

  /**
   * Encode one text.
   * @param limit stop after the word that brings the token count to `limit` or more (emulates the early exit
   *   of Hugging Face tokenizers >= 0.23.1 when truncating; Infinity = encode everything).
   */
  encode(text: string, offsetUnit: OffsetUnit = 'codepoint', limit = Infinity): RawSequence {
    const out: RawSequence = { ids: [], offsets: [], wordIds: [] };
    const fast = this.useFastPath && FAST_PATH_RE.test(text);
    const state = { word: 0 };
    let pos = 0;
    for (const m of this.specialMatches(text)) {
      if (m.start > pos && !this.encodeSegment(text, pos, m.start, fast, out, state, limit)) return this.finish(text, out, offsetUnit);
      out.ids.push(this.specialIds.get(m.token)!);
      out.offsets.push(m.start, m.start + m.token.length);
      out.wordIds.push(state.word++);
      pos = m.start + m.token.length;
      if (out.ids.length >= limit) return this.finish(text, out, offsetUnit);
    }
    if (pos < text.length) this.encodeSegment(text, pos, text.length, fast, out, state, limit);
    return this.finish(text, out, offsetUnit);
  }

  private finish(text: string, out: RawSequence, unit: OffsetUnit): RawSequence {
    if (unit === 'codepoint' && hasSurrogates(text)) {
      const map = utf16ToCodePointMap(text);
      for (let i = 0; i < out.offsets.length; i++) out.offsets[i] = map[out.offsets[i]];
    }
    return out;
  }

  /** Special tokens in `text`, leftmost-longest, not overlapping. */
  private specialMatches(text: string): { start: number; token: string }[] {
    if (!this.specialRe || !this.specialFirstChars.some((c) => text.includes(c))) return [];
    const found: { start: number; token: string }[] = [];
    for (const m of text.matchAll(this.specialRe)) found.push({ start: m.index!, token: m[0] });
    return found;
  }

  /** Encode `text[from, to)`; returns false when the limit was reached. */
  private encodeSegment(text: string, from: number, to: number, fast: boolean, out: RawSequence, state: { word: number }, limit: number): boolean {
    return fast ? this.encodeAscii(text, from, to, out, state, limit) : this.encodeGeneral(text, from, to, out, state, limit);
  }

  /** Fast path: printable ASCII. Normalised word = lowercased slice, and offsets are the slice positions. */
  private encodeAscii(text: string, from: number, to: number, out: RawSequence, state: { word: number }, limit: number): boolean {
    const lower = this.norm.lowercase;
    const { ids, offsets, wordIds } = out;
    let i = from;
    while (i < to) {
      const k = ASCII_CLASS[text.charCodeAt(i)];
      if (k === 1) {
        i++;
        continue;
      }
      let j = i + 1;
      if (k === 0) while (j < to && ASCII_CLASS[text.charCodeAt(j)] === 0) j++;
      const w = lower ? text.slice(i, j).toLowerCase() : text.slice(i, j);
      const p = this.model.split(w);
      const word = state.word++;
      for (let t = 0; t < p.length; t += 3) {
        ids.push(p[t]);
        offsets.push(i + p[t + 1], i + p[t + 2]);
        wordIds.push(word);
      }
      i = j;
      if (ids.length >= limit) return false;
    }
    return true;
  }

  /** General path: normaliser with alignment, word split, WordPiece, offsets mapped back to the original. */
  private encodeGeneral(text: string, from: number, to: number, out: RawSequence, state: { word: number }, limit: number): boolean {
    const n = normalizeWithAlignment(text, this.norm, from, to);
    for (const w of splitWords(n)) {
      const p = this.model.split(codePointsToString(n.codePoints, w.from, w.to));
      const word = state.word++;
      for (let t = 0; t < p.length; t += 3) {
        out.ids.push(p[t]);
        out.offsets.push(n.origStart[w.from + p[t + 1]], n.origEnd[w.from + p[t + 2] - 1]);
        out.wordIds.push(word);
      }
      if (out.ids.length >= limit) return false;
    }
    return true;
  }
}
