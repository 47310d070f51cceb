/**
 * Pretraining instances for BERT's two objectives, with the semantics of google-research/bert's
 * `create_pretraining_data.py`:
 *
 *   - next sentence prediction (NSP): a pair `[CLS] A [SEP] B [SEP]` where B is the text that follows A in
 *     the same document, or (half of the time) text from another document;
 *   - masked language modelling (MLM): some of its tokens hidden (see masking.ts).
 *
 * Per document (`pairInstancesFromDocument`):
 *
 *   max_num_tokens = max_seq_length - 3                 (room for [CLS], [SEP], [SEP])
 *   target = max_num_tokens, or with probability short_seq_prob a uniform integer in [2, max_num_tokens]
 *            (drawn once per document and pass)
 *
 *   Sentences are added to a chunk until the chunk reaches `target` tokens or the document ends. Then
 *   A = the first a_end sentences of the chunk, a_end uniform in [1, len(chunk) - 1] (1 for a one-sentence
 *   chunk), and B is either
 *     - random (always when the chunk has one sentence, else with probability 1/2): sentences of another
 *       document (drawn up to 10 times to avoid this one) from a random start, until B reaches
 *       target - len(A) tokens; the chunk's unused sentences are "put back" and start the next chunk;
 *     - the true continuation: the rest of the chunk.
 *   The pair is cut to max_num_tokens by `truncateSeqPair`.
 *
 * Whole corpus (`createPretrainingInstances`): shuffle the documents, make `dupeFactor` passes over them
 * (each pass draws new targets, splits, partners and masks: static masking), then shuffle all instances.
 *
 * The random stream is the project's `Rng`, not Python's, so the same seed gives other instances than the
 * Python script; the distribution is the same.
 */
import type { Rng } from '../tensor/random.ts';
import type { CorpusDocument } from './corpus.ts';
import { createMaskedLmPredictions, type MaskingOptions, type MaskingVocab } from './masking.ts';
import { PackedInstances } from './packed-instances.ts';
import { type TokenCorpus, TokenCorpusBuilder } from './token-corpus.ts';

/**
 * The part of a tokenizer that instance creation needs. The project's `BertTokenizer` fits as it is; any
 * other tokenizer with these two methods does too.
 */
export interface PretrainingTokenizer {
  /** Text to token strings (`##` marks a piece that continues a word), without [CLS]/[SEP]. */
  tokenize(text: string): string[];
  /** Token strings to ids (unknown tokens are the tokenizer's business, e.g. [UNK]). */
  convertTokensToIds(tokens: readonly string[]): number[];
}

/** A document as token ids: one Int32Array per sentence, no empty sentences. */
export type TokenizedDocument = Int32Array[];

/** A sentence pair before masking. */
export interface PairInstance {
  /** `[CLS] A [SEP] B [SEP]`, shape [seq], seq <= maxSeqLength. */
  ids: Int32Array;
  /** 0 for [CLS], A and the first [SEP]; 1 for B and the last [SEP]. Shape [seq]. */
  segmentIds: Int32Array;
  /** True when B comes from another document (NSP label 1, as Hugging Face's next_sentence_label). */
  isRandomNext: boolean;
}

/** A sentence pair with its masked-LM predictions: what one row of a pretraining batch holds. */
export interface PretrainingInstance extends PairInstance {
  /** Here `ids` is the masked input. */
  ids: Int32Array;
  /** Masked positions, ascending. */
  maskedPositions: number[];
  /** Original token id at each masked position. */
  maskedLabels: number[];
}

/** How sentence pairs are made. */
export interface PairOptions {
  /** Longest sequence, special tokens included (BERT: 128 then 512). At least 5. */
  maxSeqLength: number;
  /** Probability that a document's target length is drawn short (BERT: 0.1). */
  shortSeqProb: number;
}

/** Everything `createPretrainingInstances` needs. */
export interface PretrainingDataOptions extends PairOptions, MaskingOptions {
  /** Passes over the corpus, each with fresh pairs and masks (BERT: 10). Default 1. */
  dupeFactor?: number;
}

/**
 * Tokenize one corpus document into ids. Sentences that tokenize to nothing are dropped, as in the original.
 * @throws when the tokenizer gives no integer id for a token (the message names file and line)
 */
export function tokenizeDocument(doc: CorpusDocument | readonly string[], tokenizer: PretrainingTokenizer): TokenizedDocument {
  const sentences = Array.isArray(doc) ? (doc as readonly string[]) : (doc as CorpusDocument).sentences;
  const out: TokenizedDocument = [];
  for (let s = 0; s < sentences.length; s++) {
    const tokens = tokenizer.tokenize(sentences[s]);
    if (tokens.length === 0) continue;
    const tokenIds = tokenizer.convertTokensToIds(tokens);
    const ids = new Int32Array(tokens.length);
    for (let t = 0; t < tokens.length; t++) {
      const id = tokenIds[t];
      if (!Number.isInteger(id) || id < 0) {
        const where = Array.isArray(doc) ? `sentence ${s + 1}` : `${(doc as CorpusDocument).file}:${(doc as CorpusDocument).lines[s]}`;
        throw new Error(`${where}: expected an id for token ${JSON.stringify(tokens[t])}, the tokenizer gave ${id}`);
      }
      ids[t] = id;
    }
    out.push(ids);
  }
  // One array for the whole document, the sentences views into it: on a large corpus the engine's cost of
  // each separate array (a header and an allocation) is as large as the ids themselves.
  if (out.length < 2) return out;
  const all = new Int32Array(out.reduce((n, ids) => n + ids.length, 0));
  let at = 0;
  return out.map((ids) => {
    all.set(ids, at);
    at += ids.length;
    return all.subarray(at - ids.length, at);
  });
}

/** Options of `tokenizeCorpus`. */
export interface TokenizeCorpusOptions {
  /** The unknown-word token, whose share of the corpus is checked. Default '[UNK]'. */
  unkToken?: string;
  /** Where the warning about a corpus of mostly unknown words goes (default: stderr, as `warning: ...`). */
  onWarning?: (message: string) => void;
}

/** Above this share of [UNK] tokens the vocabulary does not fit the corpus (real corpora: well under 1%). */
export const UNK_WARNING_SHARE = 0.5;

/**
 * Tokenize a stream of documents (e.g. `readCorpus(files)`), keeping only documents with tokens.
 * Only token ids are kept in memory, not the text. Warns when more than half of the tokens are [UNK]: the
 * model would learn to predict [UNK].
 */
export async function tokenizeCorpus(
  docs: AsyncIterable<CorpusDocument> | Iterable<CorpusDocument>,
  tokenizer: PretrainingTokenizer,
  options: TokenizeCorpusOptions = {},
): Promise<TokenizedDocument[]> {
  const out: TokenizedDocument[] = [];
  const files = new Set<string>();
  for await (const doc of docs) {
    files.add(doc.file);
    const tokenized = tokenizeDocument(doc, tokenizer);
    if (tokenized.length > 0) out.push(tokenized);
  }
  const unkId = tokenizer.convertTokensToIds([options.unkToken ?? '[UNK]'])[0];
  let tokens = 0;
  let unknown = 0;
  for (const doc of out) {
    for (const sentence of doc) {
      tokens += sentence.length;
      for (let i = 0; i < sentence.length; i++) if (sentence[i] === unkId) unknown++;
    }
  }
  warnWhenMostlyUnknown(files, tokens, unknown, options);
  return out;
}

/** The warning of tokenizeCorpus, when more than UNK_WARNING_SHARE of the tokens are unknown. */
function warnWhenMostlyUnknown(files: Set<string>, tokens: number, unknown: number, options: TokenizeCorpusOptions): void {
  const unkToken = options.unkToken ?? '[UNK]';
  if (tokens > 0 && unknown / tokens > UNK_WARNING_SHARE) {
    (options.onWarning ?? ((m: string) => console.warn(`warning: ${m}`)))(
      `${[...files].join(', ')}: ${unknown} of the corpus's ${tokens} tokens (${((100 * unknown) / tokens).toFixed(1)}%) are ${unkToken}: ` +
        'the vocabulary does not cover this text (another language or script, or cased text with a vocabulary trained without it?), ' +
        `so the model would mostly learn to predict ${unkToken}. Train a vocabulary on this corpus (leave out --vocab).`,
    );
  }
}

/**
 * tokenizeCorpus into one flat TokenCorpus (token-corpus.ts), each document appended as soon as it is
 * tokenized: the same documents and sentences, in less than a third of the memory (10 MB instead of 36 for
 * 20.7 MB of English text).
 * @param vocabSize the vocabulary's size (ids are kept in 16 bits when it is at most 65,536)
 */
export async function tokenizeToCorpus(
  docs: AsyncIterable<CorpusDocument> | Iterable<CorpusDocument>,
  tokenizer: PretrainingTokenizer,
  vocabSize: number,
  options: TokenizeCorpusOptions = {},
): Promise<TokenCorpus> {
  const builder = new TokenCorpusBuilder(vocabSize);
  const files = new Set<string>();
  for await (const doc of docs) {
    files.add(doc.file);
    builder.addDocument(tokenizeDocument(doc, tokenizer));
  }
  const corpus = builder.finish();
  const unkId = tokenizer.convertTokensToIds([options.unkToken ?? '[UNK]'])[0];
  let unknown = 0;
  for (let i = 0; i < corpus.tokens.length; i++) if (corpus.tokens[i] === unkId) unknown++;
  warnWhenMostlyUnknown(files, corpus.tokenCount, unknown, options);
  return corpus;
}

/** A half-open range [start, end) of a token array. */
export interface TruncationSpan {
  start: number;
  end: number;
}

/**
 * [docs: truncate-seq-pair]
 * `truncate_seq_pair`: while len(A) + len(B) > maxNumTokens, drop one token from the longer of the two
 * (B when they are equally long), from its front or its back with probability 1/2 each.
 * Works on lengths and returns what is kept of each, so no array is shifted.
 * @returns the kept spans of A and B
 */
export function truncateSeqPair(lengthA: number, lengthB: number, maxNumTokens: number, rng: Rng): [TruncationSpan, TruncationSpan] {
  const a = { start: 0, end: lengthA };
  const b = { start: 0, end: lengthB };
  while (a.end - a.start + (b.end - b.start) > maxNumTokens) {
    const longer = a.end - a.start > b.end - b.start ? a : b;
    if (rng.next() < 0.5) longer.start++;
    else longer.end--;
  }
  return [a, b];
}

function checkPairOptions(options: PairOptions): void {
  const { maxSeqLength: m, shortSeqProb: p } = options;
  if (!(Number.isInteger(m) && m >= 5)) {
    throw new Error(`pretraining instances: maxSeqLength must be an integer >= 5 ([CLS] a [SEP] b [SEP]), got ${m}`);
  }
  if (!(p >= 0 && p <= 1)) throw new Error(`pretraining instances: shortSeqProb must be in [0, 1], got ${p}`);
}

/**
 * [docs: assemble-pair]
 * Build `[CLS] A [SEP] B [SEP]` and its segment ids from the kept spans of A and B.
 * Shapes: ids and segmentIds [lenA + lenB + 3].
 */
export function assemblePair(
  tokensA: Int32Array,
  spanA: TruncationSpan,
  tokensB: Int32Array,
  spanB: TruncationSpan,
  clsId: number,
  sepId: number,
): { ids: Int32Array; segmentIds: Int32Array } {
  const lenA = spanA.end - spanA.start;
  const lenB = spanB.end - spanB.start;
  const ids = new Int32Array(lenA + lenB + 3);
  const segmentIds = new Int32Array(lenA + lenB + 3);
  ids[0] = clsId;
  ids.set(tokensA.subarray(spanA.start, spanA.end), 1);
  ids[lenA + 1] = sepId;
  ids.set(tokensB.subarray(spanB.start, spanB.end), lenA + 2);
  ids[lenA + lenB + 2] = sepId;
  segmentIds.fill(1, lenA + 2);
  return { ids, segmentIds };
}

/** The sentence lengths of a corpus's documents: all that the pair recipe looks at. */
export interface SentenceLengths {
  readonly documentCount: number;
  /** Number of sentences of document `d` (at least 1). */
  sentenceCount(d: number): number;
  /** Number of tokens of sentence `s` of document `d` (at least 1). */
  sentenceLength(d: number, s: number): number;
}

/**
 * One segment of a pair, after truncation: `length` tokens of document `document`, starting `offset` tokens
 * into its sentence `sentence` (and running on through the sentences after it). A document's sentences are
 * consecutive, so this is one range of a flat corpus (token-corpus.ts).
 */
export interface SegmentSpan {
  document: number;
  sentence: number;
  offset: number;
  length: number;
}

/** Where segments A and B of a pair come from, and the NSP label. */
export interface PairSpans {
  a: SegmentSpan;
  b: SegmentSpan;
  isRandomNext: boolean;
}

/**
 * `create_instances_from_document` without the masking, on sentence lengths only: where segments A and B of
 * each pair of one document come from, lazily, so that a caller that masks each pair as it comes draws random
 * numbers in the original's order. The recipe never looks at a token id, only at how many there are, so the
 * same draws give the same spans whether the corpus is held as arrays of sentences or as one flat array.
 * @param corpus the whole corpus (random B segments come from it); no empty documents or sentences
 * @param documentIndex the document to cut into pairs
 */
export function* pairSpansFromDocument(corpus: SentenceLengths, documentIndex: number, options: PairOptions, rng: Rng): Generator<PairSpans> {
  const sentences = corpus.sentenceCount(documentIndex);
  // [docs: pretraining-target-length] max_seq_length - 3, or with probability short_seq_prob a shorter target.
  const maxNumTokens = options.maxSeqLength - 3;
  let targetSeqLength = maxNumTokens;
  if (rng.next() < options.shortSeqProb) targetSeqLength = rng.randint(2, maxNumTokens);

  // The chunk: sentences chunkStart .. chunkStart + chunkSentences - 1, chunkLength tokens in all.
  let chunkStart = 0;
  let chunkSentences = 0;
  let chunkLength = 0;
  let i = 0;
  while (i < sentences) {
    if (chunkSentences === 0) chunkStart = i;
    chunkSentences++;
    chunkLength += corpus.sentenceLength(documentIndex, i);
    if (i === sentences - 1 || chunkLength >= targetSeqLength) {
      // [docs: pretraining-segment-a] How many sentences of the chunk go into A.
      const aEnd = chunkSentences >= 2 ? rng.randint(1, chunkSentences - 1) : 1;
      let lengthA = 0;
      for (let s = chunkStart; s < chunkStart + aEnd; s++) lengthA += corpus.sentenceLength(documentIndex, s);
      let b: { document: number; sentence: number };
      let lengthB = 0;
      let isRandomNext: boolean;
      // [docs: nsp-random-b] B from another document: always for a one-sentence chunk, else with probability 1/2.
      if (chunkSentences === 1 || rng.next() < 0.5) {
        isRandomNext = true;
        const targetBLength = targetSeqLength - lengthA;
        // Try to pick another document; with one document (or bad luck 10 times) it is this one.
        let randomIndex = 0;
        for (let attempt = 0; attempt < 10; attempt++) {
          randomIndex = rng.randint(0, corpus.documentCount - 1);
          if (randomIndex !== documentIndex) break;
        }
        const randomSentences = corpus.sentenceCount(randomIndex);
        const randomStart = rng.randint(0, randomSentences - 1);
        for (let j = randomStart; j < randomSentences; j++) {
          lengthB += corpus.sentenceLength(randomIndex, j);
          if (lengthB >= targetBLength) break;
        }
        b = { document: randomIndex, sentence: randomStart };
        // [docs: nsp-put-back] The chunk's sentences after A were not used: put them back for the next chunk.
        i -= chunkSentences - aEnd;
      } else {
        isRandomNext = false;
        b = { document: documentIndex, sentence: chunkStart + aEnd };
        lengthB = chunkLength - lengthA;
      }
      const [spanA, spanB] = truncateSeqPair(lengthA, lengthB, maxNumTokens, rng);
      yield {
        a: { document: documentIndex, sentence: chunkStart, offset: spanA.start, length: spanA.end - spanA.start },
        b: { ...b, offset: spanB.start, length: spanB.end - spanB.start },
        isRandomNext,
      };
      chunkSentences = 0;
      chunkLength = 0;
    }
    i++;
  }
}

/** The sentence lengths of documents held as arrays of sentences. */
function documentLengths(documents: readonly TokenizedDocument[]): SentenceLengths {
  return { documentCount: documents.length, sentenceCount: (d) => documents[d].length, sentenceLength: (d, s) => documents[d][s].length };
}

/** The tokens of a segment, copied out of the documents' sentences. */
function segmentTokens(documents: readonly TokenizedDocument[], span: SegmentSpan): Int32Array {
  const doc = documents[span.document];
  const out = new Int32Array(span.length);
  let skip = span.offset;
  let at = 0;
  for (let s = span.sentence; at < span.length; s++) {
    const sentence = doc[s];
    const from = Math.min(skip, sentence.length);
    skip -= from;
    const take = Math.min(sentence.length - from, span.length - at);
    out.set(sentence.subarray(from, from + take), at);
    at += take;
  }
  return out;
}

/**
 * The sentence pairs of one document (`pairSpansFromDocument`, each pair's tokens copied out and assembled),
 * lazily, so a caller that masks each pair as it comes draws random numbers in the original's order.
 * @param documents the whole corpus (random B segments come from it); no empty documents or sentences
 * @param documentIndex the document to cut into pairs
 * @param special ids of [CLS] and [SEP]
 */
export function* pairInstancesFromDocument(
  documents: readonly TokenizedDocument[],
  documentIndex: number,
  options: PairOptions,
  special: { clsId: number; sepId: number },
  rng: Rng,
): Generator<PairInstance> {
  for (const { a, b, isRandomNext } of pairSpansFromDocument(documentLengths(documents), documentIndex, options, rng)) {
    const whole = (n: number): TruncationSpan => ({ start: 0, end: n });
    const { ids, segmentIds } = assemblePair(
      segmentTokens(documents, a),
      whole(a.length),
      segmentTokens(documents, b),
      whole(b.length),
      special.clsId,
      special.sepId,
    );
    yield { ids, segmentIds, isRandomNext };
  }
}

/** Drop empty sentences and documents; fail when nothing is left. */
function usableDocuments(documents: readonly TokenizedDocument[]): TokenizedDocument[] {
  const kept = documents.map((d) => d.filter((s) => s.length > 0)).filter((d) => d.length > 0);
  if (kept.length === 0) {
    throw new Error(`pretraining instances: expected at least one document with tokens, found none among ${documents.length} documents`);
  }
  return kept;
}

function checkDupeFactor(dupeFactor: number): void {
  if (!(Number.isInteger(dupeFactor) && dupeFactor >= 1)) {
    throw new Error(`pretraining instances: dupeFactor must be a positive integer, got ${dupeFactor}`);
  }
}

/**
 * Unmasked sentence pairs for the whole corpus: shuffle the documents (a copy), make `dupeFactor` passes,
 * shuffle the pairs. For dynamic masking, where each epoch masks them afresh.
 * @returns the pairs in training order
 */
export function createPairInstances(
  documents: readonly TokenizedDocument[],
  options: PairOptions & { dupeFactor?: number },
  special: { clsId: number; sepId: number },
  rng: Rng,
): PairInstance[] {
  checkPairOptions(options);
  const dupeFactor = options.dupeFactor ?? 1;
  checkDupeFactor(dupeFactor);
  const docs = rng.shuffle(usableDocuments(documents));
  const pairs: PairInstance[] = [];
  for (let pass = 0; pass < dupeFactor; pass++) {
    for (let d = 0; d < docs.length; d++) {
      for (const pair of pairInstancesFromDocument(docs, d, options, special, rng)) pairs.push(pair);
    }
  }
  return rng.shuffle(pairs);
}

/** Mask one pair: a new instance whose `ids` are the masked input. */
export function maskPairInstance(pair: PairInstance, vocab: MaskingVocab, options: MaskingOptions, rng: Rng): PretrainingInstance {
  const masked = createMaskedLmPredictions(pair.ids, vocab, options, rng);
  return {
    ids: masked.ids,
    segmentIds: pair.segmentIds,
    isRandomNext: pair.isRandomNext,
    maskedPositions: masked.maskedPositions,
    maskedLabels: masked.maskedLabels,
  };
}

/**
 * `create_training_instances` after tokenization: shuffle the documents (a copy), make `dupeFactor`
 * passes, each pair masked as soon as it is made (static masking), and shuffle all instances.
 * @returns the instances in training order
 */
export function createPretrainingInstances(
  documents: readonly TokenizedDocument[],
  vocab: MaskingVocab,
  options: PretrainingDataOptions,
  rng: Rng,
): PretrainingInstance[] {
  checkPairOptions(options);
  const dupeFactor = options.dupeFactor ?? 1;
  checkDupeFactor(dupeFactor);
  const docs = rng.shuffle(usableDocuments(documents));
  const instances: PretrainingInstance[] = [];
  for (let pass = 0; pass < dupeFactor; pass++) {
    for (let d = 0; d < docs.length; d++) {
      for (const pair of pairInstancesFromDocument(docs, d, options, vocab, rng)) {
        instances.push(maskPairInstance(pair, vocab, options, rng));
      }
    }
  }
  return rng.shuffle(instances);
}

/**
 * The pairs of a flat corpus (and, given `masking`, their masks) into a PackedInstances, with the draws of
 * createPretrainingInstances (masking given) or createPairInstances (not), made in the same order, so the
 * store holds the same instances in the same order as the object list would.
 */
function packInstances(
  corpus: TokenCorpus,
  options: PairOptions & { dupeFactor?: number },
  special: { clsId: number; sepId: number },
  rng: Rng,
  masking: { vocab: MaskingVocab; options: MaskingOptions } | null,
  onDocument?: (pass: number, done: number, total: number) => void,
): PackedInstances {
  checkPairOptions(options);
  const dupeFactor = options.dupeFactor ?? 1;
  checkDupeFactor(dupeFactor);
  if (corpus.documentCount === 0) throw new Error('pretraining instances: expected at least one document with tokens, found none');
  // Shuffling the documents' indices makes the draws that shuffling the documents themselves makes.
  const order = rng.shuffle(Array.from({ length: corpus.documentCount }, (_, d) => d));
  const shuffled: SentenceLengths = {
    documentCount: order.length,
    sentenceCount: (d) => corpus.sentenceCount(order[d]),
    sentenceLength: (d, s) => corpus.sentenceLength(order[d], s),
  };
  const start = (span: SegmentSpan): number => corpus.sentenceStart(order[span.document], span.sentence) + span.offset;
  const packed = new PackedInstances(corpus, special, options.maxSeqLength, masking ? masking.options.maxPredictionsPerSeq : 0);
  for (let pass = 0; pass < dupeFactor; pass++) {
    for (let d = 0; d < order.length; d++) {
      for (const { a, b, isRandomNext } of pairSpansFromDocument(shuffled, d, options, rng)) {
        const pair = { aStart: start(a), aLength: a.length, bStart: start(b), bLength: b.length, isRandomNext };
        if (!masking) {
          packed.push(pair);
          continue;
        }
        // Mask the assembled pair as maskPairInstance does; keep only the positions and the ids put there.
        const masked = createMaskedLmPredictions(packed.assemble(pair), masking.vocab, masking.options, rng);
        packed.push(pair, { positions: masked.maskedPositions, maskedIds: masked.maskedPositions.map((p) => masked.ids[p]) });
      }
      onDocument?.(pass, d + 1, order.length);
    }
  }
  packed.shuffle((items) => rng.shuffle(items));
  return packed;
}

/**
 * createPretrainingInstances on a flat corpus, into a PackedInstances: the same instances in the same order
 * for the same generator and the same documents (the same draws, made in the same order), in a fraction of
 * the memory (packed-instances.ts).
 * @param onDocument called after each document of each pass (progress: pass, documents done, documents)
 */
export function createPackedPretrainingInstances(
  corpus: TokenCorpus,
  vocab: MaskingVocab,
  options: PretrainingDataOptions,
  rng: Rng,
  onDocument?: (pass: number, done: number, total: number) => void,
): PackedInstances {
  return packInstances(corpus, options, vocab, rng, { vocab, options }, onDocument);
}

/** createPairInstances on a flat corpus, into a PackedInstances of unmasked pairs (for dynamic masking). */
export function createPackedPairInstances(
  corpus: TokenCorpus,
  options: PairOptions & { dupeFactor?: number },
  special: { clsId: number; sepId: number },
  rng: Rng,
): PackedInstances {
  return packInstances(corpus, options, special, rng, null);
}

/** Token strings of a sequence of ids, for printing: `vocabTokens[id]`. */
export function idsToTokens(ids: ArrayLike<number>, vocabTokens: readonly string[]): string[] {
  return Array.from(ids, (id) => vocabTokens[id] ?? `<id ${id}>`);
}
