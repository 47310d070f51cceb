/**
 * Loading a fine-tuned model directory and scoring it on a labelled file: what `bert evaluate` prints.
 *
 * A directory written by `bert finetune` holds finetune.json (task, maximum length, casing, columns, QA
 * settings), so the file is read exactly as in training. A directory without it (e.g. a model from the
 * Hugging Face hub converted to safetensors) works too: the task comes from config.json's architectures and
 * problem_type, the casing from tokenizer_config.json, and the lengths from the defaults or the options.
 */
import { placeOnActiveDevice } from '../accel/device.ts';
import '../accel/index.ts'; // the cpu backend's kernels: training runs on them unless another backend is selected
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BertConfig } from '../bert/config.ts';
import type { BertPreTrainedModel } from '../bert/model.ts';
import { loadPretrained } from '../hf/pretrained.ts';
import { LabelSet } from '../data/tasks/label-set.ts';
import { formatConfusionMatrix } from '../metrics/format.ts';
import { confusionMatrixSvg } from '../viz/confusion.ts';
import { BertTokenizer } from '../tokenizer/tokenizer.ts';
import { FINETUNE_SETTINGS_FILE, readLowercase } from './finetune.ts';
import { requireFiniteWeights, requireVocabFits } from './model-checks.ts';
import {
  defaultMaxLength,
  formatTaskScores,
  loadTaskData,
  parseTask,
  qaSettings,
  runTaskModel,
  scoreTask,
  taskOfConfig,
  type QaSettings,
  type TaskScores,
  type TaskSettings,
} from './finetune-tasks.ts';

/** A fine-tuned model with everything needed to read files for it. */
export interface TaskModel {
  dir: string;
  model: BertPreTrainedModel;
  tokenizer: BertTokenizer;
  settings: TaskSettings;
  /** Label names (classification, token classification), from config.json's id2label. */
  labels: LabelSet | null;
}

/** Settings that override the saved ones (e.g. a longer maximum length for evaluation). */
export interface TaskModelOverrides {
  lowercase?: boolean;
  maxLength?: number;
  columns?: TaskSettings['columns'];
  qa?: Partial<QaSettings>;
}

/**
 * Load a fine-tuned model directory: config.json, model.safetensors, vocab.txt (+ finetune.json,
 * tokenizer_config.json when present).
 * @throws when a file is missing or the weights do not match the config (every parameter must be present)
 */
export function loadTaskModel(dir: string, overrides: TaskModelOverrides = {}): TaskModel {
  const configPath = join(dir, 'config.json');
  if (!existsSync(configPath)) throw new Error(`${dir}: no config.json (expected a fine-tuned model directory, e.g. bert finetune's --out)`);
  const vocabPath = join(dir, 'vocab.txt');
  if (!existsSync(vocabPath)) throw new Error(`${dir}: no vocab.txt next to the model`);
  const config = BertConfig.fromFile(configPath);
  const settingsPath = join(dir, FINETUNE_SETTINGS_FILE);
  let saved: Partial<TaskSettings> = {};
  if (existsSync(settingsPath)) {
    try {
      saved = JSON.parse(readFileSync(settingsPath, 'utf8')) as Partial<TaskSettings>;
    } catch (err) {
      throw new Error(`${settingsPath}: not valid JSON: ${(err as Error).message}`);
    }
  }
  const task = saved.task !== undefined ? parseTask(saved.task) : taskOfConfig(config, configPath);
  const settings: TaskSettings = {
    task,
    maxLength: overrides.maxLength ?? saved.maxLength ?? Math.min(defaultMaxLength(task), config.maxPositionEmbeddings),
    lowercase: overrides.lowercase ?? saved.lowercase ?? readLowercase(dir) ?? true,
  };
  const columns = overrides.columns ?? saved.columns;
  if (columns) settings.columns = columns;
  if (task === 'question-answering') settings.qa = qaSettings({ ...(saved.qa ?? {}), ...(overrides.qa ?? {}) });
  if (settings.maxLength > config.maxPositionEmbeddings) {
    throw new Error(`max length ${settings.maxLength} exceeds the model's max_position_embeddings ${config.maxPositionEmbeddings}`);
  }
  const model = loadPretrained(dir, { strict: true, onWarning: () => {} });
  requireFiniteWeights(model, dir);
  const tokenizer = BertTokenizer.fromFile(vocabPath, { lowercase: settings.lowercase });
  requireVocabFits(tokenizer.vocab, config.vocabSize, vocabPath);
  placeOnActiveDevice(model.parameters()); // on a backend with a device (gpujs-webgpu) the weights go there
  const labels = task === 'classification' || task === 'token-classification' ? LabelSet.fromConfig(config) : null;
  return { dir, model, tokenizer, settings, labels };
}

/** What `evaluateTaskModel` returns. */
export interface TaskEvaluation {
  scores: TaskScores;
  /** The report for the terminal (classification report and confusion matrix, entity report, scores). */
  text: string;
  /** Classification only: the confusion matrix with label names, as text and as an SVG document. */
  confusion?: { labels: string[]; matrix: number[][]; text: string; svg: string };
  /** A JSON-safe summary (written by `bert evaluate`). */
  json: Record<string, unknown>;
}

/**
 * Score a loaded model on a labelled file.
 * @param opts.batchSize rows per forward pass (default 64)
 */
export function evaluateTaskModel(tm: TaskModel, file: string, opts: { batchSize?: number } = {}): TaskEvaluation {
  const data = loadTaskData(tm.settings, file, tm.tokenizer, tm.labels);
  const outputs = runTaskModel(tm.model, data, { batchSize: opts.batchSize ?? 64, padId: tm.tokenizer.ids.pad });
  const scores = scoreTask(data, outputs, tm.labels);
  const json: Record<string, unknown> = {
    model: tm.dir,
    file,
    task: scores.task,
    metric: scores.metric,
    value: scores.value,
    examples: scores.examples,
    metrics: scores.metrics,
  };
  const result: TaskEvaluation = { scores, text: formatTaskScores(scores, tm.labels), json };
  const report = scores.classification;
  if (report) {
    const names = report.labels.map((id) => (scores.task === 'classification' && tm.labels ? tm.labels.name(id) : `choice ${id}`));
    json.per_class = Object.fromEntries(
      names.map((n, k) => [
        n,
        { precision: report.perClass.precision[k], recall: report.perClass.recall[k], f1: report.perClass.f1[k], support: report.perClass.support[k] },
      ]),
    );
    json.confusion_matrix = { labels: names, matrix: report.confusionMatrix };
    if (scores.task === 'classification') {
      result.confusion = {
        labels: names,
        matrix: report.confusionMatrix,
        text: formatConfusionMatrix(report.confusionMatrix, names),
        svg: confusionMatrixSvg(report.confusionMatrix, names, { title: `Confusion matrix: ${file}` }),
      };
    }
  }
  if (scores.entities) json.per_type = scores.entities.perType;
  if (scores.squad && 'hasAns' in scores.squad) {
    json.has_answer = scores.squad.hasAns ?? null;
    json.no_answer = scores.squad.noAns ?? null;
  }
  return result;
}
