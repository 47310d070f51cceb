/**
 * BertForQuestionAnswering (extractive, SQuAD style): two scores per token, for "the answer starts here"
 * and "the answer ends here".
 *
 *   [start, end] = sequence Wqa^T + bqa                   [B, S, 2] -> startLogits, endLogits [B, S]
 *   loss = (CE(startLogits, startPositions) + CE(endLogits, endPositions)) / 2
 *
 * As in Hugging Face, positions are clamped to [0, S] and a position equal to S (outside the sequence: an
 * answer that was truncated away) is ignored.
 */
import { Linear } from '../nn/linear.ts';
import { add, div } from '../ops/elementwise.ts';
import { crossEntropy } from '../ops/loss.ts';
import { reshape, slice } from '../ops/shape.ts';
import { Tensor } from '../tensor/tensor.ts';
import type { BertConfig } from './config.ts';
import { assertIntTensor, validateEncoderInputs, type BertInputs } from './inputs.ts';
import { BertModel, BertPreTrainedModel, type BertModelOptions } from './model.ts';
import { passThrough, type BertModelOutput } from './outputs.ts';

export class BertForQuestionAnswering extends BertPreTrainedModel {
  readonly bert: BertModel;
  readonly qaOutputs: Linear;

  constructor(config: BertConfig, opts: BertModelOptions = {}) {
    super(config, opts);
    if (config.numLabels !== 2) throw new Error(`BertForQuestionAnswering: expected num_labels 2 (start and end), got ${config.numLabels}`);
    this.bert = this.registerModule('bert', new BertModel(config, { init: false, dropoutSource: this.dropoutSource, addPoolingLayer: false }));
    this.qaOutputs = this.registerModule('qa_outputs', new Linear(config.hiddenSize, 2));
    this.finishConstruction(opts);
  }

  get architecture(): string {
    return 'BertForQuestionAnswering';
  }

  /**
   * @param inputs inputIds [B, S] (+ tokenTypeIds, attentionMask); startPositions and endPositions int32 [B]
   * @returns startLogits and endLogits [B, S], and the loss when both positions are given
   */
  forward(inputs: BertInputs): BertModelOutput {
    validateEncoderInputs(this.config, inputs);
    const enc = this.bert.forwardUnchecked(inputs);
    const [B, S] = inputs.inputIds.shape;
    // [docs: qa-head] [start, end] = h Wqa^T + bqa, [B, S, 2] split into two [B, S]
    const logits = this.qaOutputs.forward(enc.lastHiddenState); // [B, S, 2]
    const startLogits = reshape(slice(logits, 2, 0, 1), [B, S]);
    const endLogits = reshape(slice(logits, 2, 1, 2), [B, S]);
    const out: BertModelOutput = { lastHiddenState: enc.lastHiddenState, startLogits, endLogits };
    if (inputs.startPositions !== undefined && inputs.endPositions !== undefined) {
      // [docs: qa-loss] (CE(start) + CE(end)) / 2, positions clamped to [0, S] and S ignored
      const start = clampPositions('start_positions', inputs.startPositions, B, S);
      const end = clampPositions('end_positions', inputs.endPositions, B, S);
      const startLoss = crossEntropy(startLogits, start, { ignoreIndex: S });
      const endLoss = crossEntropy(endLogits, end, { ignoreIndex: S });
      out.loss = div(add(startLoss, endLoss), 2);
    } else if (inputs.startPositions !== undefined || inputs.endPositions !== undefined) {
      throw new Error('question answering: give both start_positions and end_positions, or neither');
    }
    return passThrough(out, enc);
  }
}

/** Positions clamped to [0, S]; S then means "ignore". @param p int32 [B] */
function clampPositions(name: string, p: Tensor, B: number, S: number): Tensor {
  assertIntTensor(name, p);
  if (p.size !== B) throw new Error(`${name}: expected ${B} positions (one per sequence), got shape [${p.shape}]`);
  return new Tensor(
    Int32Array.from(p.data, (v) => Math.min(Math.max(v, 0), S)),
    [B],
  );
}
