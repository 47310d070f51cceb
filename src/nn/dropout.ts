/**
 * Dropout as a module: active in training mode, the identity in evaluation mode.
 *
 * Every Dropout of a model draws from the model's one generator, reached through a shared `RngSource`, so
 * that a training loop can save and restore that generator (and replace it: `source.rng = Rng.fromState(s)`)
 * and every layer sees the change. The source also says how masks are drawn (ops/dropout.ts: 'stream',
 * 'counter' or 'auto'), a setting of the training run that the trainer sets on the model.
 */
import { dropout, type DropoutMasks } from '../ops/dropout.ts';
import type { Rng } from '../tensor/random.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { Module } from './module.ts';

/** A mutable holder of the generator that a model's dropout layers share. */
export interface RngSource {
  rng: Rng;
  /** How dropout masks are drawn from rng; 'auto' when absent. */
  masks?: DropoutMasks;
}

export class Dropout extends Module {
  /** @param p probability of zeroing an element, in [0, 1) */
  constructor(
    readonly p: number,
    readonly source: RngSource,
  ) {
    super();
    if (!(p >= 0 && p < 1)) throw new Error(`Dropout: probability must be in [0, 1), got ${p}`);
  }

  /** @param x any shape @returns same shape */
  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.source.rng, this.training, this.source.masks ?? 'auto');
  }
}
