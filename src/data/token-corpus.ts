/**
 * A tokenized corpus held as one flat array of token ids plus two offset arrays, instead of one typed array
 * per sentence.
 *
 *   tokens          [tokenCount]        every sentence's ids, one after the other, document after document
 *   sentenceStarts  [sentenceCount + 1] sentence s is tokens[sentenceStarts[s] .. sentenceStarts[s + 1])
 *   documentStarts  [documentCount + 1] document d is sentences documentStarts[d] .. documentStarts[d + 1] - 1
 *
 * A sentence is about 20 to 40 tokens, and the engine's cost of a separate typed array (its object, its
 * buffer, their headers) is as large as the ids of such a sentence; here a sentence costs 4 bytes of offset
 * and a token 2 bytes (16-bit ids, which every BERT vocabulary up to 65,536 tokens fits), about half a byte
 * per byte of English text. Because a document's sentences are adjacent, any run of consecutive sentences
 * (segment A or B of a pretraining pair, truncated or not) is one range of `tokens`, so a pair can be stored
 * as two offsets and two lengths (packed-instances.ts).
 *
 * Only documents and sentences with tokens are kept, as `createPretrainingInstances` keeps them.
 */
import type { TokenizedDocument } from './pretraining-instances.ts';

/** The largest offset a Uint32Array holds: the corpus may have at most this many tokens (about 18 GB of text). */
const MAX_OFFSET = 2 ** 32 - 1;

/**
 * A typed array built by appending, in fixed-size blocks: growing never copies what is there nor leaves
 * unused room beyond one block (an array that doubles holds up to twice what it needs, and three times while
 * it grows), and `finish` copies the blocks into one array of the exact length, letting go of each block once
 * it is copied.
 */
class BlockBuilder<T extends Uint16Array | Int32Array | Uint32Array> {
  private blocks: T[] = [];
  private filled = 0;
  length = 0;

  constructor(
    private readonly make: (n: number) => T,
    private readonly blockSize = 1 << 16,
  ) {
    if (!(Number.isInteger(blockSize) && blockSize >= 1)) throw new Error(`TokenCorpusBuilder: blockSize must be a positive integer, got ${blockSize}`);
  }

  push(value: number): void {
    if (this.blocks.length === 0 || this.filled === this.blockSize) {
      this.blocks.push(this.make(this.blockSize));
      this.filled = 0;
    }
    this.blocks[this.blocks.length - 1][this.filled++] = value;
    this.length++;
  }

  finish(): T {
    const out = this.make(this.length);
    let at = 0;
    for (let b = 0; b < this.blocks.length; b++) {
      const n = Math.min(this.blockSize, this.length - at);
      out.set(this.blocks[b].subarray(0, n), at);
      at += n;
      (this.blocks as (T | null)[])[b] = null;
    }
    this.blocks = [];
    return out;
  }
}

/** Appends documents one at a time (e.g. while a corpus is read and tokenized), then `finish()`. */
export class TokenCorpusBuilder {
  private readonly tokens: BlockBuilder<Uint16Array | Int32Array>;
  private readonly sentenceStarts = new BlockBuilder((n) => new Uint32Array(n));
  private readonly documentStarts = new BlockBuilder((n) => new Uint32Array(n));
  private readonly wide: boolean;
  private finished = false;

  /**
   * @param vocabSize ids are stored in 16 bits when every id is below 65,536, else in 32
   * @param blockSize tokens per block while building; small values are for tests. Default 2^20.
   */
  constructor(
    readonly vocabSize: number,
    blockSize = 1 << 20,
  ) {
    if (!(Number.isInteger(vocabSize) && vocabSize >= 1)) throw new Error(`TokenCorpusBuilder: vocabSize must be a positive integer, got ${vocabSize}`);
    this.wide = vocabSize > 65536;
    this.tokens = new BlockBuilder<Uint16Array | Int32Array>((n) => (this.wide ? new Int32Array(n) : new Uint16Array(n)), blockSize);
    this.sentenceStarts.push(0);
    this.documentStarts.push(0);
  }

  /** Documents kept so far. */
  get documentCount(): number {
    return this.documentStarts.length - 1;
  }

  /**
   * Append one document. Empty sentences are skipped, and a document left without sentences is not kept.
   * @param sentences the document's sentences as token ids
   * @throws for an id outside [0, vocabSize), or when the corpus passes 2^32 - 1 tokens
   */
  addDocument(sentences: readonly ArrayLike<number>[]): void {
    if (this.finished) throw new Error('TokenCorpusBuilder.addDocument: the corpus is already finished');
    let kept = 0;
    for (const sentence of sentences) {
      if (sentence.length === 0) continue;
      if (this.tokens.length + sentence.length > MAX_OFFSET) {
        throw new Error(`TokenCorpusBuilder: the corpus passes ${MAX_OFFSET} tokens, the most one corpus can hold; split it into several runs`);
      }
      for (let t = 0; t < sentence.length; t++) {
        const id = sentence[t];
        if (!(Number.isInteger(id) && id >= 0 && id < this.vocabSize)) {
          throw new Error(
            `TokenCorpusBuilder: expected token ids in [0, ${this.vocabSize}), found ${id} (sentence ${kept + 1} of document ${this.documentCount + 1})`,
          );
        }
        this.tokens.push(id);
      }
      this.sentenceStarts.push(this.tokens.length);
      kept++;
    }
    if (kept > 0) this.documentStarts.push(this.sentenceStarts.length - 1);
  }

  /** The corpus; the builder cannot be used after this. */
  finish(): TokenCorpus {
    this.finished = true;
    return new TokenCorpus(this.tokens.finish(), this.sentenceStarts.finish(), this.documentStarts.finish());
  }
}

export class TokenCorpus {
  /**
   * @param tokens every sentence's ids in order, shape [tokenCount]
   * @param sentenceStarts shape [sentenceCount + 1], ascending, first 0, last tokenCount
   * @param documentStarts shape [documentCount + 1], ascending, first 0, last sentenceCount
   */
  constructor(
    readonly tokens: Uint16Array | Int32Array,
    readonly sentenceStarts: Uint32Array,
    readonly documentStarts: Uint32Array,
  ) {}

  /** A corpus holding these documents (empty sentences and documents left out). */
  static fromDocuments(documents: readonly TokenizedDocument[], vocabSize: number): TokenCorpus {
    const builder = new TokenCorpusBuilder(vocabSize);
    for (const doc of documents) builder.addDocument(doc);
    return builder.finish();
  }

  get documentCount(): number {
    return this.documentStarts.length - 1;
  }

  get tokenCount(): number {
    return this.tokens.length;
  }

  /** Number of sentences of document `d`. */
  sentenceCount(d: number): number {
    return this.documentStarts[d + 1] - this.documentStarts[d];
  }

  /** Offset in `tokens` of sentence `s` (counted from 0 within document `d`). */
  sentenceStart(d: number, s: number): number {
    return this.sentenceStarts[this.documentStarts[d] + s];
  }

  /** Number of tokens of sentence `s` of document `d`. */
  sentenceLength(d: number, s: number): number {
    const k = this.documentStarts[d] + s;
    return this.sentenceStarts[k + 1] - this.sentenceStarts[k];
  }

  /** Document `d` as one Int32Array per sentence (a copy), the form `createPretrainingInstances` takes. */
  document(d: number): TokenizedDocument {
    return Array.from({ length: this.sentenceCount(d) }, (_, s) => {
      const start = this.sentenceStart(d, s);
      return Int32Array.from(this.tokens.subarray(start, start + this.sentenceLength(d, s)));
    });
  }

  /** Bytes held by the arrays. */
  get bytes(): number {
    return this.tokens.byteLength + this.sentenceStarts.byteLength + this.documentStarts.byteLength;
  }
}
