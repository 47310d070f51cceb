/**
 * WordPiece: split one (normalised) word into vocabulary pieces, greedily taking the longest piece that matches
 * at each position. Pieces after the first carry the `##` continuation prefix.
 *
 *   "unaffable" -> una ##ffa ##ble      (longest match for "una..." is "una", then "##ffa", then "##ble")
 *
 * If some position has no matching piece, or the word is longer than `maxInputCharsPerWord` (100 in Hugging
 * Face; Google's original allowed 200), the whole word becomes the single token [UNK].
 */
import type { Vocab } from './vocab.ts';

export interface WordPieceOptions {
  /** Continuation prefix. Default '##'. */
  prefix?: string;
  /** Longer words (in code points) become [UNK]. Default 100. */
  maxInputCharsPerWord?: number;
}

/**
 * Pieces of one word, flattened: `[id0, start0, end0, id1, start1, end1, ...]` where `start`/`end` are code point
 * offsets inside the word. An unknown word is `[unkId, 0, wordLength]`.
 */
export type Pieces = Int32Array;

/**
 * [docs: wordpiece-greedy]
 * The plain algorithm, on a word given as a string.
 * For each start position try the longest remaining substring first and shorten it one code point at a time.
 */
export function wordPieceSplit(word: string, vocab: Vocab, unkId: number, options: WordPieceOptions = {}): Pieces {
  const prefix = options.prefix ?? '##';
  const maxChars = options.maxInputCharsPerWord ?? 100;
  // Work on code points so that astral characters are never cut in half.
  const chars = Array.from(word);
  const n = chars.length;
  if (n > maxChars) return Int32Array.of(unkId, 0, n);
  const out: number[] = [];
  let start = 0;
  while (start < n) {
    let end = n;
    let found = -1;
    while (start < end) {
      const piece = (start > 0 ? prefix : '') + chars.slice(start, end).join('');
      const id = vocab.tokenToId(piece);
      if (id !== undefined) {
        found = id;
        break;
      }
      end--;
    }
    if (found < 0) return Int32Array.of(unkId, 0, n);
    out.push(found, start, end);
    start = end;
  }
  return Int32Array.from(out);
}

/**
 * WordPiece with a word cache: a corpus repeats the same words over and over, so each distinct word is split
 * once. The cache is cleared when it grows past `capacity` entries, which bounds memory on open-ended text.
 */
export class WordPieceModel {
  readonly vocab: Vocab;
  /** Id of the unknown token; -1 when the vocabulary has none (then an unknown word is an error). */
  readonly unkId: number;
  private readonly unkToken: string;
  readonly options: Required<WordPieceOptions>;
  private cache = new Map<string, Pieces>();
  private readonly capacity: number;

  constructor(vocab: Vocab, unkToken: string, options: WordPieceOptions = {}, capacity = 100_000) {
    this.vocab = vocab;
    this.unkId = vocab.tokenToId(unkToken) ?? -1;
    this.unkToken = unkToken;
    this.options = { prefix: options.prefix ?? '##', maxInputCharsPerWord: options.maxInputCharsPerWord ?? 100 };
    this.capacity = capacity;
  }

  /** Pieces of `word` (see {@link Pieces}). */
  split(word: string): Pieces {
    let p = this.cache.get(word);
    if (p === undefined) {
      p = wordPieceSplit(word, this.vocab, this.unkId, this.options);
      if (p[0] === -1) {
        const what =
          [...word].length > this.options.maxInputCharsPerWord
            ? `is longer than ${this.options.maxInputCharsPerWord} characters`
            : 'cannot be spelled with its pieces';
        throw new Error(`the word ${JSON.stringify(word.slice(0, 50))} ${what}, and the vocabulary has no ${this.unkToken} token to stand for it`);
      }
      if (this.cache.size >= this.capacity) this.cache.clear();
      this.cache.set(word, p);
    }
    return p;
  }
}
