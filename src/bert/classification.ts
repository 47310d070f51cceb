/**
 * The fine-tuning heads on top of the encoder (docs/bert-heads.md):
 *
 *   BertForSequenceClassification  logits = Dropout(pooled) Wc^T + bc            [B, numLabels]
 *     loss, by config.problem_type (or, when unset, as Hugging Face infers it):
 *       regression (numLabels 1)      MSE(logits, labels)                         labels float32 [B]
 *       single-label (int32 labels)   CE(logits, labels)                          labels int32 [B]
 *       multi-label (float labels)    BCEWithLogits(logits, labels)               labels float32 [B, numLabels]
 *   BertForTokenClassification     logits = Dropout(sequence) Wc^T + bc          [B, S, numLabels], CE with -100 ignored
 *   BertForMultipleChoice          inputs [B, C, S] run as B*C sequences; score = Dropout(pooled) w^T + b,
 *                                  logits [B, C], CE over the choices
 */
import { Dropout } from '../nn/dropout.ts';
import { Linear } from '../nn/linear.ts';
import { bceWithLogits, mseLoss } from '../ops/loss.ts';
import { reshape } from '../ops/shape.ts';
import { cast } from '../ops/compare.ts';
import { shapeToString } from '../tensor/shape.ts';
import { Tensor } from '../tensor/tensor.ts';
import type { BertConfig, ProblemType } from './config.ts';
import { validateEncoderInputs, type BertInputs } from './inputs.ts';
import { checkClassLabels, classificationLoss } from './labels.ts';
import { BertModel, BertPreTrainedModel, type BertModelOptions } from './model.ts';
import { passThrough, type BertModelOutput } from './outputs.ts';

/** Hugging Face's rule when config.problem_type is unset. [docs: infer-problem-type] */
export function inferProblemType(config: BertConfig, labels: Tensor): ProblemType {
  if (config.problemType) return config.problemType;
  if (config.numLabels === 1) return 'regression';
  return labels.dtype === 'int32' ? 'single_label_classification' : 'multi_label_classification';
}

export class BertForSequenceClassification extends BertPreTrainedModel {
  readonly bert: BertModel;
  readonly dropout: Dropout;
  readonly classifier: Linear;

  constructor(config: BertConfig, opts: BertModelOptions = {}) {
    super(config, opts);
    this.bert = this.registerModule('bert', new BertModel(config, { init: false, dropoutSource: this.dropoutSource }));
    this.dropout = this.registerModule('dropout', new Dropout(config.classifierDropoutProb, this.dropoutSource));
    this.classifier = this.registerModule('classifier', new Linear(config.hiddenSize, config.numLabels));
    this.finishConstruction(opts);
  }

  get architecture(): string {
    return 'BertForSequenceClassification';
  }

  /**
   * @param inputs inputIds [B, S] (+ tokenTypeIds, attentionMask); labels as in the table above
   * @returns logits [B, numLabels] and the loss
   */
  forward(inputs: BertInputs): BertModelOutput {
    validateEncoderInputs(this.config, inputs);
    const enc = this.bert.forwardUnchecked(inputs);
    // [docs: sequence-classification-head] logits = Dropout(pooled) Wc^T + bc
    const logits = this.classifier.forward(this.dropout.forward(enc.poolerOutput!));
    const out: BertModelOutput = { lastHiddenState: enc.lastHiddenState, poolerOutput: enc.poolerOutput, logits };
    if (inputs.labels !== undefined) out.loss = this.loss(logits, inputs.labels);
    return passThrough(out, enc);
  }

  /** [docs: sequence-classification-loss] cross-entropy, MSE or BCE with logits, by the problem type. */
  private loss(logits: Tensor, labels: Tensor): Tensor {
    if (!(labels instanceof Tensor)) throw new Error(`labels: expected a Tensor, got ${typeof labels}`);
    const [B, N] = logits.shape;
    const problem = inferProblemType(this.config, labels);
    if (problem === 'single_label_classification') {
      checkClassLabels('labels', labels, [B], N, 'the labels');
      return classificationLoss(logits, labels);
    }
    const target = cast(labels, 'float32');
    if (problem === 'regression') {
      if (target.size !== B * N)
        throw new Error(`labels: regression with ${N} outputs expects ${B * N} values [${N === 1 ? B : `${B},${N}`}], got ${shapeToString(labels.shape)}`);
      return N === 1 ? mseLoss(reshape(logits, [B]), reshape(target, [B])) : mseLoss(logits, reshape(target, [B, N]));
    }
    if (shapeToString(labels.shape) !== shapeToString([B, N])) {
      throw new Error(`labels: multi-label classification expects [${B},${N}] (0/1 per label), got ${shapeToString(labels.shape)}`);
    }
    return bceWithLogits(logits, target);
  }
}

export class BertForTokenClassification extends BertPreTrainedModel {
  readonly bert: BertModel;
  readonly dropout: Dropout;
  readonly classifier: Linear;

  constructor(config: BertConfig, opts: BertModelOptions = {}) {
    super(config, opts);
    this.bert = this.registerModule('bert', new BertModel(config, { init: false, dropoutSource: this.dropoutSource, addPoolingLayer: false }));
    this.dropout = this.registerModule('dropout', new Dropout(config.classifierDropoutProb, this.dropoutSource));
    this.classifier = this.registerModule('classifier', new Linear(config.hiddenSize, config.numLabels));
    this.finishConstruction(opts);
  }

  get architecture(): string {
    return 'BertForTokenClassification';
  }

  /**
   * @param inputs inputIds [B, S] (+ tokenTypeIds, attentionMask); labels int32 [B, S] with -100 where
   *   there is no label (padding, [CLS], continuation word pieces)
   * @returns logits [B, S, numLabels] and the loss
   */
  forward(inputs: BertInputs): BertModelOutput {
    validateEncoderInputs(this.config, inputs);
    const enc = this.bert.forwardUnchecked(inputs);
    // [docs: token-classification-head] logits = Dropout(h) Wc^T + bc at every position; CE with -100 ignored
    const logits = this.classifier.forward(this.dropout.forward(enc.lastHiddenState));
    const out: BertModelOutput = { lastHiddenState: enc.lastHiddenState, logits };
    if (inputs.labels !== undefined) {
      checkClassLabels('labels', inputs.labels, inputs.inputIds.shape, this.config.numLabels, 'the labels');
      out.loss = classificationLoss(logits, inputs.labels);
    }
    return passThrough(out, enc);
  }
}

export class BertForMultipleChoice extends BertPreTrainedModel {
  readonly bert: BertModel;
  readonly dropout: Dropout;
  readonly classifier: Linear;

  constructor(config: BertConfig, opts: BertModelOptions = {}) {
    super(config, opts);
    this.bert = this.registerModule('bert', new BertModel(config, { init: false, dropoutSource: this.dropoutSource }));
    this.dropout = this.registerModule('dropout', new Dropout(config.classifierDropoutProb, this.dropoutSource));
    this.classifier = this.registerModule('classifier', new Linear(config.hiddenSize, 1));
    this.finishConstruction(opts);
  }

  get architecture(): string {
    return 'BertForMultipleChoice';
  }

  /**
   * @param inputs inputIds int32 [B, C, S] (+ tokenTypeIds, attentionMask of that shape); labels int32 [B],
   *   the index of the right choice
   * @returns logits [B, C] and the loss; hidden states and attentions are per flattened sequence [B*C, ...]
   */
  forward(inputs: BertInputs): BertModelOutput {
    validateEncoderInputs(this.config, inputs, 3);
    const [B, C, S] = inputs.inputIds.shape;
    const flat = (t?: Tensor) => (t === undefined ? undefined : reshape(t, [B * C, S]));
    const enc = this.bert.forwardUnchecked({
      ...inputs,
      inputIds: flat(inputs.inputIds)!,
      tokenTypeIds: flat(inputs.tokenTypeIds),
      attentionMask: flat(inputs.attentionMask),
    });
    // [docs: multiple-choice-head] [B, C, S] run as B*C sequences; score = Dropout(pooled) w^T + b; CE over the choices
    const scores = this.classifier.forward(this.dropout.forward(enc.poolerOutput!)); // [B*C, 1]
    const logits = reshape(scores, [B, C]);
    const out: BertModelOutput = { lastHiddenState: enc.lastHiddenState, poolerOutput: enc.poolerOutput, logits };
    if (inputs.labels !== undefined) {
      checkClassLabels('labels', inputs.labels, [B], C, 'the choices', null);
      out.loss = classificationLoss(logits, inputs.labels);
    }
    return passThrough(out, enc);
  }
}
