/**
 * Linear layer: y = x W^T + b, with W stored [out, in] as in PyTorch and Hugging Face checkpoints.
 */
import { add } from '../ops/elementwise.ts';
import { matmul } from '../ops/matmul.ts';
import { zeros } from '../tensor/creation.ts';
import { shapeToString } from '../tensor/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { Module } from './module.ts';

export class Linear extends Module {
  /** [outFeatures, inFeatures] */
  readonly weight: Tensor;
  /** [outFeatures], or null without a bias */
  readonly bias: Tensor | null;

  /** Weights start at zero; models initialise them (nn/init.ts) or load a checkpoint. */
  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    opts: { bias?: boolean } = {},
  ) {
    super();
    this.weight = this.registerParameter('weight', zeros([outFeatures, inFeatures]));
    this.bias = opts.bias === false ? null : this.registerParameter('bias', zeros([outFeatures]));
  }

  /**
   * @param x [..., inFeatures]
   * @returns [..., outFeatures]
   */
  forward(x: Tensor): Tensor {
    if (x.shape[x.rank - 1] !== this.inFeatures) {
      throw new Error(`Linear(${this.inFeatures} -> ${this.outFeatures}): expected input [..., ${this.inFeatures}], got ${shapeToString(x.shape)}`);
    }
    // [docs: linear] y = x W^T + b: W is stored [out, in] and read transposed, never copied.
    const y = matmul(x, this.weight, { transposeB: true });
    return this.bias ? add(y, this.bias) : y;
  }
}
