/**
 * Run a model on inputs given as JSON with Hugging Face's argument names, and collect every output under
 * Hugging Face's names: what `bert forward` writes, and how the reference tests compare with `transformers`.
 *
 *   {"input_ids": [[2, 45, 3, 0]], "token_type_ids": [[0, 0, 0, 0]], "attention_mask": [[1, 1, 1, 0]],
 *    "labels": [1]}
 *
 * Output names: hidden_states.<i> (embeddings first), attentions.<i>, last_hidden_state (BertModel), pooler_output,
 * prediction_logits, seq_relationship_logits, logits, start_logits, end_logits, loss (when labels are given),
 * and with grads, grad.<parameter name> = d(loss)/d(parameter).
 */
import type { TensorToWrite } from '../io/safetensors-write.ts';
import { noGrad } from '../autograd/grad-mode.ts';
import { tensor, zeros } from '../tensor/creation.ts';
import type { NestedArray, Tensor } from '../tensor/tensor.ts';
import type { BertInputs } from '../bert/inputs.ts';
import type { BertPreTrainedModel } from '../bert/model.ts';
import type { BertModelOutput } from '../bert/outputs.ts';

/** JSON argument name -> BertInputs field, and whether its values are integers. */
const ARGUMENTS = {
  input_ids: 'inputIds',
  token_type_ids: 'tokenTypeIds',
  attention_mask: 'attentionMask',
  labels: 'labels',
  next_sentence_label: 'nextSentenceLabel',
  start_positions: 'startPositions',
  end_positions: 'endPositions',
} as const;

/** Output field -> Hugging Face name. */
const OUTPUT_NAMES: [keyof BertModelOutput, string][] = [
  ['lastHiddenState', 'last_hidden_state'],
  ['poolerOutput', 'pooler_output'],
  ['predictionLogits', 'prediction_logits'],
  ['seqRelationshipLogits', 'seq_relationship_logits'],
  ['logits', 'logits'],
  ['startLogits', 'start_logits'],
  ['endLogits', 'end_logits'],
  ['loss', 'loss'],
];

/**
 * Whether `labels` for this model are real numbers (regression, multi-label) rather than class ids:
 * config.problem_type when set, else Hugging Face's rule (1 label: regression; integer labels: single-label;
 * otherwise multi-label, which in JSON is a [batch, numLabels] array).
 */
function labelsAreFloat(model: BertPreTrainedModel, values: unknown): boolean {
  if (model.architecture !== 'BertForSequenceClassification') return false;
  const { problemType, numLabels } = model.config;
  if (problemType) return problemType !== 'single_label_classification';
  if (numLabels === 1) return true;
  const nested = Array.isArray(values) && Array.isArray(values[0]);
  return nested || ([values].flat(Infinity) as unknown[]).some((v) => !Number.isInteger(v));
}

/**
 * Turn a parsed JSON object of Hugging Face arguments into BertInputs (int32 tensors; float32 labels for
 * regression and multi-label classification). Unknown keys are an error that lists the known ones.
 * @param source file name for error messages
 */
export function inputsFromJSON(json: unknown, model: BertPreTrainedModel, source = 'inputs'): BertInputs {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error(`${source}: expected a JSON object of arguments`);
  const inputs: Partial<BertInputs> = {};
  for (const [key, value] of Object.entries(json as Record<string, unknown>)) {
    const field = (ARGUMENTS as Record<string, keyof BertInputs>)[key];
    if (field === undefined) throw new Error(`${source}: unknown argument "${key}"; expected some of: ${Object.keys(ARGUMENTS).join(', ')}`);
    const isFloat = key === 'labels' && labelsAreFloat(model, value);
    let t: Tensor;
    try {
      t = tensor(value as NestedArray, { dtype: isFloat ? 'float32' : 'int32' });
    } catch (err) {
      throw new Error(`${source}: ${key}: ${(err as Error).message}`);
    }
    if (!isFloat) {
      const flat = [value].flat(Infinity) as number[];
      const bad = flat.findIndex((v) => !Number.isInteger(v));
      if (bad >= 0) throw new Error(`${source}: ${key}: value ${flat[bad]} (element ${bad}) is not an integer`);
    }
    (inputs as Record<string, Tensor>)[field] = t;
  }
  if (!inputs.inputIds) throw new Error(`${source}: "input_ids" is required`);
  return inputs as BertInputs;
}

function entry(t: Tensor): TensorToWrite {
  return { dtype: 'F32', shape: [...t.shape], data: t.dtype === 'float32' ? (t.data as Float32Array) : Float32Array.from(t.data) };
}

/**
 * Run `model` in evaluation mode (no dropout; its mode is restored afterwards) on `inputs` with every hidden state and attention, and name
 * the results as Hugging Face does. With `grads`, also backpropagate the loss (labels must be given).
 */
export function runForward(model: BertPreTrainedModel, inputs: BertInputs, opts: { grads?: boolean } = {}): Record<string, TensorToWrite> {
  const wasTraining = model.training;
  model.eval();
  const run = () => model.forward({ ...inputs, outputHiddenStates: true, outputAttentions: true });
  let out: BertModelOutput;
  try {
    out = opts.grads ? run() : noGrad(run);
  } finally {
    model.train(wasTraining);
  }
  const result: Record<string, TensorToWrite> = {};
  out.hiddenStates?.forEach((h, i) => (result[`hidden_states.${i}`] = entry(h)));
  out.attentions?.forEach((a, i) => (result[`attentions.${i}`] = entry(a)));
  for (const [field, name] of OUTPUT_NAMES) {
    const t = out[field];
    // BertForMaskedLM returns its scores as both predictionLogits and logits; Hugging Face names them logits.
    if (field === 'predictionLogits' && t === out.logits) continue;
    // The heads' Hugging Face outputs have no last_hidden_state (it is hidden_states.<L>); BertModel's do.
    if (field === 'lastHiddenState' && model.architecture !== 'BertModel') continue;
    if (t !== undefined && !Array.isArray(t)) result[name] = entry(t);
  }
  if (opts.grads) {
    if (!out.loss) throw new Error("gradients need a loss: give the labels of this model's head");
    model.zeroGrad();
    out.loss.backward();
    for (const [name, p] of model.namedParameters()) {
      result[`grad.${name}`] = entry(p.grad ?? zeros(p.shape));
    }
  }
  return result;
}
