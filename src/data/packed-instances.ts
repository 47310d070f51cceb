/**
 * Pretraining instances packed into a few large typed arrays, instead of one object and four arrays each.
 *
 * A corpus of 20 MB makes about 160,000 instances at dupe factor 3 and sequence length 128; held as
 * objects (PretrainingInstance) they took about 360 MB, mostly the per-object and per-array overhead of the
 * JavaScript engine rather than the token ids themselves. Here instance i's values sit at fixed offsets in
 * shared arrays (ids as 16-bit integers when the vocabulary fits, as it does for every BERT vocabulary up
 * to 65,536 tokens), about 420 bytes an instance at that shape, and `get(i)` rebuilds the same
 * PretrainingInstance the object list would hold. The segment ids are not stored: they are 0 up to the
 * first [SEP] and 1 after it (assemblePair), so one boundary per instance gives them back.
 *
 * The order of the final shuffle is kept as a permutation of indices: shuffling that with the same generator
 * makes exactly the draws and the order that shuffling the instances themselves would
 * (createPretrainingInstances), so a seed gives the same instances in the same order either way.
 */
import type { PretrainingInstance } from './pretraining-instances.ts';

/** Anything a batch stream can serve instances from: an array of instances, or a PackedInstances. */
export interface InstanceList {
  readonly length: number;
}

/** Instance `index` of an array or of a PackedInstances. */
export function instanceAt(list: readonly PretrainingInstance[] | PackedInstances, index: number): PretrainingInstance {
  return list instanceof PackedInstances ? list.get(index) : list[index];
}

export class PackedInstances implements InstanceList {
  /** Number of instances stored. */
  length = 0;
  private capacity = 0;
  private ids: Uint16Array | Int32Array;
  private idCount = new Uint16Array(0);
  /** Index of the first token of segment B (the token after the first [SEP]). */
  private segmentBStart = new Uint16Array(0);
  private randomNext = new Uint8Array(0);
  private positions = new Uint16Array(0);
  private labels: Uint16Array | Int32Array;
  private predictionCount = new Uint16Array(0);
  /** After `shuffle`: the stored instance at each position of the training order. */
  private order: Int32Array | null = null;

  /**
   * @param maxSeqLength the longest instance (at most 65,535)
   * @param maxPredictions the most masked positions of an instance
   * @param vocabSize ids are stored in 16 bits when every id is below 65,536
   */
  constructor(
    readonly maxSeqLength: number,
    readonly maxPredictions: number,
    vocabSize: number,
  ) {
    if (!(Number.isInteger(maxSeqLength) && maxSeqLength >= 1 && maxSeqLength < 65536)) {
      throw new Error(`PackedInstances: maxSeqLength must be an integer in [1, 65535], got ${maxSeqLength}`);
    }
    this.wide = vocabSize > 65536;
    this.ids = this.wide ? new Int32Array(0) : new Uint16Array(0);
    this.labels = this.wide ? new Int32Array(0) : new Uint16Array(0);
  }

  private readonly wide: boolean;

  /** Make room for at least `n` instances (doubling, so that appending stays cheap). */
  private reserve(n: number): void {
    if (n <= this.capacity) return;
    const capacity = Math.max(n, Math.ceil(this.capacity * 1.5), 1024);
    const grow = <T extends Uint8Array | Uint16Array | Int32Array>(old: T, width: number): T => {
      const next = new (old.constructor as new (n: number) => T)(capacity * width);
      next.set(old);
      return next;
    };
    this.ids = grow(this.ids, this.maxSeqLength);
    this.idCount = grow(this.idCount, 1);
    this.segmentBStart = grow(this.segmentBStart, 1);
    this.randomNext = grow(this.randomNext, 1);
    this.positions = grow(this.positions, this.maxPredictions);
    this.labels = grow(this.labels, this.maxPredictions);
    this.predictionCount = grow(this.predictionCount, 1);
    this.capacity = capacity;
  }

  /** Append an instance (before `shuffle`). */
  push(inst: PretrainingInstance): void {
    if (this.order) throw new Error('PackedInstances.push: the instances were already shuffled');
    const n = inst.ids.length;
    const p = inst.maskedPositions.length;
    if (n > this.maxSeqLength) throw new Error(`PackedInstances.push: an instance of ${n} tokens, expected at most maxSeqLength ${this.maxSeqLength}`);
    if (p > this.maxPredictions) throw new Error(`PackedInstances.push: ${p} masked positions, expected at most ${this.maxPredictions}`);
    const i = this.length;
    this.reserve(i + 1);
    for (let t = 0; t < n; t++) {
      const id = inst.ids[t];
      if (!this.wide && !(id >= 0 && id < 65536)) throw new Error(`PackedInstances.push: id ${id} does not fit 16 bits; give the vocabulary's real size`);
      this.ids[i * this.maxSeqLength + t] = id;
    }
    this.idCount[i] = n;
    let b = n;
    for (let t = 0; t < n; t++) {
      if (inst.segmentIds[t] === 1) {
        b = t;
        break;
      }
    }
    // The segment ids must be 0s then 1s, as assemblePair makes them: anything else is not storable here.
    for (let t = b; t < n; t++)
      if (inst.segmentIds[t] !== 1) throw new Error(`PackedInstances.push: segment ids must be 0s then 1s; position ${t} is ${inst.segmentIds[t]}`);
    this.segmentBStart[i] = b;
    this.randomNext[i] = inst.isRandomNext ? 1 : 0;
    for (let k = 0; k < p; k++) {
      this.positions[i * this.maxPredictions + k] = inst.maskedPositions[k];
      this.labels[i * this.maxPredictions + k] = inst.maskedLabels[k];
    }
    this.predictionCount[i] = p;
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

  /** Instance `index` of the training order, as a new PretrainingInstance. */
  get(index: number): PretrainingInstance {
    if (!(Number.isInteger(index) && index >= 0 && index < this.length)) {
      throw new Error(`PackedInstances.get: index ${index} is outside [0, ${this.length})`);
    }
    const i = this.order ? this.order[index] : index;
    const n = this.idCount[i];
    const ids = new Int32Array(n);
    const base = i * this.maxSeqLength;
    for (let t = 0; t < n; t++) ids[t] = this.ids[base + t];
    const segmentIds = new Int32Array(n);
    segmentIds.fill(1, this.segmentBStart[i]);
    const p = this.predictionCount[i];
    const maskedPositions: number[] = [];
    const maskedLabels: number[] = [];
    for (let k = 0; k < p; k++) {
      maskedPositions.push(this.positions[i * this.maxPredictions + k]);
      maskedLabels.push(this.labels[i * this.maxPredictions + k]);
    }
    return { ids, segmentIds, isRandomNext: this.randomNext[i] === 1, maskedPositions, maskedLabels };
  }

  /** Bytes held by the arrays (what the instances cost in memory). */
  get bytes(): number {
    const arrays = [this.ids, this.idCount, this.segmentBStart, this.randomNext, this.positions, this.labels, this.predictionCount];
    return arrays.reduce((s, a) => s + a.byteLength, 0) + (this.order?.byteLength ?? 0);
  }
}
