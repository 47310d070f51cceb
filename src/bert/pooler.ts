/**
 * The pooler: a summary vector of the whole sequence for sentence-level heads (NSP, classification).
 *   pooled = tanh([CLS] hidden state W^T + b)           [B, H]
 * The [CLS] token is position 0 of every sequence.
 */
import { Linear } from '../nn/linear.ts';
import { Module } from '../nn/module.ts';
import { reshape, slice } from '../ops/shape.ts';
import { tanh } from '../ops/unary.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { BertConfig } from './config.ts';

export class BertPooler extends Module {
  readonly dense: Linear;

  constructor(config: BertConfig) {
    super();
    this.dense = this.registerModule('dense', new Linear(config.hiddenSize, config.hiddenSize));
  }

  /** @param hidden [B, S, H] @returns [B, H]: tanh(h[:, 0] W^T + b) [docs: pooler] */
  forward(hidden: Tensor): Tensor {
    const [B, , H] = hidden.shape;
    const cls = reshape(slice(hidden, 1, 0, 1), [B, H]);
    return tanh(this.dense.forward(cls));
  }
}
