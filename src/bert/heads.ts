/**
 * The pretraining heads (docs/bert-heads.md).
 *
 * Masked LM (`cls.predictions`): for each hidden state h [H]
 *   t      = LayerNorm(act(h Wt^T + bt))                      the transform
 *   logits = t E^T + b                                        [vocab]
 * where E is the word-embedding matrix [vocab, H] itself (the decoder is tied to the input embeddings,
 * so it adds no weight of its own) and b is `cls.predictions.bias`.
 *
 * Next-sentence prediction (`cls.seq_relationship`): logits = pooled Wn^T + bn, [2].
 */
import { getActivation, type Activation } from '../nn/activations.ts';
import { LayerNorm } from '../nn/layer-norm.ts';
import { Linear } from '../nn/linear.ts';
import { Module } from '../nn/module.ts';
import { add } from '../ops/elementwise.ts';
import { matmul } from '../ops/matmul.ts';
import { zeros } from '../tensor/creation.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { BertConfig } from './config.ts';

/** dense -> activation -> LayerNorm (`cls.predictions.transform`). */
export class BertPredictionHeadTransform extends Module {
  readonly dense: Linear;
  readonly act: Activation;
  readonly layerNorm: LayerNorm;

  constructor(config: BertConfig) {
    super();
    this.dense = this.registerModule('dense', new Linear(config.hiddenSize, config.hiddenSize));
    this.act = getActivation(config.hiddenAct);
    this.layerNorm = this.registerModule('LayerNorm', new LayerNorm(config.hiddenSize, config.layerNormEps));
  }

  /** @param h [..., H] @returns [..., H]: LayerNorm(act(h Wt^T + bt)) [docs: mlm-transform] */
  forward(h: Tensor): Tensor {
    return this.layerNorm.forward(this.act(this.dense.forward(h)));
  }
}

/** The MLM head (`cls.predictions`): transform, then the tied decoder plus its own bias. */
export class BertLMPredictionHead extends Module {
  readonly transform: BertPredictionHeadTransform;
  /** [vocab] */
  readonly bias: Tensor;

  /** @param wordEmbeddings the input embedding matrix [vocab, H], used as the decoder weight */
  constructor(
    config: BertConfig,
    readonly wordEmbeddings: Tensor,
  ) {
    super();
    this.transform = this.registerModule('transform', new BertPredictionHeadTransform(config));
    this.bias = this.registerParameter('bias', zeros([config.vocabSize]));
    // [docs: mlm-tied-decoder] The decoder weight is the word-embedding matrix itself (tied), not a copy.
    // Hugging Face's state dict also has these two names; both are the tensors above.
    this.tiedAliases.set('decoder.weight', wordEmbeddings);
    this.tiedAliases.set('decoder.bias', this.bias);
  }

  /** @param h [..., H] hidden states @returns [..., vocab] logits: t E^T + b, E the word embeddings [docs: mlm-decoder] */
  forward(h: Tensor): Tensor {
    return add(matmul(this.transform.forward(h), this.wordEmbeddings, { transposeB: true }), this.bias);
  }
}

/** `cls` of BertForPreTraining: the MLM head and the NSP classifier. */
export class BertPreTrainingHeads extends Module {
  readonly predictions: BertLMPredictionHead;
  readonly seqRelationship: Linear;

  constructor(config: BertConfig, wordEmbeddings: Tensor) {
    super();
    this.predictions = this.registerModule('predictions', new BertLMPredictionHead(config, wordEmbeddings));
    this.seqRelationship = this.registerModule('seq_relationship', new Linear(config.hiddenSize, 2));
  }
}

/** `cls` of BertForMaskedLM: the MLM head only. */
export class BertOnlyMLMHead extends Module {
  readonly predictions: BertLMPredictionHead;

  constructor(config: BertConfig, wordEmbeddings: Tensor) {
    super();
    this.predictions = this.registerModule('predictions', new BertLMPredictionHead(config, wordEmbeddings));
  }
}
