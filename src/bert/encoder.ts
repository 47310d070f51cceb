/**
 * The encoder layer and the stack of layers (docs/bert-encoder-layer.md). Post-LN, as in the original BERT:
 *
 *   a   = LayerNorm(x + Dropout(Attention(x) Wo^T + bo))           (BertAttention)
 *   f   = act(a W1^T + b1)                                          (BertIntermediate, [B, S, I])
 *   out = LayerNorm(a + Dropout(f W2^T + b2))                       (BertOutput)
 */
import { getActivation, type Activation } from '../nn/activations.ts';
import { Dropout, type RngSource } from '../nn/dropout.ts';
import { LayerNorm } from '../nn/layer-norm.ts';
import { Linear } from '../nn/linear.ts';
import { Module, ModuleList } from '../nn/module.ts';
import { add } from '../ops/elementwise.ts';
import { matmul } from '../ops/matmul.ts';
import { biasGelu } from '../ops/gelu.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { BertAttention } from './attention.ts';
import type { BertConfig } from './config.ts';

/** The first half of the feed-forward block: act(x W1^T + b1), hidden -> intermediate. */
export class BertIntermediate extends Module {
  readonly dense: Linear;
  readonly act: Activation;
  private readonly fusedGelu: boolean;

  constructor(config: BertConfig) {
    super();
    this.dense = this.registerModule('dense', new Linear(config.hiddenSize, config.intermediateSize));
    this.act = getActivation(config.hiddenAct);
    this.fusedGelu = config.hiddenAct === 'gelu' && this.dense.bias !== null;
  }

  /** @param x [B, S, H] @returns [B, S, I] [docs: feed-forward-intermediate] */
  forward(x: Tensor): Tensor {
    // With exact GELU the bias add and the activation run as one fused op (the same numbers as
    // gelu(x W1^T + b1), one pass less over the largest activation of the layer).
    if (this.fusedGelu) return biasGelu(matmul(x, this.dense.weight, { transposeB: true }), this.dense.bias!);
    return this.act(this.dense.forward(x));
  }
}

/** The second half: LayerNorm(residual + Dropout(f W2^T + b2)), intermediate -> hidden. */
export class BertFeedForwardOutput extends Module {
  readonly dense: Linear;
  readonly layerNorm: LayerNorm;
  readonly dropout: Dropout;

  constructor(config: BertConfig, source: RngSource) {
    super();
    this.dense = this.registerModule('dense', new Linear(config.intermediateSize, config.hiddenSize));
    this.layerNorm = this.registerModule('LayerNorm', new LayerNorm(config.hiddenSize, config.layerNormEps));
    this.dropout = this.registerModule('dropout', new Dropout(config.hiddenDropoutProb, source));
  }

  /** @param f [B, S, I] @param residual [B, S, H] @returns [B, S, H] [docs: feed-forward-output] */
  forward(f: Tensor, residual: Tensor): Tensor {
    return this.layerNorm.forward(add(residual, this.dropout.forward(this.dense.forward(f))));
  }
}

/** One transformer encoder layer: attention block then feed-forward block. */
export class BertLayer extends Module {
  readonly attention: BertAttention;
  readonly intermediate: BertIntermediate;
  readonly output: BertFeedForwardOutput;

  constructor(config: BertConfig, source: RngSource) {
    super();
    this.attention = this.registerModule('attention', new BertAttention(config, source));
    this.intermediate = this.registerModule('intermediate', new BertIntermediate(config));
    this.output = this.registerModule('output', new BertFeedForwardOutput(config, source));
  }

  /** @param x [B, S, H] @returns the layer output [B, S, H] and its attention probabilities [B, heads, S, S] [docs: encoder-layer] */
  forward(x: Tensor, maskBias: Tensor | null): { hidden: Tensor; probs: Tensor } {
    const { output: a, probs } = this.attention.forward(x, maskBias);
    return { hidden: this.output.forward(this.intermediate.forward(a), a), probs };
  }
}

/** num_hidden_layers BertLayers in sequence (`encoder.layer.<i>`). */
export class BertEncoder extends Module {
  readonly layer: ModuleList<BertLayer>;

  constructor(config: BertConfig, source: RngSource) {
    super();
    this.layer = this.registerModule('layer', new ModuleList(Array.from({ length: config.numHiddenLayers }, () => new BertLayer(config, source))));
  }

  /**
   * @param x the embeddings [B, S, H]
   * @param keep which intermediate results to return (they stay in memory only when asked for)
   * @returns the last hidden state [B, S, H]; with keep.hiddenStates every hidden state (the input first,
   *   L + 1 of them); with keep.attentions every layer's attention probabilities [B, heads, S, S] (L of them)
   */
  forward(
    x: Tensor,
    maskBias: Tensor | null,
    keep: { hiddenStates?: boolean; attentions?: boolean } = {},
  ): { lastHiddenState: Tensor; hiddenStates?: Tensor[]; attentions?: Tensor[] } {
    // [docs: encoder-stack] hidden_states.0 is the embeddings, hidden_states.i the output of layer i.
    const hiddenStates = keep.hiddenStates ? [x] : undefined;
    const attentions: Tensor[] | undefined = keep.attentions ? [] : undefined;
    let h = x;
    for (const layer of this.layer) {
      const out = layer.forward(h, maskBias);
      h = out.hidden;
      hiddenStates?.push(h);
      attentions?.push(out.probs);
    }
    return { lastHiddenState: h, hiddenStates, attentions };
  }
}
