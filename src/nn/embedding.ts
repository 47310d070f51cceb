/**
 * Embedding table: row i is the vector of id i. With `paddingIdx`, that row receives no gradient (as
 * PyTorch's nn.Embedding(padding_idx=...)), so the padding token's vector stays where it was initialised.
 */
import { embedding } from '../ops/indexing.ts';
import { zeros } from '../tensor/creation.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { Module } from './module.ts';

export class Embedding extends Module {
  /** [numEmbeddings, embeddingDim] */
  readonly weight: Tensor;

  constructor(
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    readonly paddingIdx: number | null = null,
  ) {
    super();
    if (paddingIdx !== null && !(Number.isInteger(paddingIdx) && paddingIdx >= 0 && paddingIdx < numEmbeddings)) {
      throw new Error(`Embedding: padding index ${paddingIdx} is outside the table [0, ${numEmbeddings})`);
    }
    this.weight = this.registerParameter('weight', zeros([numEmbeddings, embeddingDim]));
  }

  /**
   * @param ids int32 [...], each in [0, numEmbeddings)
   * @returns [..., embeddingDim]
   */
  forward(ids: Tensor): Tensor {
    return embedding(this.weight, ids, this.paddingIdx ?? undefined);
  }
}
