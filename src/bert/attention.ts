/**
 * Multi-head self-attention with the padding mask, and its post-LN residual block
 * (docs/bert-attention.md).
 *
 * For x [B, S, H] with h heads of size d = H / h:
 *   q, k, v   = x Wq^T + bq, x Wk^T + bk, x Wv^T + bv         each [B, S, H] -> [B, h, S, d]
 *   scores    = q k^T / sqrt(d) + maskBias                    [B, h, S, S]
 *   probs     = softmax(scores) over the keys (last axis)
 *   context   = Dropout(probs) v                              [B, h, S, d] -> [B, S, H]
 * and the block around it (BertSelfOutput):
 *   out       = LayerNorm(x + Dropout(context Wo^T + bo))
 *
 * maskBias is 0 for real tokens and the float32 minimum (-3.4e38) for padding keys, as Hugging Face does
 * (`(1 - mask) * finfo.min`): after the softmax a padding key gets weight exp(-3.4e38 - max) = 0. A row whose
 * keys are all padding has all scores equal to -3.4e38 (the small score is absorbed in float32), so it
 * becomes a uniform distribution, never 0/0 = NaN.
 */
import { Dropout, type RngSource } from '../nn/dropout.ts';
import { LayerNorm } from '../nn/layer-norm.ts';
import { Linear } from '../nn/linear.ts';
import { Module } from '../nn/module.ts';
import { add } from '../ops/elementwise.ts';
import { matmul } from '../ops/matmul.ts';
import { permute, reshape } from '../ops/shape.ts';
import { scaledMaskedSoftmax } from '../ops/softmax.ts';
import { Tensor } from '../tensor/tensor.ts';
import type { BertConfig } from './config.ts';

/** The most negative float32, torch.finfo(torch.float32).min. */
export const FLOAT32_MIN = -3.4028234663852886e38;

/**
 * [docs: attention-mask-bias]
 * The additive attention mask: 0 where mask is 1, FLOAT32_MIN where it is 0 (Hugging Face's
 * (1 - mask) * finfo.min for a 0/1 mask).
 * @param mask [B, S] with 1 for real tokens and 0 for padding (int32 or float)
 * @returns float32 [B, 1, 1, S], broadcast over heads and query positions
 */
export function extendedAttentionMask(mask: Tensor): Tensor {
  const [B, S] = mask.shape;
  const bias = new Float32Array(B * S);
  const m = mask.data;
  for (let i = 0; i < bias.length; i++) bias[i] = m[i] === 0 ? FLOAT32_MIN : 0;
  return new Tensor(bias, [B, 1, 1, S]);
}

export class BertSelfAttention extends Module {
  readonly numHeads: number;
  readonly headDim: number;
  readonly query: Linear;
  readonly key: Linear;
  readonly value: Linear;
  readonly dropout: Dropout;

  constructor(config: BertConfig, source: RngSource) {
    super();
    this.numHeads = config.numAttentionHeads;
    this.headDim = config.hiddenSize / config.numAttentionHeads;
    this.query = this.registerModule('query', new Linear(config.hiddenSize, config.hiddenSize));
    this.key = this.registerModule('key', new Linear(config.hiddenSize, config.hiddenSize));
    this.value = this.registerModule('value', new Linear(config.hiddenSize, config.hiddenSize));
    this.dropout = this.registerModule('dropout', new Dropout(config.attentionProbsDropoutProb, source));
  }

  /** [B, S, H] -> [B, heads, S, headDim]: reshape to [B, S, h, d], then swap S and h. [docs: attention-split-heads] */
  private splitHeads(x: Tensor): Tensor {
    const [B, S] = x.shape;
    return permute(reshape(x, [B, S, this.numHeads, this.headDim]), [0, 2, 1, 3]);
  }

  /**
   * @param x [B, S, H]
   * @param maskBias [B, 1, 1, S] from extendedAttentionMask, or null (attend everywhere)
   * @returns context [B, S, H] and the attention probabilities [B, heads, S, S] (before dropout)
   */
  forward(x: Tensor, maskBias: Tensor | null): { context: Tensor; probs: Tensor } {
    const [B, S, H] = x.shape;
    // [docs: attention-projections] q, k, v = x W^T + b, each split into heads: [B, S, H] -> [B, h, S, d]
    const q = this.splitHeads(this.query.forward(x));
    const k = this.splitHeads(this.key.forward(x));
    const v = this.splitHeads(this.value.forward(x));
    // [docs: attention-scores]
    // probs = softmax(q k^T / sqrt(d) + maskBias), in one fused kernel that gives exactly the same numbers as
    // softmax(add(scale(matmul(q, k^T), 1 / sqrt(d)), maskBias)) without materialising the two intermediates.
    const probs = scaledMaskedSoftmax(matmul(q, k, { transposeB: true }), 1 / Math.sqrt(this.headDim), maskBias); // [B, h, S, S]
    // [docs: attention-context] context = Dropout(probs) v, then the heads merged back: [B, h, S, d] -> [B, S, H]
    const context = matmul(this.dropout.forward(probs), v); // [B, h, S, d]
    return { context: reshape(permute(context, [0, 2, 1, 3]), [B, S, H]), probs };
  }
}

/** The projection after attention, with the residual connection and LayerNorm (post-LN). */
export class BertSelfOutput extends Module {
  readonly dense: Linear;
  readonly layerNorm: LayerNorm;
  readonly dropout: Dropout;

  constructor(config: BertConfig, source: RngSource) {
    super();
    this.dense = this.registerModule('dense', new Linear(config.hiddenSize, config.hiddenSize));
    this.layerNorm = this.registerModule('LayerNorm', new LayerNorm(config.hiddenSize, config.layerNormEps));
    this.dropout = this.registerModule('dropout', new Dropout(config.hiddenDropoutProb, source));
  }

  /** LayerNorm(input + Dropout(dense(context))). @param context [B, S, H] @param input [B, S, H] [docs: attention-output] */
  forward(context: Tensor, input: Tensor): Tensor {
    return this.layerNorm.forward(add(input, this.dropout.forward(this.dense.forward(context))));
  }
}

/** `attention.self` + `attention.output`, as Hugging Face nests them. */
export class BertAttention extends Module {
  readonly self: BertSelfAttention;
  readonly output: BertSelfOutput;

  constructor(config: BertConfig, source: RngSource) {
    super();
    this.self = this.registerModule('self', new BertSelfAttention(config, source));
    this.output = this.registerModule('output', new BertSelfOutput(config, source));
  }

  /** @param x [B, S, H] @returns the block output [B, S, H] and the attention probabilities [B, heads, S, S] */
  forward(x: Tensor, maskBias: Tensor | null): { output: Tensor; probs: Tensor } {
    const { context, probs } = this.self.forward(x, maskBias);
    return { output: this.output.forward(context, x), probs };
  }
}
