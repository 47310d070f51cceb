/**
 * One optimizer step: the heart of every training loop (pretraining, fine-tuning, the lessons).
 *
 *   for each of the N micro-batches i:  L_i = loss(batch_i);  backward of L_i / N   (gradients add up)
 *   g = the summed gradients;  norm = ||g||_2 over every parameter;  if norm > clip: g *= clip / (norm + 1e-6)
 *   optimizer step at learning rate lr;  gradients back to zero
 *
 * With N micro-batches of B examples the step's gradient is that of the mean loss over N B examples
 * (gradient accumulation: a big batch in small pieces). A loss or gradient norm that is not finite stops the
 * step before any weight changes, with a NonFiniteError saying which and at which micro-batch.
 */
import { scale } from '../ops/unary.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { AdamW } from './adamw.ts';
import { clipGradNorm } from './clip.ts';

export interface TrainStepOptions {
  /** The parameters the optimizer updates (their gradients are clipped together). */
  params: Tensor[];
  optimizer: AdamW;
  /** The learning rate of this step (the schedule's value). */
  lr: number;
  /** The largest global gradient norm kept as it is (BERT: 1.0). */
  clip: number;
  /** Micro-batches per step (gradient accumulation). Default 1. */
  microBatches?: number;
}

export interface TrainStepResult {
  /** The step's loss: the mean of the micro-batches' losses. */
  loss: number;
  /** The global gradient norm before clipping. */
  gradNorm: number;
}

/** A step stopped because its loss or its gradient norm was NaN or infinite; no weight was changed. */
export class NonFiniteError extends Error {
  constructor(
    readonly what: 'loss' | 'gradient norm',
    readonly value: number,
  ) {
    super(`the ${what} became ${value}`);
    this.name = 'NonFiniteError';
  }
}

/**
 * Run one optimizer step. [docs: train-step]
 * @param lossOf the loss of micro-batch i (0 <= i < microBatches): a scalar tensor with its graph, from a
 *   forward pass in training mode
 */
export function trainStep(lossOf: (micro: number) => Tensor, opts: TrainStepOptions): TrainStepResult {
  const n = opts.microBatches ?? 1;
  let loss = 0;
  for (let micro = 0; micro < n; micro++) {
    const microLoss = lossOf(micro);
    const value = microLoss.item();
    if (!Number.isFinite(value)) throw new NonFiniteError('loss', value);
    loss += value / n;
    (n === 1 ? microLoss : scale(microLoss, 1 / n)).backward();
  }
  const gradNorm = clipGradNorm(opts.params, opts.clip);
  if (!Number.isFinite(gradNorm)) throw new NonFiniteError('gradient norm', gradNorm);
  opts.optimizer.step(opts.lr);
  opts.optimizer.zeroGrad();
  return { loss, gradNorm };
}
