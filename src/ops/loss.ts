/**
 * Losses: cross-entropy (fused with log-softmax), mean squared error, binary cross-entropy with logits.
 */
import { dispatch } from '../autograd/dispatch.ts';
import { record, recordResult, type OpResult } from '../autograd/record.ts';
import { allocate } from '../tensor/dtype.ts';
import { sameShape, shapeToString } from '../tensor/shape.ts';
import { isFullyMasked } from './softmax-input.ts';
import { Tensor } from '../tensor/tensor.ts';
import { assertFloat, assertInt, assertSameDType } from './checks.ts';
import { sub } from './elementwise.ts';
import type { FloatArray } from './matmul.ts';
import { mean, sum } from './reduce.ts';
import { square } from './unary.ts';

export type Reduction = 'mean' | 'sum' | 'none';

export interface CrossEntropyOptions {
  /** Targets equal to this contribute nothing (Hugging Face marks unlabelled positions with -100). */
  ignoreIndex?: number;
  /** 'mean' over the targets that are not ignored (the default), 'sum', or 'none' (one loss per row). */
  reduction?: Reduction;
}

/**
 * Cross-entropy between logits and class indices: loss_i = logsumexp(x_i) - x_i[t_i].
 * Fused: dL/dx_i = (softmax(x_i) - onehot(t_i)) * dL/dloss_i.
 * With 'mean' and every target ignored the loss is 0 (PyTorch gives NaN; we never return a silent NaN).
 * A row of logits that is entirely -Infinity (with a target that is not ignored) follows the logSoftmax
 * convention: its probabilities are all 0, its loss is -log 0 = +Infinity rather than NaN, and its gradient
 * is the finite (0 - onehot(t_i)) * dL/dloss_i, equal to the gradient through -logSoftmax(x)[t_i].
 * A row holding +Infinity or NaN (an overflow upstream) has a NaN loss and NaN gradient, so a training loop's
 * non-finite-loss check sees it (see softmax-input.ts); rows whose target is ignored are not read.
 * @param logits [N, C] (or [..., C], flattened to rows)
 * @param targets int32 [N] (or [...]), each in [0, C) or equal to ignoreIndex
 * @returns scalar for mean/sum, [N] for none
 */
export function crossEntropy(logits: Tensor, targets: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  assertFloat('crossEntropy', logits, 'logits');
  assertInt('crossEntropy', targets, 'targets');
  const ignoreIndex = opts.ignoreIndex ?? -100;
  const reduction = opts.reduction ?? 'mean';
  if (logits.rank < 1) throw new Error('crossEntropy: logits must have a class dimension');
  const C = logits.shape[logits.rank - 1];
  const N = C === 0 ? 0 : logits.size / C;
  if (targets.size !== N || !sameShape(targets.shape, logits.shape.slice(0, -1))) {
    throw new Error(
      `crossEntropy: targets ${shapeToString(targets.shape)} must have the logits' shape without the class dimension: ${shapeToString(logits.shape.slice(0, -1))}`,
    );
  }
  const result = dispatch('crossEntropy', { logits, targets }, { ignoreIndex, reduction, rows: N, classes: C }, crossEntropyReference);
  return recordResult(result, [logits], 'crossEntropy');
}

/** The attributes of kernel 'crossEntropy': logits are [rows, classes]. */
export interface CrossEntropyAttrs {
  ignoreIndex: number;
  reduction: Reduction;
  rows: number;
  classes: number;
}

/** The reference of kernel 'crossEntropy': the losses (reduced) and their backward, softmax - onehot. */
export function crossEntropyReference(inputs: { logits: Tensor; targets: Tensor }, attrs: CrossEntropyAttrs): OpResult {
  return crossEntropyWithRows(inputs, attrs, crossEntropyRows);
}

/** The arrays of a cross-entropy forward over rows (crossEntropyRows); probs and losses start as zeros. */
export interface CrossEntropyRowsArgs {
  /** [rows, classes] logits. */
  x: FloatArray;
  /** [rows] class indices, or ignoreIndex. */
  targets: Int32Array;
  ignoreIndex: number;
  /** [rows, classes], filled with softmax(x) on the rows whose target is not ignored. */
  probs: FloatArray;
  /** [rows], filled with logsumexp(x_i) - x_i[t_i] on those rows. */
  losses: FloatArray;
  rows: number;
  classes: number;
}

/**
 * Kernel 'crossEntropy' with `forwardRows` computing the probabilities and the row losses (the reference
 * passes crossEntropyRows; a backend may pass a faster loop with the same contract), then the core's
 * reduction and backward.
 */
export function crossEntropyWithRows(
  { logits, targets }: { logits: Tensor; targets: Tensor },
  { ignoreIndex, reduction, rows: N, classes: C }: CrossEntropyAttrs,
  forwardRows: (args: CrossEntropyRowsArgs) => void,
): OpResult {
  const t = targets.data as Int32Array;
  const losses = allocate(logits.dtype, N) as FloatArray;
  const probs = allocate(logits.dtype, logits.size) as FloatArray; // softmax, saved for backward
  const counted = countTargets(t, N, C, ignoreIndex);
  forwardRows({ x: logits.data as FloatArray, targets: t, ignoreIndex, probs, losses, rows: N, classes: C });
  let out: Tensor;
  if (reduction === 'none') {
    out = new Tensor(losses, targets.shape);
  } else {
    let total = 0;
    for (let i = 0; i < N; i++) total += losses[i];
    const value = reduction === 'mean' ? (counted === 0 ? 0 : total / counted) : total;
    const data = allocate(logits.dtype, 1);
    data[0] = value;
    out = new Tensor(data, []);
  }
  // [docs: cross-entropy-backward] dL/dlogits_i = (softmax(x_i) - onehot(t_i)) * g_i, divided by the count for 'mean'.
  // Written over the probabilities: the engine runs a backward once and then frees what it saved
  // (autograd/backward.ts), so they need no second array of the logits' size (an MLM head's largest).
  const backward = (g: Tensor): Tensor[] => {
    const dx = probs;
    const gd = g.data;
    for (let i = 0; i < N; i++) {
      const target = t[i];
      const o = i * C;
      if (target === ignoreIndex) {
        dx.fill(0, o, o + C); // a row that is not counted has no gradient
        continue;
      }
      const scaleI = reduction === 'none' ? gd[i] : reduction === 'mean' ? gd[0] / counted : gd[0];
      for (let j = 0; j < C; j++) dx[o + j] *= scaleI;
      dx[o + target] -= scaleI;
    }
    return [new Tensor(dx, logits.shape)];
  };
  return { output: out, backward };
}

/**
 * The forward of cross-entropy by rows: for each row i whose target is not ignored, probs_i = softmax(x_i)
 * and losses_i = logsumexp(x_i) - x_i[t_i], with the row max subtracted before exp. Rows whose target is
 * ignored are not read. The special rows are described at crossEntropy.
 */
export function crossEntropyRows({ x, targets: t, ignoreIndex, probs, losses, rows: N, classes: C }: CrossEntropyRowsArgs): void {
  for (let i = 0; i < N; i++) {
    const target = t[i];
    if (target === ignoreIndex) continue;
    const o = i * C;
    let max = -Infinity;
    for (let j = 0; j < C; j++) if (x[o + j] > max) max = x[o + j];
    if (max === -Infinity) {
      if (isFullyMasked(x, o, C)) {
        losses[i] = Infinity; // fully masked row: probs stay 0, loss = -log 0
      } else {
        losses[i] = NaN; // NaN beside -Infinity ('>' never picks NaN as the max): no distribution
        probs.fill(NaN, o, o + C);
      }
      continue;
    }
    // A +Infinity max or a NaN entry makes s, and so the probabilities and the loss, NaN.
    let s = 0;
    for (let j = 0; j < C; j++) {
      const e = Math.exp(x[o + j] - max);
      probs[o + j] = e;
      s += e;
    }
    for (let j = 0; j < C; j++) probs[o + j] /= s;
    // [docs: cross-entropy-forward] loss_i = logsumexp(x_i) - x_i[t_i]
    losses[i] = max + Math.log(s) - x[o + target];
  }
}

/** The number of targets that are not ignored; a target outside [0, C) is an error naming its position. */
export function countTargets(t: ArrayLike<number>, N: number, C: number, ignoreIndex: number): number {
  let counted = 0;
  for (let i = 0; i < N; i++) {
    if (t[i] === ignoreIndex) continue;
    if (!(t[i] >= 0 && t[i] < C)) {
      throw new Error(`crossEntropy: target ${t[i]} at position ${i} is outside the classes [0, ${C}) (and is not the ignore index ${ignoreIndex})`);
    }
    counted++;
  }
  return counted;
}

function reduce(losses: Tensor, reduction: Reduction): Tensor {
  return reduction === 'none' ? losses : reduction === 'sum' ? sum(losses) : mean(losses);
}

/** Mean squared error: mean((input - target)^2). Shapes must match. */
export function mseLoss(input: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  assertFloat('mseLoss', input, 'input');
  assertSameDType('mseLoss', input, target);
  if (!sameShape(input.shape, target.shape)) {
    throw new Error(`mseLoss: input ${shapeToString(input.shape)} and target ${shapeToString(target.shape)} must have the same shape`);
  }
  return reduce(square(sub(input, target)), reduction);
}

/**
 * Binary cross-entropy on logits, stable for any logit size:
 * loss = max(x, 0) - x * y + log(1 + exp(-|x|)); d/dx = sigmoid(x) - y.
 */
export function bceWithLogits(logits: Tensor, targets: Tensor, reduction: Reduction = 'mean'): Tensor {
  assertFloat('bceWithLogits', logits, 'logits');
  assertSameDType('bceWithLogits', logits, targets);
  if (!sameShape(logits.shape, targets.shape)) {
    throw new Error(`bceWithLogits: logits ${shapeToString(logits.shape)} and targets ${shapeToString(targets.shape)} must have the same shape`);
  }
  const x = logits.data;
  const y = targets.data;
  const out = allocate(logits.dtype, logits.size);
  for (let i = 0; i < out.length; i++) out[i] = Math.max(x[i], 0) - x[i] * y[i] + Math.log1p(Math.exp(-Math.abs(x[i])));
  const losses = record(new Tensor(out, logits.shape), [logits], 'bceWithLogits', (g) => {
    const dx = allocate(logits.dtype, logits.size);
    const gd = g.data;
    for (let i = 0; i < dx.length; i++) {
      const s = x[i] >= 0 ? 1 / (1 + Math.exp(-x[i])) : Math.exp(x[i]) / (1 + Math.exp(x[i]));
      dx[i] = gd[i] * (s - y[i]);
    }
    return [new Tensor(dx, logits.shape)];
  });
  return reduce(losses, reduction);
}
