/**
 * Learn a WordPiece vocabulary from a corpus, with the semantics of Hugging Face's BertWordPieceTokenizer trainer
 * (a BPE trainer whose non-initial symbols carry the `##` prefix):
 *
 *   1. count words: normalise and pre-tokenise every line exactly as the tokenizer will (lowercase, accents
 *      stripped, punctuation split off), counting how often each word occurs;
 *   2. vocabulary = special tokens, then the alphabet: every character seen, keeping only the `limitAlphabet`
 *      most frequent ones (weighted by word counts), in code point order;
 *   3. spell every word as symbols: first character plain, the others with `##` ("the" -> t ##h ##e); the
 *      `##c` symbols join the vocabulary; characters outside the alphabet are dropped (a word whose first
 *      character was dropped starts with a `##` symbol);
 *   4. repeat until the vocabulary has `vocabSize` tokens: take the most frequent adjacent pair of symbols
 *      (summed over words x word counts; ties go to the pair of smaller ids), stop if its count is below
 *      `minFrequency`, add the joined symbol (a + b without b's `##`: "t" + "##h" -> "th", "##h" + "##e" ->
 *      "##he") and replace the pair by it in every word.
 *
 * The result is used by greedy longest-match WordPiece (wordpiece.ts), not by replaying the merges. Ids of `##c`
 * symbols and ties between equally frequent pairs are decided deterministically here (code point order, then
 * smaller ids); Hugging Face decides them by hash-map order, so vocabularies can differ in a few late merges.
 */
import { readLinesSync } from '../io/text-lines.ts';
import { resolveNormalizerOptions, type NormalizerOptions, type ResolvedNormalizerOptions } from './normalizer.ts';
import { preTokenize } from './pre-tokenizer.ts';
import { BERT_SPECIAL_TOKENS } from './vocab.ts';

/** How many special tokens a BERT vocabulary starts with ([PAD] [UNK] [CLS] [SEP] [MASK]). */
export const BERT_SPECIAL_TOKEN_COUNT = Object.keys(BERT_SPECIAL_TOKENS).length;

/**
 * The vocabulary asked for is smaller than the special tokens and the corpus's alphabet together, the least
 * any trained vocabulary holds. (Hugging Face's trainer then returns the larger vocabulary without a word;
 * here that is an error, so that a size that cannot be met is never silently replaced.)
 */
export class VocabSizeError extends Error {
  constructor(
    readonly requested: number,
    readonly minimum: number,
    /** What the minimum is made of, in words. */
    readonly reason: string,
  ) {
    super(`vocabulary size ${requested} is below the minimum for this corpus, ${minimum} (${reason}): ask for at least ${minimum}`);
    this.name = 'VocabSizeError';
  }
}

export interface TrainWordPieceOptions extends NormalizerOptions {
  /** Corpus files (UTF-8 text, read line by line with the checks of src/io/text-lines.ts). */
  files?: readonly string[];
  /** Longest line allowed in `files`, in bytes. Default: the reader's limit (1 MiB, `--max-line-bytes`). */
  maxLineBytes?: number;
  /** Corpus texts (each may hold many lines). */
  texts?: Iterable<string>;
  /** Target vocabulary size, special tokens and alphabet included. */
  vocabSize: number;
  /** Pairs seen fewer times stop training. Default 2. */
  minFrequency?: number;
  /** Keep at most this many distinct characters (the most frequent). Default 1000. */
  limitAlphabet?: number;
  /** Tokens placed first, in order. Default [PAD] [UNK] [CLS] [SEP] [MASK]. */
  specialTokens?: readonly string[];
  /** Continuation prefix. Default '##'. */
  prefix?: string;
  /** Called after each merge (to watch training, as examples/03-wordpiece.ts does). */
  onMerge?: (merge: { left: string; right: string; token: string; count: number }) => void;
}

/** Printable ASCII (and tab/newline/CR): its BERT words are runs of letters/digits and single punctuation marks. */
const ASCII_RE = /^[\t\n\r\x20-\x7e]*$/;
const ASCII_WORD_RE = /[A-Za-z0-9]+|[!-/:-@[-`{-~]/g;

/**
 * Count the words of `text` after BERT normalisation and pre-tokenisation, adding to `counts`.
 * Same words as {@link preTokenize}; an all-ASCII line takes a regular-expression shortcut.
 */
export function countWords(text: string, norm: ResolvedNormalizerOptions, counts: Map<string, number>): void {
  for (const line of text.split('\n')) {
    if (ASCII_RE.test(line)) {
      const s = norm.lowercase ? line.toLowerCase() : line;
      for (const m of s.matchAll(ASCII_WORD_RE)) counts.set(m[0], (counts.get(m[0]) ?? 0) + 1);
    } else {
      for (const w of preTokenize(line, norm)) counts.set(w.text, (counts.get(w.text) ?? 0) + 1);
    }
  }
}

/** Pair (a, b) of symbol ids as one number; ascending keys = ascending (a, b). */
const SHIFT = 2 ** 22;
const pairKey = (a: number, b: number) => a * SHIFT + b;

/** Max-heap of (count, key): highest count first, then smallest key. Entries may be stale (checked on pop). */
class PairHeap {
  private counts: number[] = [];
  private keys: number[] = [];
  get size(): number {
    return this.counts.length;
  }
  private above(i: number, j: number): boolean {
    const ci = this.counts[i];
    const cj = this.counts[j];
    return ci > cj || (ci === cj && this.keys[i] < this.keys[j]);
  }
  private swap(i: number, j: number): void {
    [this.counts[i], this.counts[j]] = [this.counts[j], this.counts[i]];
    [this.keys[i], this.keys[j]] = [this.keys[j], this.keys[i]];
  }
  push(count: number, key: number): void {
    this.counts.push(count);
    this.keys.push(key);
    let i = this.counts.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.above(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }
  pop(): { count: number; key: number } {
    const top = { count: this.counts[0], key: this.keys[0] };
    const lastC = this.counts.pop()!;
    const lastK = this.keys.pop()!;
    if (this.counts.length > 0) {
      this.counts[0] = lastC;
      this.keys[0] = lastK;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let best = i;
        if (l < this.counts.length && this.above(l, best)) best = l;
        if (r < this.counts.length && this.above(r, best)) best = r;
        if (best === i) break;
        this.swap(i, best);
        i = best;
      }
    }
    return top;
  }
}

/** Replace every non-overlapping (a, b), left to right, by `c`. */
function mergeWord(word: number[], a: number, b: number, c: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < word.length; i++) {
    if (i + 1 < word.length && word[i] === a && word[i + 1] === b) {
      out.push(c);
      i++;
    } else {
      out.push(word[i]);
    }
  }
  return out;
}

/**
 * Train a WordPiece vocabulary.
 * @returns the vocabulary tokens in id order (write them with `new Vocab(tokens).toFile(path)`).
 */
export function trainWordPiece(options: TrainWordPieceOptions): string[] {
  const norm = resolveNormalizerOptions(options);
  const counts = new Map<string, number>();
  const files = options.files ?? [];
  for (const f of files) {
    for (const { text } of readLinesSync(f, { what: 'corpus file', maxLineBytes: options.maxLineBytes })) countWords(text, norm, counts);
  }
  for (const t of options.texts ?? []) countWords(t, norm, counts);
  if (counts.size === 0) {
    if (files.length === 0 && options.texts === undefined) throw new Error('trainWordPiece: no corpus: give files or texts');
    const where = files.length > 0 ? `${files.join(', ')}: ` : '';
    throw new Error(
      `${where}the corpus has no words: it is empty or holds only whitespace and characters the tokenizer removes; expected text, one sentence per line`,
    );
  }
  return trainFromWordCounts(counts, options);
}

/** Steps 2-4 on word counts (word -> occurrences). */
export function trainFromWordCounts(wordCounts: ReadonlyMap<string, number>, options: Omit<TrainWordPieceOptions, 'files' | 'texts'>): string[] {
  const { vocabSize } = options;
  if (!Number.isInteger(vocabSize) || vocabSize < 1) throw new Error(`vocabSize must be a positive integer, got ${vocabSize}`);
  const minFrequency = options.minFrequency ?? 2;
  const limitAlphabet = options.limitAlphabet ?? 1000;
  const prefix = options.prefix ?? '##';
  const tokens: string[] = [];
  const ids = new Map<string, number>();
  const add = (t: string): number => {
    let id = ids.get(t);
    if (id === undefined) {
      id = tokens.length;
      tokens.push(t);
      ids.set(t, id);
    }
    return id;
  };

  // 1. Special tokens.
  for (const t of options.specialTokens ?? Object.values(BERT_SPECIAL_TOKENS)) add(t);

  // 2. Alphabet: character frequencies weighted by word counts; keep the most frequent, in code point order.
  const charCounts = new Map<number, number>();
  for (const [w, n] of wordCounts) {
    for (const ch of w) {
      const cp = ch.codePointAt(0)!;
      charCounts.set(cp, (charCounts.get(cp) ?? 0) + n);
    }
  }
  let alphabet = [...charCounts.keys()];
  if (alphabet.length > limitAlphabet) {
    // Least frequent go first; among equals, larger code points go first.
    alphabet.sort((x, y) => charCounts.get(x)! - charCounts.get(y)! || y - x);
    alphabet = alphabet.slice(alphabet.length - limitAlphabet);
  }
  alphabet.sort((x, y) => x - y);
  const inAlphabet = new Set(alphabet);
  for (const cp of alphabet) add(String.fromCodePoint(cp));

  // [docs: wordpiece-spell-words]
  // 3. Words as symbol ids: first character plain, the rest with the prefix. `##c` symbols in code point order.
  // "First" means first in the word: if it is dropped, the next kept character still carries the prefix.
  const continued = new Set<number>();
  for (const w of wordCounts.keys()) {
    let first = true;
    for (const ch of w) {
      const cp = ch.codePointAt(0)!;
      if (!first && inAlphabet.has(cp)) continued.add(cp);
      first = false;
    }
  }
  for (const cp of [...continued].sort((x, y) => x - y)) add(prefix + String.fromCodePoint(cp));
  if (tokens.length > vocabSize) {
    const specials = tokens.length - alphabet.length - continued.size;
    const limited = charCounts.size > alphabet.length ? ` (limited to the ${limitAlphabet} most frequent of ${charCounts.size})` : '';
    throw new VocabSizeError(
      vocabSize,
      tokens.length,
      `${specials} special tokens, ${alphabet.length} characters${limited} and ${continued.size} ##-continuations of them`,
    );
  }
  const words: number[][] = [];
  const freq: number[] = [];
  for (const [w, n] of wordCounts) {
    const symbols: number[] = [];
    let first = true;
    for (const ch of w) {
      if (inAlphabet.has(ch.codePointAt(0)!)) symbols.push(ids.get(first ? ch : prefix + ch)!);
      first = false;
    }
    words.push(symbols);
    freq.push(n);
  }

  // 4. Pair counts, where each pair occurs, and a heap to find the most frequent.
  const pairCounts = new Map<number, number>();
  const where = new Map<number, Set<number>>();
  const addPairs = (wi: number, sign: number, onNew?: (key: number) => void) => {
    const w = words[wi];
    for (let i = 0; i + 1 < w.length; i++) {
      const key = pairKey(w[i], w[i + 1]);
      pairCounts.set(key, (pairCounts.get(key) ?? 0) + sign * freq[wi]);
      if (sign > 0) {
        let s = where.get(key);
        if (!s) where.set(key, (s = new Set()));
        s.add(wi);
        onNew?.(key);
      }
    }
  };
  words.forEach((_, wi) => addPairs(wi, 1));
  const heap = new PairHeap();
  for (const [key, n] of pairCounts) heap.push(n, key);

  // [docs: wordpiece-merge] Merge the most frequent adjacent pair until vocabSize tokens or below minFrequency.
  while (tokens.length < vocabSize && heap.size > 0) {
    const top = heap.pop();
    const current = pairCounts.get(top.key) ?? 0;
    if (top.count !== current) {
      if (current > 0) heap.push(current, top.key); // stale entry: requeue with the true count
      continue;
    }
    if (current < 1 || current < minFrequency) break;
    const a = Math.floor(top.key / SHIFT);
    const b = top.key % SHIFT;
    const right = tokens[b].startsWith(prefix) ? tokens[b].slice(prefix.length) : tokens[b];
    const c = add(tokens[a] + right);
    options.onMerge?.({ left: tokens[a], right: tokens[b], token: tokens[c], count: current });
    const touched = new Set<number>();
    for (const wi of where.get(top.key) ?? []) {
      const w = words[wi];
      let has = false;
      for (let i = 0; i + 1 < w.length && !has; i++) has = w[i] === a && w[i + 1] === b;
      if (!has) continue;
      addPairs(wi, -1);
      words[wi] = mergeWord(w, a, b, c);
      addPairs(wi, 1, (key) => {
        // Only pairs with the new symbol are new; the others were there before and can only have lost counts.
        if (Math.floor(key / SHIFT) === c || key % SHIFT === c) touched.add(key);
      });
    }
    where.delete(top.key);
    // Pairs that gained occurrences need a fresh heap entry; pairs that lost some are requeued when popped.
    for (const key of touched) {
      const n = pairCounts.get(key)!;
      if (n > 0) heap.push(n, key);
    }
  }
  return tokens;
}
