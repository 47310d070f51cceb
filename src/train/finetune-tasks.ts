/**
 * The five fine-tuning tasks behind one interface: which head each uses, how its data files are read and
 * encoded (src/data/tasks), how a model is run over a whole file, and how the outputs are scored.
 *
 *   task                   head (config.json architectures)   data                     dev metric (higher is better)
 *   classification         BertForSequenceClassification      TSV / CSV table          accuracy (also macro-F1, MCC)
 *   regression             BertForSequenceClassification,     TSV / CSV table          Spearman (also Pearson, MSE)
 *                          problem_type "regression"
 *   token-classification   BertForTokenClassification         CoNLL                    entity F1 (conlleval)
 *   question-answering     BertForQuestionAnswering           SQuAD v1.1 / v2.0 JSON   SQuAD F1, percent (also EM)
 *   multiple-choice        BertForMultipleChoice              JSON Lines               accuracy
 *
 * Spearman is the regression score because the BERT paper reports it for STS-B. Classification and
 * correlation scores are fractions in [0, 1]; SQuAD's exact match and F1 are percentages, as the official
 * script prints them.
 *
 * The settings that turn a file into model rows (task, maximum length, casing, columns, QA windows) are kept
 * with a fine-tuned model in `finetune.json`, so evaluation and prediction read files exactly as training did.
 */
import { softmaxRows } from '../ops/softmax.ts';
import { activeDevice } from '../accel/device.ts';
import { noGrad } from '../autograd/grad-mode.ts';
import type { BertConfig, BertConfigOptions } from '../bert/config.ts';
import type { BertInputs } from '../bert/inputs.ts';
import type { BertPreTrainedModel } from '../bert/model.ts';
import {
  encodeTokenClassification,
  readConllFile,
  tokenClassificationTags,
  type TaggedSentence,
  type TokenClassificationFeature,
} from '../data/tasks/conll.ts';
import { batchIndices, collateTaskBatch, type TaskBatch, type TaskFeature } from '../data/tasks/batching.ts';
import { TaskDataError } from '../data/tasks/errors.ts';
import { LabelSet } from '../data/tasks/label-set.ts';
import { encodeMultipleChoice, readMultipleChoiceFile, type MultipleChoiceExample } from '../data/tasks/multiple-choice.ts';
import { prepareQaFeatures, type QaFeature } from '../data/tasks/qa-features.ts';
import { postprocessQaPredictions, type QaPredictions } from '../data/tasks/qa-postprocess.ts';
import { readSquadFile, squadMetricInputs, type SquadDataset } from '../data/tasks/squad.ts';
import { readTaskFile } from '../data/tasks/text-file.ts';
import {
  encodeClassificationExamples,
  encodeRegressionExamples,
  labelSetOf,
  readTextTable,
  type ColumnRef,
  type TextTable,
} from '../data/tasks/text-classification.ts';
import { classificationReport, type ClassificationReport } from '../metrics/classification.ts';
import { pearson, spearman } from '../metrics/correlation.ts';
import { entityScores, type EntityScores } from '../metrics/entities.ts';
import { formatEntityReport, formatMetricsTable } from '../metrics/format.ts';
import { matthewsCorrcoef } from '../metrics/mcc.ts';
import { squadScores, squadV2Scores, type SquadScores, type SquadV2Scores } from '../metrics/squad.ts';
import { Tensor } from '../tensor/tensor.ts';
import type { BertTokenizer } from '../tokenizer/tokenizer.ts';

export const FINETUNE_TASKS = ['classification', 'regression', 'token-classification', 'question-answering', 'multiple-choice'] as const;
export type FinetuneTask = (typeof FINETUNE_TASKS)[number];

/** The Hugging Face class of each task's model. */
export const TASK_ARCHITECTURES: Readonly<Record<FinetuneTask, string>> = {
  classification: 'BertForSequenceClassification',
  regression: 'BertForSequenceClassification',
  'token-classification': 'BertForTokenClassification',
  'question-answering': 'BertForQuestionAnswering',
  'multiple-choice': 'BertForMultipleChoice',
};

/** The dev metric each task is judged by (see the file comment). */
export const TASK_METRICS: Readonly<Record<FinetuneTask, string>> = {
  classification: 'accuracy',
  regression: 'spearman',
  'token-classification': 'f1',
  'question-answering': 'f1',
  'multiple-choice': 'accuracy',
};

/** Question-answering knobs (run_qa's names and defaults). */
export interface QaSettings {
  /** Context tokens shared by consecutive windows. Default 128. */
  stride: number;
  maxQuestionLength: number;
  maxAnswerLength: number;
  nBest: number;
  nullScoreDiffThreshold: number;
}

/** How files become model rows; saved with the model as finetune.json. */
export interface TaskSettings {
  task: FinetuneTask;
  /** Tokens per row, special tokens included. */
  maxLength: number;
  /** Lowercase and strip accents (an uncased vocabulary). */
  lowercase: boolean;
  /** Table columns (classification / regression); auto-detected when absent. */
  columns?: { text?: ColumnRef; textPair?: ColumnRef | null; label?: ColumnRef };
  qa?: QaSettings;
}

/** The task called `name`, or an error listing the tasks. */
export function parseTask(name: string): FinetuneTask {
  if ((FINETUNE_TASKS as readonly string[]).includes(name)) return name as FinetuneTask;
  throw new Error(`unknown task "${name}"; expected one of: ${FINETUNE_TASKS.join(', ')}`);
}

/** Default tokens per row: 384 for question answering (BERT's SQuAD setting), 128 otherwise. */
export function defaultMaxLength(task: FinetuneTask): number {
  return task === 'question-answering' ? 384 : 128;
}

/** Default QA settings, completed from `partial`. */
export function qaSettings(partial: Partial<QaSettings> = {}): QaSettings {
  return {
    stride: partial.stride ?? 128,
    maxQuestionLength: partial.maxQuestionLength ?? 64,
    maxAnswerLength: partial.maxAnswerLength ?? 30,
    nBest: partial.nBest ?? 20,
    nullScoreDiffThreshold: partial.nullScoreDiffThreshold ?? 0,
  };
}

/**
 * The task a model config was fine-tuned for, from its `architectures` and `problem_type` (for models that
 * come without finetune.json, e.g. from the Hugging Face hub).
 */
export function taskOfConfig(config: BertConfig, source = 'config.json'): FinetuneTask {
  const arch = config.architectures?.[0];
  switch (arch) {
    case 'BertForSequenceClassification':
      return config.problemType === 'regression' || (config.problemType === null && config.numLabels === 1) ? 'regression' : 'classification';
    case 'BertForTokenClassification':
      return 'token-classification';
    case 'BertForQuestionAnswering':
      return 'question-answering';
    case 'BertForMultipleChoice':
      return 'multiple-choice';
    default:
      throw new Error(
        `${source}: architectures ${JSON.stringify(config.architectures)} is not a fine-tuned task model (expected one of ${[...new Set(Object.values(TASK_ARCHITECTURES))].join(', ')})`,
      );
  }
}

/**
 * The label set of a classification or token-classification training file (sorted, see data/tasks/label-set.ts); null
 * for the other tasks.
 */
export function readTrainingLabels(settings: TaskSettings, file: string): LabelSet | null {
  if (settings.task === 'classification') return labelSetOf(readTextTable(file, tableOptions(settings)));
  if (settings.task === 'token-classification') return LabelSet.fromValues(readConllFile(file).flatMap((s) => s.tags));
  return null;
}

/** Config fields of the task's head: the number of outputs, label names, problem type. */
export function headConfig(task: FinetuneTask, labels: LabelSet | null): BertConfigOptions {
  switch (task) {
    case 'classification':
      return { ...labels!.toConfig(), problemType: 'single_label_classification', architectures: [TASK_ARCHITECTURES[task]] };
    case 'token-classification':
      return { ...labels!.toConfig(), problemType: null, architectures: [TASK_ARCHITECTURES[task]] };
    case 'regression':
      return { numLabels: 1, problemType: 'regression', architectures: [TASK_ARCHITECTURES[task]] };
    case 'question-answering':
      return { numLabels: 2, problemType: null, architectures: [TASK_ARCHITECTURES[task]] };
    case 'multiple-choice':
      return { problemType: null, architectures: [TASK_ARCHITECTURES[task]] };
  }
}

/** A task file read and encoded. Exactly one of table / sentences / squad / choices is set. */
export interface TaskData {
  settings: TaskSettings;
  file: string;
  /** Model rows (several per question for QA windows). */
  features: TaskFeature[];
  /** Examples in the file (rows, sentences, questions). */
  numExamples: number;
  /** Whether every example has its gold answer (labels, tags, answers). */
  labelled: boolean;
  table?: TextTable;
  sentences?: TaggedSentence[];
  squad?: SquadDataset;
  choices?: MultipleChoiceExample[];
}

function tableOptions(settings: TaskSettings) {
  const c = settings.columns ?? {};
  return {
    ...(c.text !== undefined ? { text: c.text } : {}),
    ...(c.textPair !== undefined ? { textPair: c.textPair } : {}),
    ...(c.label !== undefined ? { label: c.label } : {}),
  };
}

/** Plain text for token classification: one sentence per line, words split on whitespace, no tags. */
function readWordLines(file: string, placeholder: string): TaggedSentence[] {
  const lines = readTaskFile(file).split(/\r?\n/);
  const sentences: TaggedSentence[] = [];
  lines.forEach((l, i) => {
    const words = l
      .trim()
      .split(/\s+/)
      .filter((w) => w !== '');
    if (words.length) sentences.push({ file, line: i + 1, words, tags: words.map(() => placeholder), lines: words.map(() => i + 1) });
  });
  if (sentences.length === 0) throw new TaskDataError('expected at least one sentence (one per line), found none', file);
  return sentences;
}

/**
 * Read and encode a data file for `settings.task`.
 * @param labels the training set's labels (classification, token classification); an unknown label is an
 *   error naming file and line
 * @param opts.unlabelled read the file without gold labels (prediction input): tables ignore their label
 *   column, multiple choice accepts lines without "label", and for token classification a `.txt` file is
 *   read as one sentence per line
 */
export function loadTaskData(
  settings: TaskSettings,
  file: string,
  tokenizer: BertTokenizer,
  labels: LabelSet | null,
  opts: { unlabelled?: boolean } = {},
): TaskData {
  const { task, maxLength } = settings;
  const unlabelled = opts.unlabelled ?? false;
  if ((task === 'classification' || task === 'token-classification') && labels === null) {
    throw new Error(`loadTaskData: ${task} needs the label set of the training data`);
  }
  switch (task) {
    case 'classification':
    case 'regression': {
      const table = readTextTable(file, unlabelled ? { ...tableOptions(settings), label: null } : tableOptions(settings));
      const features =
        task === 'classification'
          ? encodeClassificationExamples(tokenizer, table.examples, labels!, { maxLength })
          : encodeRegressionExamples(tokenizer, table.examples, { maxLength });
      return { settings, file, features, numExamples: table.examples.length, labelled: table.columns.label !== null, table };
    }
    case 'token-classification': {
      const plainText = unlabelled && file.toLowerCase().endsWith('.txt');
      const sentences = plainText ? readWordLines(file, labels!.name(0)) : readConllFile(file, { scheme: 'any' });
      if (unlabelled && !plainText) {
        // Tags of prediction input are not used; unknown ones must not stop the run.
        for (const s of sentences) s.tags = s.tags.map((t) => (labels!.has(t) ? t : labels!.name(0)));
      }
      const features = encodeTokenClassification(tokenizer, sentences, labels!, { maxLength });
      return { settings, file, features, numExamples: sentences.length, labelled: !plainText && !unlabelled, sentences };
    }
    case 'question-answering': {
      const qa = settings.qa ?? qaSettings();
      const squad = readSquadFile(file);
      const features = prepareQaFeatures(tokenizer, squad.examples, { maxLength, stride: qa.stride, maxQuestionLength: qa.maxQuestionLength });
      const labelled = !unlabelled && squad.examples.every((e) => e.isImpossible || e.answers.length > 0);
      return { settings, file, features, numExamples: squad.examples.length, labelled, squad };
    }
    case 'multiple-choice': {
      const choices = readMultipleChoiceFile(file, { requireLabels: !unlabelled });
      const features = encodeMultipleChoice(tokenizer, choices, { maxLength });
      return { settings, file, features, numExamples: choices.length, labelled: choices.every((c) => c.label !== null), choices };
    }
  }
}

/**
 * A collated batch as the model's input tensors.
 * @param withLabels add labels / start and end positions (when the batch has them)
 */
export function taskBatchInputs(batch: TaskBatch, withLabels = true): BertInputs {
  const shape = batch.shape;
  const inputs: BertInputs = {
    inputIds: new Tensor(batch.inputIds, shape),
    tokenTypeIds: new Tensor(batch.tokenTypeIds, shape),
    attentionMask: new Tensor(batch.attentionMask, shape),
  };
  if (!withLabels) return inputs;
  if (batch.kind === 'question-answering') {
    inputs.startPositions = new Tensor(batch.startPositions!, [batch.batchSize]);
    inputs.endPositions = new Tensor(batch.endPositions!, [batch.batchSize]);
  } else if (batch.labels) {
    inputs.labels = new Tensor(batch.labels, batch.kind === 'token-classification' ? [batch.batchSize, batch.seqLength] : [batch.batchSize]);
  }
  return inputs;
}

/** The number of loss targets in a batch (rows, or labelled tokens for token classification). */
export function lossTargets(batch: TaskBatch): number {
  if (batch.kind !== 'token-classification' || !batch.labels) return batch.batchSize;
  let n = 0;
  for (const v of batch.labels) if (v !== -100) n++;
  return n;
}

/** A model's raw outputs over a whole file, one entry per feature (row). */
export interface TaskOutputs {
  /**
   * classification [numLabels], regression [1], multiple choice [choices]; token classification
   * [tokens * numLabels] over the row's own (unpadded) tokens.
   */
  logits?: Float32Array[];
  /** question answering: [tokens] each. */
  startLogits?: Float32Array[];
  endLogits?: Float32Array[];
  /** Mean loss over the file's targets; null for unlabelled data. */
  loss: number | null;
}

/**
 * Run `model` over every feature of `data` in batches (evaluation mode, no graph), keeping the outputs.
 * The model's train/eval mode is restored afterwards.
 */
export function runTaskModel(model: BertPreTrainedModel, data: TaskData, opts: { batchSize?: number; padId: number; padMultiple?: number }): TaskOutputs {
  // On a device, batches padded to multiples of 16 reuse a few compiled kernel shapes; without dropout
  // the padding (hidden by the attention mask) changes no result.
  const padMultiple = opts.padMultiple ?? (activeDevice() ? 16 : 1);
  const batchSize = opts.batchSize ?? 32;
  const qa = data.settings.task === 'question-answering';
  const tokens = data.settings.task === 'token-classification';
  const out: TaskOutputs = qa ? { startLogits: [], endLogits: [], loss: null } : { logits: [], loss: null };
  let lossSum = 0;
  let lossCount = 0;
  const wasTraining = model.training;
  model.eval();
  try {
    noGrad(() => {
      for (const indices of batchIndices(data.features.length, { batchSize })) {
        const batch = collateTaskBatch(data.features, indices, { padId: opts.padId, padMultiple, maxLength: data.settings.maxLength });
        const result = model.forward(taskBatchInputs(batch, data.labelled));
        if (result.loss) {
          const n = lossTargets(batch);
          lossSum += result.loss.item() * n;
          lossCount += n;
        }
        const S = batch.seqLength;
        indices.forEach((fi, b) => {
          if (qa) {
            const n = (data.features[fi] as QaFeature).inputIds.length;
            out.startLogits!.push(Float32Array.from(result.startLogits!.data.subarray(b * S, b * S + n)));
            out.endLogits!.push(Float32Array.from(result.endLogits!.data.subarray(b * S, b * S + n)));
          } else if (tokens) {
            const L = result.logits!.shape[2];
            const n = (data.features[fi] as { inputIds: number[] }).inputIds.length;
            out.logits!.push(Float32Array.from(result.logits!.data.subarray(b * S * L, (b * S + n) * L)));
          } else {
            const C = result.logits!.shape[1];
            out.logits!.push(Float32Array.from(result.logits!.data.subarray(b * C, (b + 1) * C)));
          }
        });
      }
    });
  } finally {
    model.train(wasTraining);
  }
  out.loss = data.labelled && lossCount > 0 ? lossSum / lossCount : null;
  return out;
}

/** Index of the largest value of `xs[from .. from + n)` minus `from` (first on ties). */
export function argmaxOf(xs: ArrayLike<number>, from = 0, n = xs.length - from): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (xs[from + i] > xs[from + best]) best = i;
  return best;
}

/**
 * Softmax of a short vector: p_i = exp(x_i - max) / sum_j exp(x_j - max), with the library's conventions
 * (the cpu kernel softmaxRows): all -Infinity gives zeros, a +Infinity or NaN entry gives NaN throughout.
 */
export function softmaxOf(xs: ArrayLike<number>): number[] {
  const x = Float64Array.from(xs);
  const out = new Float64Array(x.length);
  if (x.length > 0) softmaxRows(x, out, 1, x.length);
  return Array.from(out);
}

/** Predicted label id of each token of a token-classification row ([tokens * L] logits -> [tokens]). */
export function tokenPredictions(logits: Float32Array, numLabels: number): Int32Array {
  const n = logits.length / numLabels;
  const ids = new Int32Array(n);
  for (let t = 0; t < n; t++) ids[t] = argmaxOf(logits, t * numLabels, numLabels);
  return ids;
}

/** QA answers decoded from the outputs (n-best span decoding, v2.0 null answers when the file is v2.0). */
export function decodeQa(data: TaskData, outputs: TaskOutputs): QaPredictions {
  const qa = data.settings.qa ?? qaSettings();
  return postprocessQaPredictions(data.squad!.examples, data.features as QaFeature[], outputs.startLogits!, outputs.endLogits!, {
    nBest: qa.nBest,
    maxAnswerLength: qa.maxAnswerLength,
    version2: data.squad!.version2,
    nullScoreDiffThreshold: qa.nullScoreDiffThreshold,
  });
}

/** A task's scores on one file. */
export interface TaskScores {
  task: FinetuneTask;
  /** Name of the dev metric (TASK_METRICS) and its value. */
  metric: string;
  value: number;
  /** Every scalar score, e.g. {accuracy, macro_f1, mcc, loss}. */
  metrics: Record<string, number>;
  /** Number of examples scored. */
  examples: number;
  classification?: ClassificationReport;
  entities?: EntityScores;
  squad?: SquadScores | SquadV2Scores;
}

/** `f` of the arrays, or NaN when there are fewer than 2 values (a correlation needs two). */
function correlation(f: (x: number[], y: number[]) => number, x: number[], y: number[]): number {
  return x.length < 2 ? NaN : f(x, y);
}

/**
 * Score the outputs against the file's gold labels (see the table in the file comment).
 * @throws when the file is unlabelled
 */
export function scoreTask(data: TaskData, outputs: TaskOutputs, labels: LabelSet | null): TaskScores {
  if (!data.labelled) throw new Error(`${data.file}: the file has no gold labels to score against`);
  const task = data.settings.task;
  const metrics: Record<string, number> = {};
  const scores: TaskScores = { task, metric: TASK_METRICS[task], value: NaN, metrics, examples: data.numExamples };
  if (task === 'classification' || task === 'multiple-choice') {
    const yTrue = data.features.map((f) => (f as { label: number }).label);
    const yPred = outputs.logits!.map((l) => argmaxOf(l));
    const numLabels = task === 'classification' ? labels!.size : outputs.logits![0].length;
    const report = classificationReport(yTrue, yPred, { numLabels });
    metrics.accuracy = report.accuracy;
    metrics.macro_f1 = report.macro.f1;
    if (task === 'classification') {
      metrics.weighted_f1 = report.weighted.f1;
      metrics.mcc = matthewsCorrcoef(yTrue, yPred);
    }
    scores.classification = report;
  } else if (task === 'regression') {
    const yTrue = data.features.map((f) => (f as { label: number }).label);
    const yPred = outputs.logits!.map((l) => l[0]);
    metrics.spearman = correlation(spearman, yPred, yTrue);
    metrics.pearson = correlation(pearson, yPred, yTrue);
    metrics.mse = yTrue.reduce((s, y, i) => s + (yPred[i] - y) ** 2, 0) / yTrue.length;
  } else if (task === 'token-classification') {
    const predictions = outputs.logits!.map((l) => tokenPredictions(l, labels!.size));
    const { goldTags, predTags } = tokenClassificationTags(data.sentences!, data.features as TokenClassificationFeature[], predictions, labels!);
    const e = entityScores(goldTags, predTags);
    metrics.f1 = e.overall.f1;
    metrics.precision = e.overall.precision;
    metrics.recall = e.overall.recall;
    metrics.token_accuracy = e.tokenAccuracy;
    scores.entities = e;
  } else {
    const decoded = decodeQa(data, outputs);
    const inputs = squadMetricInputs(data.squad!.examples, decoded.predictions);
    const s = data.squad!.version2 ? squadV2Scores(inputs.predictions, inputs.answers) : squadScores(inputs.predictions, inputs.answers);
    metrics.exact_match = s.exactMatch;
    metrics.f1 = s.f1;
    scores.squad = s;
  }
  if (outputs.loss !== null) metrics.loss = outputs.loss;
  scores.value = metrics[scores.metric];
  return scores;
}

/** `a` is a better dev score than `b` (higher; NaN is worse than any number). */
export function isBetter(a: number, b: number): boolean {
  if (Number.isNaN(a)) return false;
  if (Number.isNaN(b)) return true;
  return a > b;
}

/**
 * The scores as text for the terminal: the classification report with its confusion matrix, the entity
 * report, or a short table of the scalar scores.
 */
export function formatTaskScores(scores: TaskScores, labels: LabelSet | null): string {
  const scalar = Object.entries(scores.metrics)
    .map(([k, v]) => `  ${k.padEnd(16)} ${Number.isFinite(v) ? (Math.abs(v) >= 100 ? v.toFixed(2) : v.toFixed(4)) : String(v)}`)
    .join('\n');
  if (scores.classification) {
    const names = scores.task === 'classification' && labels ? labels.labels : undefined;
    return `${formatMetricsTable(scores.classification, { labelNames: names })}\n${scalar}\n`;
  }
  if (scores.entities) return `${formatEntityReport(scores.entities)}\n${scalar}\n`;
  return `${scores.examples} examples\n${scalar}\n`;
}
