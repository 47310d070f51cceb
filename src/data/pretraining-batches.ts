/**
 * From pretraining instances to the arrays a BERT pretraining step consumes, and a resumable stream of
 * batches over epochs.
 *
 * Collation pads every row to the same length with [PAD] (attention mask 0 there) and lays out the masked-LM
 * targets two ways:
 *   - compact, as google-research/bert's features: `mlmPositions`, `mlmLabels`, `mlmWeights`, each
 *     [batch, maxPredictionsPerSeq], padded with 0 (weight 0 marks padding);
 *   - dense, as Hugging Face's `labels` argument: [batch, seq], the original id at masked positions and
 *     -100 (ignored by the loss) everywhere else.
 *
 * The stream supports static masking (instances masked once, e.g. `dupeFactor` copies with different masks)
 * and dynamic masking (unmasked pairs masked afresh every time they are served, so each epoch sees new
 * masks). Its position can be saved and restored, so a resumed run sees the batches the uninterrupted run
 * would have seen.
 */
import { Rng, type RngState } from '../tensor/random.ts';
import type { MaskingOptions, MaskingVocab } from './masking.ts';
import { maskPairInstance, type PairInstance, type PretrainingInstance } from './pretraining-instances.ts';
import { instanceAt, pairAt, type PackedInstances } from './packed-instances.ts';

/** The label value Hugging Face's losses skip. */
export const MLM_IGNORE_INDEX = -100;

/** One batch, row-major flat arrays. `B` = batchSize, `S` = seqLength, `P` = maxPredictionsPerSeq. */
export interface PretrainingBatch {
  batchSize: number;
  seqLength: number;
  maxPredictionsPerSeq: number;
  /** [B, S] token ids (masked input), [PAD] after each sequence. */
  inputIds: Int32Array;
  /** [B, S] segment ids: 0 for [CLS] A [SEP], 1 for B [SEP], 0 on padding. */
  tokenTypeIds: Int32Array;
  /** [B, S] 1 on real tokens, 0 on padding. */
  attentionMask: Int32Array;
  /** [B, P] masked positions, 0 on padding. */
  mlmPositions: Int32Array;
  /** [B, P] original ids at `mlmPositions`, 0 on padding. */
  mlmLabels: Int32Array;
  /** [B, P] 1 for a real prediction, 0 for padding. */
  mlmWeights: Float32Array;
  /** [B, S] dense MLM labels: the original id at masked positions, -100 elsewhere (Hugging Face `labels`). */
  labels: Int32Array;
  /** [B] 0 when B is the true continuation, 1 when random (Hugging Face `next_sentence_label`). */
  nextSentenceLabels: Int32Array;
}

/** Shape of the collated arrays. */
export interface CollateOptions {
  /** Rows are padded to this length (unless `padToLongest`); longer instances are an error. */
  maxSeqLength: number;
  /** Width of the compact MLM arrays; an instance with more predictions is an error. */
  maxPredictionsPerSeq: number;
  /** Id written on padding positions. */
  padId: number;
  /** Pad only to the longest instance of the batch instead of maxSeqLength. Default false. */
  padToLongest?: boolean;
}

/**
 * Turn instances into one padded batch.
 * @param instances the rows, in order (at least one)
 * @throws when an instance is longer than maxSeqLength or has more than maxPredictionsPerSeq predictions
 */
export function collatePretrainingBatch(instances: readonly PretrainingInstance[], options: CollateOptions): PretrainingBatch {
  const B = instances.length;
  if (B === 0) throw new Error('collatePretrainingBatch: expected at least one instance, got 0');
  const P = options.maxPredictionsPerSeq;
  let S = options.maxSeqLength;
  instances.forEach((inst, b) => {
    if (inst.ids.length > options.maxSeqLength) {
      throw new Error(`collatePretrainingBatch: instance ${b} has ${inst.ids.length} tokens, expected at most maxSeqLength ${options.maxSeqLength}`);
    }
    if (inst.maskedPositions.length > P) {
      throw new Error(`collatePretrainingBatch: instance ${b} has ${inst.maskedPositions.length} predictions, expected at most maxPredictionsPerSeq ${P}`);
    }
  });
  if (options.padToLongest) S = Math.max(...instances.map((inst) => inst.ids.length));

  const inputIds = new Int32Array(B * S).fill(options.padId);
  const tokenTypeIds = new Int32Array(B * S);
  const attentionMask = new Int32Array(B * S);
  const mlmPositions = new Int32Array(B * P);
  const mlmLabels = new Int32Array(B * P);
  const mlmWeights = new Float32Array(B * P);
  const labels = new Int32Array(B * S).fill(MLM_IGNORE_INDEX);
  const nextSentenceLabels = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    const inst = instances[b];
    const row = b * S;
    inputIds.set(inst.ids, row);
    tokenTypeIds.set(inst.segmentIds, row);
    attentionMask.fill(1, row, row + inst.ids.length);
    for (let k = 0; k < inst.maskedPositions.length; k++) {
      mlmPositions[b * P + k] = inst.maskedPositions[k];
      mlmLabels[b * P + k] = inst.maskedLabels[k];
      mlmWeights[b * P + k] = 1;
      labels[row + inst.maskedPositions[k]] = inst.maskedLabels[k];
    }
    // [docs: nsp-label] 0: B follows A; 1: B is random (Hugging Face's next_sentence_label).
    nextSentenceLabels[b] = inst.isRandomNext ? 1 : 0;
  }
  return {
    batchSize: B,
    seqLength: S,
    maxPredictionsPerSeq: P,
    inputIds,
    tokenTypeIds,
    attentionMask,
    mlmPositions,
    mlmLabels,
    mlmWeights,
    labels,
    nextSentenceLabels,
  };
}

/** Where a `PretrainingBatchStream` stands; JSON-safe, for checkpoints. */
export interface PretrainingStreamState {
  /** Current epoch, from 0. */
  epoch: number;
  /** Instances of this epoch already served (the next batch starts at this index of the epoch's order). */
  position: number;
  /** The generator now: it draws the next dynamic masks, and the next epoch's order. */
  rngState: RngState;
  /** The generator when this epoch began: replaying it rebuilds the epoch's shuffled order. */
  epochStartRngState: RngState;
}

/** How a `PretrainingBatchStream` serves batches. */
export interface PretrainingStreamOptions extends CollateOptions {
  batchSize: number;
  /** Shuffle the order at the start of every epoch. Default true. */
  shuffle?: boolean;
  /** Skip the last, smaller batch of an epoch. Default false. */
  dropLast?: boolean;
}

/** What the stream serves: masked instances as they are, or pairs masked anew each time. */
export type PretrainingSource =
  | { kind: 'static'; instances: readonly PretrainingInstance[] | PackedInstances }
  | { kind: 'dynamic'; pairs: readonly PairInstance[] | PackedInstances; vocab: MaskingVocab; masking: MaskingOptions };

/**
 * Batches over epochs, in a reproducible order. Each epoch: shuffle the order (if `shuffle`), then serve
 * `batchSize` instances at a time; with dynamic masking each instance is masked as it is served.
 * Batches never cross an epoch boundary.
 *
 * Resume: save `getState()` with the checkpoint; later build the stream on the same source and options
 * and call `setState(saved)`; the next batches are those the original stream would have served.
 */
export class PretrainingBatchStream {
  private rng: Rng;
  private order: number[] = [];
  private epochStartRngState!: RngState;
  /** Current epoch (from 0). */
  epoch = 0;
  /** Instances of this epoch already served. */
  position = 0;

  /**
   * @param source the instances (static) or pairs plus masking (dynamic)
   * @param rng the generator for order and dynamic masks; the stream owns it from now on
   */
  constructor(
    private readonly source: PretrainingSource,
    private readonly options: PretrainingStreamOptions,
    rng: Rng,
  ) {
    if (!(Number.isInteger(options.batchSize) && options.batchSize >= 1)) {
      throw new Error(`PretrainingBatchStream: batchSize must be a positive integer, got ${options.batchSize}`);
    }
    if (this.size === 0) throw new Error('PretrainingBatchStream: expected at least one instance, got 0');
    if (options.dropLast && this.size < options.batchSize) {
      throw new Error(`PretrainingBatchStream: dropLast with ${this.size} instances and batchSize ${options.batchSize} leaves no batch`);
    }
    this.rng = rng;
    this.beginEpoch(0);
  }

  /** Number of instances per epoch. */
  get size(): number {
    return this.source.kind === 'static' ? this.source.instances.length : this.source.pairs.length;
  }

  /** Batches served per epoch. */
  get batchesPerEpoch(): number {
    const { batchSize, dropLast } = this.options;
    return dropLast ? Math.floor(this.size / batchSize) : Math.ceil(this.size / batchSize);
  }

  private beginEpoch(epoch: number): void {
    this.epoch = epoch;
    this.position = 0;
    this.epochStartRngState = this.rng.getState();
    this.order = Array.from({ length: this.size }, (_, i) => i);
    if (this.options.shuffle ?? true) this.rng.shuffle(this.order);
  }

  private epochDone(): boolean {
    const left = this.size - this.position;
    return left === 0 || (this.options.dropLast === true && left < this.options.batchSize);
  }

  /** The next batch; moves on to the next epoch when this one is used up. */
  nextBatch(): PretrainingBatch {
    if (this.epochDone()) this.beginEpoch(this.epoch + 1);
    const end = Math.min(this.position + this.options.batchSize, this.size);
    const rows: PretrainingInstance[] = [];
    for (let k = this.position; k < end; k++) rows.push(this.instanceAt(this.order[k]));
    this.position = end;
    return collatePretrainingBatch(rows, this.options);
  }

  /** The remaining batches of the current epoch (all of them when called at an epoch's start). */
  *epochBatches(): Generator<PretrainingBatch> {
    if (this.epochDone()) this.beginEpoch(this.epoch + 1);
    while (!this.epochDone()) yield this.nextBatch();
  }

  private instanceAt(index: number): PretrainingInstance {
    const source = this.source;
    if (source.kind === 'static') return instanceAt(source.instances, index);
    return maskPairInstance(pairAt(source.pairs, index), source.vocab, source.masking, this.rng);
  }

  /** A JSON-safe snapshot of where the stream stands. */
  getState(): PretrainingStreamState {
    return {
      epoch: this.epoch,
      position: this.position,
      rngState: this.rng.getState(),
      epochStartRngState: this.epochStartRngState,
    };
  }

  /** Continue from a `getState()` snapshot taken on a stream with the same source and options. */
  setState(state: PretrainingStreamState): void {
    if (!(Number.isInteger(state.position) && state.position >= 0 && state.position <= this.size)) {
      throw new Error(`PretrainingBatchStream.setState: position ${state.position} is outside 0..${this.size} (instances per epoch)`);
    }
    this.rng = Rng.fromState(state.epochStartRngState);
    this.beginEpoch(state.epoch);
    this.position = state.position;
    this.rng = Rng.fromState(state.rngState);
  }
}
