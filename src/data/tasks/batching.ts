/**
 * Encoded task rows -> padded batches of flat Int32Arrays, the layout the BERT heads take:
 *
 *   classification, regression, token classification, QA:  input ids etc. [B, S]   (row b at b*S .. b*S+S-1)
 *   multiple choice:                                          input ids etc. [B, C, S] (row (b, c) at (b*C + c)*S)
 *
 * Rows are padded on the right with the [PAD] id (token type 0, attention mask 0) to the longest row of the
 * batch (`padTo: 'longest'`, the default) or to a fixed length (`padTo: 128`). Labels follow Hugging Face's
 * arguments: int32 [B] class ids (classification, multiple choice), float32 [B] targets (regression), int32
 * [B, S] token labels padded with -100 (token classification), int32 [B] start/end positions (QA). When every
 * row of a batch is unlabelled, `labels` is absent.
 *
 * Order: `batchIndices` cuts 0..n-1 into batches, after a Fisher-Yates shuffle by the given seeded `Rng` when
 * there is one. The same generator state gives the same order, so saving `rng.getState()` before an epoch is
 * enough to replay it on resume.
 */
import type { Rng } from '../../tensor/random.ts';
import type { TokenClassificationFeature } from './conll.ts';
import type { EncodedInput } from './encoded-input.ts';
import type { MultipleChoiceFeature } from './multiple-choice.ts';
import type { QaFeature } from './qa-features.ts';
import type { ClassificationFeature, RegressionFeature } from './text-classification.ts';

/** Any encoded task row. */
export type TaskFeature = ClassificationFeature | RegressionFeature | TokenClassificationFeature | QaFeature | MultipleChoiceFeature;
export type TaskKind = TaskFeature['kind'];

/** Hugging Face's ignored label value, written on the padding of token labels. */
const IGNORE = -100;

/** One padded batch; every array is row-major. */
export interface TaskBatch {
  kind: TaskKind;
  /** Index in the feature list of each row, length B. */
  indices: number[];
  batchSize: number;
  /** S: the padded sequence length. */
  seqLength: number;
  /** C for multiple choice, else null. */
  numChoices: number | null;
  /** [B, S], or [B, C, S] for multiple choice. */
  shape: number[];
  /** int32 `shape` */
  inputIds: Int32Array;
  /** int32 `shape`, 0 on padding */
  tokenTypeIds: Int32Array;
  /** int32 `shape`, 1 on real tokens, 0 on padding */
  attentionMask: Int32Array;
  /**
   * classification / multiple choice: int32 [B] class ids; regression: float32 [B]; token classification:
   * int32 [B, S], -100 where ignored. Absent when the batch is unlabelled (and for QA, which uses positions).
   */
  labels?: Int32Array | Float32Array;
  /** QA: int32 [B] token index of the answer start (0 = [CLS], no answer in the window). */
  startPositions?: Int32Array;
  /** QA: int32 [B] token index of the answer end (inclusive). */
  endPositions?: Int32Array;
}

export interface CollateTaskOptions {
  /** The [PAD] token id (`tokenizer.ids.pad`). */
  padId: number;
  /** 'longest' (default): the longest row of the batch; a number: that length for every batch. */
  padTo?: 'longest' | number;
  /**
   * With 'longest': round the length up to a multiple of this (at most `maxLength`). A device compiles its
   * kernels per shape, so a few lengths would serve every batch. The extra [PAD] positions are hidden by the
   * attention mask and their labels ignored, but dropout then draws for more elements, so a run differs
   * from one padded to the longest row (`bert finetune --pad-multiple`). Default 1.
   */
  padMultiple?: number;
  /** The cap for padMultiple's rounding (the model's maximum length). */
  maxLength?: number;
}

/** The rows of a feature: one, or one per choice. */
function rowsOf(f: TaskFeature): EncodedInput[] {
  return f.kind === 'multiple-choice' ? f.choices : [f];
}

/**
 * Pad and stack `features[indices]` into one batch (see the file comment).
 * @throws when the features are of different kinds, have different numbers of choices, mix labelled and
 *   unlabelled rows, or a row is longer than a fixed `padTo`
 */
export function collateTaskBatch(features: readonly TaskFeature[], indices: readonly number[], options: CollateTaskOptions): TaskBatch {
  const B = indices.length;
  if (B === 0) throw new Error('collateTaskBatch: expected at least one row, got 0');
  const batch = indices.map((i) => {
    const f = features[i];
    if (f === undefined) throw new Error(`collateTaskBatch: index ${i} is outside the ${features.length} features`);
    return f;
  });
  const kind = batch[0].kind;
  const C = kind === 'multiple-choice' ? (batch[0] as MultipleChoiceFeature).choices.length : 1;
  batch.forEach((f, b) => {
    if (f.kind !== kind) throw new Error(`collateTaskBatch: row ${b} (feature ${indices[b]}) is ${f.kind}, but row 0 is ${kind}`);
    if (f.kind === 'multiple-choice' && f.choices.length !== C) {
      throw new Error(`collateTaskBatch: row ${b} (feature ${indices[b]}) has ${f.choices.length} choices, but row 0 has ${C}`);
    }
  });
  const longest = Math.max(...batch.flatMap((f) => rowsOf(f).map((r) => r.inputIds.length)));
  const padTo = options.padTo ?? 'longest';
  if (padTo !== 'longest' && (!Number.isInteger(padTo) || padTo < 1)) {
    throw new Error(`collateTaskBatch: padTo must be 'longest' or a positive integer, got ${padTo}`);
  }
  if (padTo !== 'longest' && longest > padTo) {
    const b = batch.findIndex((f) => rowsOf(f).some((r) => r.inputIds.length > padTo));
    throw new Error(`collateTaskBatch: row ${b} (feature ${indices[b]}) has ${longest} tokens, more than padTo ${padTo}`);
  }
  const multiple = options.padMultiple ?? 1;
  if (!(Number.isInteger(multiple) && multiple >= 1)) throw new Error(`collateTaskBatch: padMultiple must be a positive integer, got ${multiple}`);
  const rounded = Math.max(longest, Math.min(Math.ceil(longest / multiple) * multiple, options.maxLength ?? Infinity));
  const S = padTo === 'longest' ? rounded : padTo;

  const n = B * C * S;
  const inputIds = new Int32Array(n).fill(options.padId);
  const tokenTypeIds = new Int32Array(n);
  const attentionMask = new Int32Array(n);
  batch.forEach((f, b) => {
    rowsOf(f).forEach((r, c) => {
      const at = (b * C + c) * S;
      inputIds.set(r.inputIds, at);
      tokenTypeIds.set(r.tokenTypeIds, at);
      attentionMask.set(r.attentionMask, at);
    });
  });
  const out: TaskBatch = {
    kind,
    indices: [...indices],
    batchSize: B,
    seqLength: S,
    numChoices: kind === 'multiple-choice' ? C : null,
    shape: kind === 'multiple-choice' ? [B, C, S] : [B, S],
    inputIds,
    tokenTypeIds,
    attentionMask,
  };

  if (kind === 'question-answering') {
    out.startPositions = Int32Array.from(batch, (f) => (f as QaFeature).startPosition);
    out.endPositions = Int32Array.from(batch, (f) => (f as QaFeature).endPosition);
  } else if (kind === 'token-classification') {
    const labels = new Int32Array(B * S).fill(IGNORE);
    batch.forEach((f, b) => labels.set((f as TokenClassificationFeature).labels, b * S));
    out.labels = labels;
  } else {
    const values = batch.map((f) => (f as ClassificationFeature | RegressionFeature | MultipleChoiceFeature).label);
    const unlabelled = values.filter((v) => v === null).length;
    if (unlabelled > 0 && unlabelled < B) {
      const b = values.indexOf(null);
      throw new Error(`collateTaskBatch: row ${b} (feature ${indices[b]}) has no label, but other rows of the batch do`);
    }
    if (unlabelled === 0) out.labels = kind === 'regression' ? Float32Array.from(values as number[]) : Int32Array.from(values as number[]);
  }
  return out;
}

export interface BatchOrderOptions {
  /** Rows per batch. */
  batchSize: number;
  /** Shuffle with this generator (advancing it); in order when absent. */
  rng?: Rng;
  /** Drop a last batch smaller than batchSize. Default false. */
  dropLast?: boolean;
}

/**
 * The batches of one epoch as lists of feature indices.
 * @returns ceil(count / batchSize) lists (floor with dropLast), every index 0..count-1 once (unless dropped)
 */
export function batchIndices(count: number, options: BatchOrderOptions): number[][] {
  const { batchSize } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchIndices: batchSize must be a positive integer, got ${batchSize}`);
  const order = Array.from({ length: count }, (_, i) => i);
  if (options.rng) options.rng.shuffle(order);
  const batches: number[][] = [];
  for (let at = 0; at < count; at += batchSize) {
    const b = order.slice(at, at + batchSize);
    if (b.length < batchSize && options.dropLast) break;
    batches.push(b);
  }
  return batches;
}

/** One epoch of padded batches: `batchIndices` then `collateTaskBatch`, lazily (one batch in memory at a time). */
export function* taskBatches(features: readonly TaskFeature[], options: BatchOrderOptions & CollateTaskOptions): Generator<TaskBatch> {
  for (const indices of batchIndices(features.length, options)) yield collateTaskBatch(features, indices, options);
}
