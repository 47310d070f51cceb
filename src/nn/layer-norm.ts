/**
 * LayerNorm over the last dimension: y = (x - mean) / sqrt(var + eps) * weight + bias (math in ops/layer-norm.ts).
 * Hugging Face names the parameters `weight` and `bias` (old TensorFlow conversions: `gamma` and `beta`).
 */
import { layerNorm } from '../ops/layer-norm.ts';
import { ones, zeros } from '../tensor/creation.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { Module } from './module.ts';

export class LayerNorm extends Module {
  /** [hidden], starts at 1 */
  readonly weight: Tensor;
  /** [hidden], starts at 0 */
  readonly bias: Tensor;

  /** @param eps added to the variance; BERT's config.layer_norm_eps (1e-12) */
  constructor(
    readonly hidden: number,
    readonly eps = 1e-12,
  ) {
    super();
    this.weight = this.registerParameter('weight', ones([hidden]));
    this.bias = this.registerParameter('bias', zeros([hidden]));
  }

  /** @param x [..., hidden] @returns [..., hidden] */
  forward(x: Tensor): Tensor {
    return layerNorm(x, this.weight, this.bias, this.eps);
  }
}
