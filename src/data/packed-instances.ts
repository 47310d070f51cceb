/**
 * Pretraining instances stored as small descriptors into a flat tokenized corpus (token-corpus.ts), instead
 * of one object and four arrays each.
 *
 * An instance `[CLS] A [SEP] B [SEP]` is made of two segments, and each segment is a run of consecutive
 * sentences of one document, cut by truncateSeqPair: one range of the corpus's token array. So an instance is
 *
 *   aStart, aLength, bStart, bLength   where A and B sit in the corpus's tokens (4 + 2 + 4 + 2 bytes)
 *   isRandomNext                       the NSP label (1 byte)
 *   the masked positions and the id    what masking did (createMaskedLmPredictions): [MASK], the token kept,
 *   put at each one                    or a random token; the labels are the corpus's tokens there
 *
 * 15 + 3 * maxPredictions bytes with 16-bit ids and sequences up to 256 (a position in one byte), so 72 at
 * sequence length 128 with 19 predictions, where a copy of the ids
 * alone, 16-bit and padded, would be 256 bytes, and an object with its arrays about 2,300 (the engine's cost of
 * each object and array). `get(i)` rebuilds exactly the PretrainingInstance that createPretrainingInstances
 * makes: ids from the two ranges, segment ids 0 up to the first [SEP] and 1 after it (assemblePair), the
 * masked ids put back at their positions.
 *
 * Instances are stored in blocks of fixed size, so growing never copies what is stored. Without masking
 * (`maxPredictions` 0) the store holds sentence pairs for dynamic masking, served by `getPair`.
 *
 * The order of the final shuffle is kept as a permutation of indices: shuffling that with the same generator
 * makes exactly the draws and the order that shuffling the instances themselves would
 * (createPretrainingInstances), so a seed gives the same instances in the same order either way.
 */
import type { PairInstance, PretrainingInstance } from './pretraining-instances.ts';
import type { TokenCorpus } from './token-corpus.ts';

/** Anything a batch stream can serve instances from: an array of instances, or a PackedInstances. */
export interface InstanceList {
  readonly length: number;
}

/** Instance `index` of an array or of a PackedInstances. */
export function instanceAt(list: readonly PretrainingInstance[] | PackedInstances, index: number): PretrainingInstance {
  return list instanceof PackedInstances ? list.get(index) : list[index];
}

/** Sentence pair `index` of an array or of a PackedInstances (masked or not: its unmasked pair). */
export function pairAt(list: readonly PairInstance[] | PackedInstances, index: number): PairInstance {
  return list instanceof PackedInstances ? list.getPair(index) : list[index];
}

/** Where segments A and B of a pair sit in the corpus's token array, and its NSP label. */
export interface FlatPair {
  aStart: number;
  aLength: number;
  bStart: number;
  bLength: number;
  isRandomNext: boolean;
}

/** Instances per block. */
const BLOCK = 1 << 14;

/** The fields of BLOCK instances, instance j of the block at index j (the masking fields at j * maxPredictions). */
interface Block {
  aStart: Uint32Array;
  bStart: Uint32Array;
  aLength: Uint16Array;
  bLength: Uint16Array;
  randomNext: Uint8Array;
  predictionCount: Uint16Array;
  positions: Uint8Array | Uint16Array;
  maskedIds: Uint16Array | Int32Array;
}

export class PackedInstances implements InstanceList {
  /** Number of instances stored. */
  length = 0;
  private blocks: Block[] = [];
  /** After `shuffle`: the stored instance at each position of the training order. */
  private order: Int32Array | null = null;
  private readonly wide: boolean;

  /**
   * @param corpus the tokens the instances point into
   * @param special ids of [CLS] and [SEP]
   * @param maxSeqLength the longest instance (at most 65,535)
   * @param maxPredictions the most masked positions of an instance; 0 for unmasked pairs
   */
  constructor(
    readonly corpus: TokenCorpus,
    private readonly special: { clsId: number; sepId: number },
    readonly maxSeqLength: number,
    readonly maxPredictions: number,
  ) {
    if (!(Number.isInteger(maxSeqLength) && maxSeqLength >= 5 && maxSeqLength < 65536)) {
      throw new Error(`PackedInstances: maxSeqLength must be an integer in [5, 65535], got ${maxSeqLength}`);
    }
    if (!(Number.isInteger(maxPredictions) && maxPredictions >= 0 && maxPredictions <= maxSeqLength)) {
      throw new Error(`PackedInstances: maxPredictions must be an integer in [0, maxSeqLength ${maxSeqLength}], got ${maxPredictions}`);
    }
    this.wide = corpus.tokens instanceof Int32Array;
  }

  private newBlock(): Block {
    const p = BLOCK * this.maxPredictions;
    return {
      aStart: new Uint32Array(BLOCK),
      bStart: new Uint32Array(BLOCK),
      aLength: new Uint16Array(BLOCK),
      bLength: new Uint16Array(BLOCK),
      randomNext: new Uint8Array(BLOCK),
      predictionCount: new Uint16Array(this.maxPredictions > 0 ? BLOCK : 0),
      positions: this.maxSeqLength <= 256 ? new Uint8Array(p) : new Uint16Array(p),
      maskedIds: this.wide ? new Int32Array(p) : new Uint16Array(p),
    };
  }

  /**
   * Append an instance (before `shuffle`).
   * @param masked what masking did, for a store with maxPredictions > 0: the masked positions (ascending, in
   *   the assembled sequence) and the input id at each (maskedIds[k] is the id at positions[k])
   */
  push(pair: FlatPair, masked?: { positions: readonly number[]; maskedIds: ArrayLike<number> }): void {
    if (this.order) throw new Error('PackedInstances.push: the instances were already shuffled');
    const n = pair.aLength + pair.bLength + 3;
    if (n > this.maxSeqLength) throw new Error(`PackedInstances.push: an instance of ${n} tokens, expected at most maxSeqLength ${this.maxSeqLength}`);
    for (const [start, length] of [
      [pair.aStart, pair.aLength],
      [pair.bStart, pair.bLength],
    ]) {
      if (!(start >= 0 && start + length <= this.corpus.tokenCount)) {
        throw new Error(`PackedInstances.push: tokens ${start} .. ${start + length} are outside the corpus's ${this.corpus.tokenCount}`);
      }
    }
    const p = masked?.positions.length ?? 0;
    if (this.maxPredictions > 0 && !masked) throw new Error('PackedInstances.push: this store holds masked instances; expected the masking');
    if (p > this.maxPredictions) throw new Error(`PackedInstances.push: ${p} masked positions, expected at most ${this.maxPredictions}`);
    const i = this.length;
    if (i % BLOCK === 0) this.blocks.push(this.newBlock());
    const block = this.blocks[this.blocks.length - 1];
    const j = i % BLOCK;
    block.aStart[j] = pair.aStart;
    block.aLength[j] = pair.aLength;
    block.bStart[j] = pair.bStart;
    block.bLength[j] = pair.bLength;
    block.randomNext[j] = pair.isRandomNext ? 1 : 0;
    if (masked) {
      block.predictionCount[j] = p;
      for (let k = 0; k < p; k++) {
        const position = masked.positions[k];
        if (!(position > 0 && position < n)) throw new Error(`PackedInstances.push: masked position ${position} is outside the instance's 1 .. ${n - 1}`);
        block.positions[j * this.maxPredictions + k] = position;
        block.maskedIds[j * this.maxPredictions + k] = masked.maskedIds[k];
      }
    }
    this.length = i + 1;
  }

  /**
   * Put the instances in the order `shuffle(list)` would give a list of them: `shuffle` is the generator's
   * in-place shuffle, applied here to the indices.
   */
  shuffle(shuffleInPlace: (items: number[]) => number[]): void {
    const order = Array.from({ length: this.length }, (_, i) => i);
    this.order = Int32Array.from(shuffleInPlace(order));
  }

  /** The stored index of training-order position `index`. */
  private stored(index: number, what: string): number {
    if (!(Number.isInteger(index) && index >= 0 && index < this.length)) {
      throw new Error(`PackedInstances.${what}: index ${index} is outside [0, ${this.length})`);
    }
    return this.order ? this.order[index] : index;
  }

  /** The ids `[CLS] A [SEP] B [SEP]` of a pair, unmasked, as assemblePair makes them. Shape [aLength + bLength + 3]. */
  assemble(pair: FlatPair): Int32Array {
    const { aStart, aLength, bStart, bLength } = pair;
    const ids = new Int32Array(aLength + bLength + 3);
    ids[0] = this.special.clsId;
    ids.set(this.corpus.tokens.subarray(aStart, aStart + aLength), 1);
    ids[aLength + 1] = this.special.sepId;
    ids.set(this.corpus.tokens.subarray(bStart, bStart + bLength), aLength + 2);
    ids[aLength + bLength + 2] = this.special.sepId;
    return ids;
  }

  /** Sentence pair `index` of the training order, unmasked, as a new PairInstance. */
  getPair(index: number): PairInstance {
    const i = this.stored(index, 'getPair');
    const block = this.blocks[Math.floor(i / BLOCK)];
    const j = i % BLOCK;
    const pair = {
      aStart: block.aStart[j],
      aLength: block.aLength[j],
      bStart: block.bStart[j],
      bLength: block.bLength[j],
      isRandomNext: block.randomNext[j] === 1,
    };
    const ids = this.assemble(pair);
    const segmentIds = new Int32Array(ids.length);
    segmentIds.fill(1, pair.aLength + 2);
    return { ids, segmentIds, isRandomNext: pair.isRandomNext };
  }

  /** Instance `index` of the training order, masked, as a new PretrainingInstance. */
  get(index: number): PretrainingInstance {
    if (this.maxPredictions === 0) throw new Error('PackedInstances.get: this store holds unmasked pairs (maxPredictions 0); use getPair');
    const pair = this.getPair(index);
    const i = this.stored(index, 'get');
    const block = this.blocks[Math.floor(i / BLOCK)];
    const j = i % BLOCK;
    const maskedPositions: number[] = [];
    const maskedLabels: number[] = [];
    for (let k = 0; k < block.predictionCount[j]; k++) {
      const position = block.positions[j * this.maxPredictions + k];
      maskedPositions.push(position);
      maskedLabels.push(pair.ids[position]);
      pair.ids[position] = block.maskedIds[j * this.maxPredictions + k];
    }
    return { ids: pair.ids, segmentIds: pair.segmentIds, isRandomNext: pair.isRandomNext, maskedPositions, maskedLabels };
  }

  /** Bytes held by the instances' arrays (not counting the corpus they point into). */
  get bytes(): number {
    let n = this.order?.byteLength ?? 0;
    for (const block of this.blocks) for (const array of Object.values(block)) n += array.byteLength;
    return n;
  }
}
