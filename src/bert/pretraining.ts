/**
 * BertForPreTraining (masked LM + next-sentence prediction) and BertForMaskedLM.
 *
 *   loss = mean over masked positions of CE(prediction_logits, labels)      (labels -100 elsewhere)
 *        + mean over the batch of CE(seq_relationship_logits, next_sentence_label)
 *
 * Only ~15% of the positions carry an MLM label, and the decoder ([H] -> [vocab]) is the largest matrix
 * product of the model. With `mlmPositions` (flat indices b * seq + s) and `mlmLabels` the hidden states are
 * gathered at those positions first, so the transform and decoder run on [numMasked, H] instead of
 * [batch * seq, H]; the loss and its gradients are the same as the full computation.
 */
import { indexSelect } from '../ops/indexing.ts';
import { add } from '../ops/elementwise.ts';
import { reshape } from '../ops/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { BertConfig } from './config.ts';
import { type BertLMPredictionHead, BertOnlyMLMHead, BertPreTrainingHeads } from './heads.ts';
import { assertIntTensor, validateEncoderInputs, type BertInputs } from './inputs.ts';
import { checkClassLabels, classificationLoss } from './labels.ts';
import { BertModel, BertPreTrainedModel, type BertModelOptions } from './model.ts';
import { passThrough, type BertModelOutput } from './outputs.ts';

/**
 * The MLM logits and loss, at every position or only at `mlmPositions`.
 * [docs: mlm-loss] loss = mean cross-entropy over the labelled positions (labels -100 elsewhere).
 * @param sequence [B, S, H]
 */
function maskedLM(head: BertLMPredictionHead, config: BertConfig, sequence: Tensor, inputs: BertInputs): { logits: Tensor; loss?: Tensor } {
  const [B, S, H] = sequence.shape;
  const V = config.vocabSize;
  if (inputs.mlmPositions !== undefined || inputs.mlmLabels !== undefined) {
    if (inputs.labels !== undefined) throw new Error('give either labels or mlmPositions + mlmLabels, not both');
    const positions = inputs.mlmPositions;
    assertIntTensor('mlmPositions', positions);
    if (positions.rank !== 1) throw new Error(`mlmPositions: expected [numMasked], got [${positions.shape}]`);
    const pd = positions.data;
    for (let i = 0; i < positions.size; i++) {
      const p = pd[i];
      if (!(p >= 0 && p < B * S)) throw new Error(`mlmPositions[${i}] = ${p} is outside the flat positions [0, ${B * S}) of input_ids [${B},${S}]`);
    }
    // [docs: mlm-positions] Only the masked positions go through the head: [B * S, H] -> [M, H].
    const picked = indexSelect(reshape(sequence, [B * S, H]), 0, positions); // [M, H]
    const logits = head.forward(picked); // [M, V]
    if (inputs.mlmLabels === undefined) return { logits };
    checkClassLabels('mlmLabels', inputs.mlmLabels, positions.shape, V, 'the vocabulary');
    return { logits, loss: classificationLoss(logits, inputs.mlmLabels) };
  }
  const logits = head.forward(sequence); // [B, S, V]
  if (inputs.labels === undefined) return { logits };
  checkClassLabels('labels', inputs.labels, [B, S], V, 'the vocabulary');
  return { logits, loss: classificationLoss(logits, inputs.labels) };
}

export class BertForPreTraining extends BertPreTrainedModel {
  readonly bert: BertModel;
  readonly cls: BertPreTrainingHeads;

  constructor(config: BertConfig, opts: BertModelOptions = {}) {
    super(config, opts);
    this.bert = this.registerModule('bert', new BertModel(config, { init: false, dropoutSource: this.dropoutSource }));
    this.cls = this.registerModule('cls', new BertPreTrainingHeads(config, this.bert.embeddings.wordEmbeddings.weight));
    this.finishConstruction(opts);
  }

  get architecture(): string {
    return 'BertForPreTraining';
  }

  /**
   * @param inputs inputIds [B, S] (+ tokenTypeIds, attentionMask); labels [B, S] (or mlmPositions +
   *   mlmLabels) and nextSentenceLabel [B] for the loss
   * @returns predictionLogits [B, S, V] (or [numMasked, V]), seqRelationshipLogits [B, 2], and loss =
   *   mlmLoss + nspLoss (the parts whose labels were given)
   */
  forward(inputs: BertInputs): BertModelOutput {
    validateEncoderInputs(this.config, inputs);
    const enc = this.bert.forwardUnchecked(inputs);
    const mlm = maskedLM(this.cls.predictions, this.config, enc.lastHiddenState, inputs);
    // [docs: nsp-head] logits = pooled Wn^T + bn
    const nspLogits = this.cls.seqRelationship.forward(enc.poolerOutput!); // [B, 2]
    const out: BertModelOutput = { lastHiddenState: enc.lastHiddenState, predictionLogits: mlm.logits, seqRelationshipLogits: nspLogits };
    if (mlm.loss) out.mlmLoss = mlm.loss;
    if (inputs.nextSentenceLabel !== undefined) {
      checkClassLabels('next_sentence_label', inputs.nextSentenceLabel, [inputs.inputIds.shape[0]], 2, 'the NSP classes', null);
      out.nspLoss = classificationLoss(nspLogits, inputs.nextSentenceLabel);
    }
    // [docs: pretraining-loss] loss = mlmLoss + nspLoss
    if (out.mlmLoss && out.nspLoss) out.loss = add(out.mlmLoss, out.nspLoss);
    else out.loss = out.mlmLoss ?? out.nspLoss;
    if (out.loss === undefined) delete out.loss;
    return passThrough(out, enc);
  }
}

export class BertForMaskedLM extends BertPreTrainedModel {
  readonly bert: BertModel;
  readonly cls: BertOnlyMLMHead;

  constructor(config: BertConfig, opts: BertModelOptions = {}) {
    super(config, opts);
    this.bert = this.registerModule('bert', new BertModel(config, { init: false, dropoutSource: this.dropoutSource, addPoolingLayer: false }));
    this.cls = this.registerModule('cls', new BertOnlyMLMHead(config, this.bert.embeddings.wordEmbeddings.weight));
    this.finishConstruction(opts);
  }

  get architecture(): string {
    return 'BertForMaskedLM';
  }

  /**
   * @param inputs inputIds [B, S] (+ tokenTypeIds, attentionMask); labels [B, S] (-100 = not masked) or
   *   mlmPositions + mlmLabels for the loss
   * @returns predictionLogits [B, S, V] (or [numMasked, V]), also as `logits` (Hugging Face's name for
   *   this model), and the loss
   */
  forward(inputs: BertInputs): BertModelOutput {
    validateEncoderInputs(this.config, inputs);
    const enc = this.bert.forwardUnchecked(inputs);
    const mlm = maskedLM(this.cls.predictions, this.config, enc.lastHiddenState, inputs);
    // Hugging Face calls this model's MLM scores `logits`; `predictionLogits` is the same tensor.
    const out: BertModelOutput = { lastHiddenState: enc.lastHiddenState, predictionLogits: mlm.logits, logits: mlm.logits };
    if (mlm.loss) {
      out.loss = mlm.loss;
      out.mlmLoss = mlm.loss;
    }
    return passThrough(out, enc);
  }
}
