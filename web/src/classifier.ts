/**
 * What the playground asks of a loaded model besides fill-mask: its raw head outputs for a text (or a pair),
 * and, for a model made by `bert finetune` (a BertForSequenceClassification), the label it gives a text.
 *
 * The raw outputs are what the browser test compares with Node's: the masked-LM logits [1, S, vocab] of a
 * pretrained model, the classifier logits [1, labels] of a fine-tuned one. The probabilities are computed
 * from them as `bert predict` does: softmax over the labels for single-label classification, a sigmoid per
 * label for multi-label classification, and the logit itself as the score of a regression head.
 */
import { noGrad } from '../../src/autograd/grad-mode.ts';
import type { BertPreTrainedModel } from '../../src/bert/model.ts';
import { softmax } from '../../src/ops/softmax.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import type { BertTokenizer } from '../../src/tokenizer/tokenizer.ts';

/** A model's raw head output for one input. */
export interface RawLogits {
  /** The WordPiece tokens the model read, [CLS] and [SEP] included. */
  tokens: string[];
  /** Which output: `prediction_logits` (masked LM) or `logits` (a fine-tuning head). */
  head: 'prediction_logits' | 'logits';
  /** [1, S, vocab] for the masked LM, [1, labels] for sequence classification. */
  shape: number[];
  /** The float32 values, row-major (as numbers: a page message or JSON carries them exactly). */
  values: number[];
}

/** A sequence classifier's answer for one input. */
export interface Classification {
  tokens: string[];
  /** How the probabilities are made from the logits (config.json's problem_type, or inferred). */
  problem: 'single_label_classification' | 'multi_label_classification' | 'regression';
  /** One per output: the label name (id2label), its logit and its probability (the score for regression). */
  labels: { label: string; logit: number; probability: number }[];
}

/**
 * Run `model` on `text` (and `pair`) and return its head's raw output.
 * @throws when the model has neither a masked-LM head nor a fine-tuning head (a bare BertModel)
 */
export function rawLogits(model: BertPreTrainedModel, tokenizer: BertTokenizer, text: string, pair: string | null = null): RawLogits {
  const enc = tokenizer.encode(text, pair, { maxLength: model.config.maxPositionEmbeddings, truncation: 'longest_first' });
  const S = enc.inputIds.length;
  const out = noGrad(() => {
    model.eval();
    return (model as unknown as { forward(i: object): { predictionLogits?: Tensor; logits?: Tensor } }).forward({
      inputIds: new Tensor(Int32Array.from(enc.inputIds), [1, S]),
      tokenTypeIds: new Tensor(Int32Array.from(enc.tokenTypeIds), [1, S]),
      attentionMask: new Tensor(Int32Array.from(enc.attentionMask), [1, S]),
    });
  });
  const head = out.predictionLogits ? 'prediction_logits' : 'logits';
  const logits = out.predictionLogits ?? out.logits;
  if (!logits) throw new Error(`${model.architecture} has no head with logits: load a BertForPreTraining, BertForMaskedLM or a model made by bert finetune`);
  return { tokens: enc.tokens, head, shape: [...logits.shape], values: Array.from(logits.data) };
}

/**
 * The labels a fine-tuned sequence classifier gives `text` (and `pair`), most probable first.
 * @throws when the model is not a BertForSequenceClassification
 */
export function classify(model: BertPreTrainedModel, tokenizer: BertTokenizer, text: string, pair: string | null = null): Classification {
  if (model.architecture !== 'BertForSequenceClassification') {
    throw new Error(
      `the classifier needs a model made by bert finetune for a classification task (BertForSequenceClassification); this one is a ${model.architecture}`,
    );
  }
  const raw = rawLogits(model, tokenizer, text, pair);
  const { config } = model;
  const n = raw.values.length;
  const problem = config.problemType ?? (n === 1 ? 'regression' : 'single_label_classification');
  const probs =
    problem === 'regression'
      ? raw.values
      : problem === 'multi_label_classification'
        ? raw.values.map((x) => 1 / (1 + Math.exp(-x)))
        : Array.from(softmax(new Tensor(Float32Array.from(raw.values), [n])).data);
  const labels = raw.values.map((logit, i) => ({ label: config.id2label[String(i)] ?? `LABEL_${i}`, logit, probability: probs[i]! }));
  if (problem !== 'regression') labels.sort((a, b) => b.probability - a.probability);
  return { tokens: raw.tokens, problem, labels };
}
