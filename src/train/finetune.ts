/**
 * Fine-tuning BERT on a task: a pretrained encoder plus a new head, trained end to end on labelled data.
 *
 *   --init DIR (pretrained weights, the head newly initialised) or a preset / config.json (random weights)
 *   train file --(task reader, tokenizer)--> rows --(shuffled batches, one epoch at a time)--> model
 *   --(task loss, backward, clip 1.0, AdamW with weight decay 0.01, warmup over 10% of the steps then linear
 *   decay to 0)--> updated weights;  after every epoch (and every --eval-every steps): the dev metric
 *
 * The weights with the best dev metric so far are the run's result: they are written to the output directory
 * whenever the dev metric improves (config.json with architectures and id2label / label2id,
 * model.safetensors, vocab.txt, tokenizer_config.json, labels.txt, finetune.json), so `transformers` and
 * `bert evaluate` / `bert predict` load them as they are. Early stopping (--patience N) ends the run after N
 * epochs without a better dev metric. When a test file is given, the best weights are scored on it once,
 * at the end.
 *
 * Around the loop, as in pretraining (pretrain.ts): a progress bar, metrics.jsonl, curves.svg, and
 * checkpoints that resume exactly: weights, AdamW moments, the dropout generator, the data-order generator
 * with the epoch and the position inside it, and the best-so-far record; a NaN stop that names the last good
 * checkpoint, and a clean stop on request (`signal`) that saves the step reached.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { activeDevice, placeOnActiveDevice, releaseUnusedDeviceMemory } from '../accel/device.ts';
import '../accel/index.ts'; // the cpu backend's kernels: training runs on them unless another backend is selected
import type { DropoutMasks } from '../ops/dropout.ts';
import { loadWeightsIntoModel, readCheckpointWeights } from '../hf/checkpoint.ts';
import { BERT_PRESETS, BertConfig, type BertPresetName } from '../bert/config.ts';
import type { BertPreTrainedModel } from '../bert/model.ts';
import { loadPretrained, modelTensors } from '../hf/pretrained.ts';
import { createModelForArchitecture } from '../hf/registry.ts';
import { batchIndices, collateTaskBatch } from '../data/tasks/batching.ts';
import type { LabelSet } from '../data/tasks/label-set.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import { encodeSafetensors } from '../io/safetensors-write.ts';
import { AdamW } from '../optim/adamw.ts';
import { NonFiniteError, trainStep } from '../optim/train-step.ts';
import { linearWarmupDecay } from '../optim/schedule.ts';
import { Rng, type RngState } from '../tensor/random.ts';
import { BertTokenizer } from '../tokenizer/tokenizer.ts';
import { Vocab } from '../tokenizer/vocab.ts';
import {
  checkpointHealth,
  chooseResumeCheckpoint,
  effectiveDropoutMasks,
  LEGACY_DROPOUT_MASKS,
  markCheckpointBad,
  readCheckpoint,
  saveCheckpoint,
} from './checkpoint.ts';
import { curvesSvg } from './curves-svg.ts';
import { defaultHyperparameters } from './finetune-defaults.ts';
import {
  TASK_ARCHITECTURES,
  TASK_METRICS,
  defaultMaxLength,
  headConfig,
  isBetter,
  loadTaskData,
  parseTask,
  qaSettings,
  readTrainingLabels,
  runTaskModel,
  scoreTask,
  taskBatchInputs,
  type FinetuneTask,
  type QaSettings,
  type TaskScores,
  type TaskSettings,
} from './finetune-tasks.ts';
import { yieldToEventLoop, type Interruption } from './interrupt.ts';
import { MetricsLog } from './metrics-log.ts';
import { cleanPartialWrites } from './partial-writes.ts';
import { NonFiniteLossError, nonFiniteStop } from './pretrain.ts';
import { Progress } from './progress.ts';
import { compareResumeOptions, formatChanges, keepSavedWhereUnset } from './resume-options.ts';
import { lossProblem, requireFiniteTensors } from './run-health.ts';

export interface FinetuneOptions {
  task: FinetuneTask;
  /** How dropout masks are drawn (ops/dropout.ts). Default 'auto'. */
  dropoutMasks?: DropoutMasks;
  /**
   * Where the encoder comes from: a checkpoint directory (config.json + model.safetensors + vocab.txt, e.g.
   * `bert pretrain`'s output), or a preset name (tiny, mini, ...), a config.json path or a BertConfig for a
   * randomly initialised model ("fine-tuning without pretraining"), which needs `vocab`.
   */
  init: string | BertConfig;
  /** vocab.txt; default the init directory's. Required with a preset / config. */
  vocab?: string;
  /**
   * Standard deviation of the random initial weights (config initializer_range): of the whole model when
   * starting from random weights, of the new head otherwise. Default: the config's (0.02 for the presets).
   */
  initializerRange?: number;
  train: string;
  dev: string;
  /** Scored once with the best weights at the end. */
  test?: string;
  /** Output directory: the best model, checkpoints/, metrics.jsonl, curves.svg, dev/test results. */
  out: string;
  /** Default by model size (finetune-defaults.ts). */
  epochs?: number;
  batch?: number;
  lr?: number;
  /** Tokens per row, special tokens included; default 128 (384 for question answering). */
  maxLength?: number;
  /**
   * Pad each training batch to a multiple of this many tokens (at most maxLength) instead of to its longest
   * row. For a GPU backend, which compiles its kernels per shape: with 16, a handful of lengths serve every
   * batch. Dropout then draws for the padding too, so the run differs from one without. Default: off (1).
   * (Evaluation on a device always pads to multiples of 16: without dropout the results are the same.)
   */
  padMultiple?: number;
  /** Warmup steps as a fraction of all steps. Default 0.1. */
  warmupRatio?: number;
  /** AdamW decoupled weight decay. Default 0.01. */
  weightDecay?: number;
  /**
   * AdamW's epsilon, added to sqrt(v) in the update's denominator. Default 1e-6, as the original BERT;
   * Hugging Face's Trainer defaults to 1e-8, which matters when gradients are tiny (a model trained from
   * random weights).
   */
  adamEps?: number;
  /** Global gradient-norm clip. Default 1.0. */
  clip?: number;
  seed?: number;
  /** Stop after this many epochs without a better dev metric; 0 (default) trains every epoch. */
  patience?: number;
  /** Also evaluate on dev every N steps (0 = only at the end of each epoch, the default). */
  evalEvery?: number;
  /** Checkpoint every N steps; default at the end of every epoch. */
  saveEvery?: number;
  /** Stop after this step as an interruption would (for testing resume). */
  stopAfter?: number;
  /**
   * Continue from the newest good checkpoint in `out`. The options must be the run's, except
   * RESUME_CHANGEABLE ones: those may change (the change is printed), and left undefined keep the run's.
   */
  resume?: boolean;
  /** Stop cleanly when aborted: the step in progress is finished and saved (`interrupted` in the result). */
  signal?: AbortSignal;
  /** Lowercase (uncased vocabulary). Default: the init directory's tokenizer_config.json, else true. */
  lowercase?: boolean;
  /** Table columns for classification / regression (auto-detected by name otherwise). */
  columns?: TaskSettings['columns'];
  /** Question-answering windows and decoding. */
  qa?: Partial<QaSettings>;
  /** Rows per evaluation batch. Default 64. */
  evalBatch?: number;
  /** Train metrics record every N steps (default: about 50 per run). */
  logEvery?: number;
  /** Where progress goes (default stderr); null for silence. */
  progressStream?: NodeJS.WritableStream | { write(s: string): unknown; isTTY?: boolean } | null;
}

/** The best dev evaluation so far. */
export interface BestDev {
  step: number;
  /** Epochs completed when it was measured (fractional for --eval-every evaluations inside an epoch). */
  epoch: number;
  metric: string;
  value: number;
  metrics: Record<string, number>;
}

/** trainer_state.json of a fine-tuning checkpoint. */
export interface FinetuneState {
  step: number;
  totalSteps: number;
  /** Completed epochs. */
  epoch: number;
  /** Batches of the current epoch already trained on. */
  batchInEpoch: number;
  /** The data-order generator's state at the start of the current epoch (its shuffle replays from it). */
  orderRng: RngState;
  dropoutRng: RngState;
  best: BestDev | null;
  epochsWithoutImprovement: number;
  improvedThisEpoch: boolean;
  stoppedEarly: boolean;
  /** Train loss summed over the steps since the last train record, so a resumed run logs the same averages. */
  lossWindow: { loss: number; steps: number };
  /** The loss of step 1, what later losses are judged against (run-health.ts). */
  firstLoss?: number;
  options: Record<string, unknown>;
}

export interface FinetuneResult {
  out: string;
  task: FinetuneTask;
  steps: number;
  totalSteps: number;
  /** Completed epochs. */
  epochs: number;
  /** The run reached its last step or stopped early (false after `stopAfter`). */
  finished: boolean;
  stoppedEarly: boolean;
  best: BestDev | null;
  /** Scores of the best weights on the test file. */
  test?: TaskScores;
  hyperparameters: { lr: number; batch: number; epochs: number };
  seconds: number;
  /** Set when `signal` stopped the run before its end. */
  interrupted?: Interruption;
}

/** Files of a fine-tuned model directory besides config.json and model.safetensors. */
export const FINETUNE_SETTINGS_FILE = 'finetune.json';
export const TOKENIZER_CONFIG_FILE = 'tokenizer_config.json';
export const LABELS_FILE = 'labels.txt';

/** Options that must be equal for a resume to continue the same run (resume-options.ts says why). */
const RUN_IDENTITY = [
  'task',
  'init',
  'train',
  'dev',
  'epochs',
  'batch',
  'maxLength',
  'seed',
  'initializerRange',
  'lowercase',
  'columns',
  'qa',
  'padMultiple',
  'adamEps',
  'dropoutMasks',
] as const;
/**
 * Options a resume may change: each step reads them afresh and no saved state depends on them (the peak
 * learning rate, the warmup, the clip, the weight decay, how often the dev set is evaluated, and the
 * patience of early stopping, which compares its count of epochs without improvement when an epoch ends),
 * and what only evaluation, logging and saving read: the save and log cadence, the evaluation batch, the test file.
 */
export const RESUME_CHANGEABLE = ['lr', 'warmupRatio', 'weightDecay', 'clip', 'evalEvery', 'patience', 'saveEvery', 'logEvery', 'evalBatch', 'test'] as const;

/**
 * A resumed run's options: each one left undefined takes the checkpoint's recorded value. Question
 * answering's settings and the table's columns are several flags each, merged one by one: giving one of
 * them keeps the others.
 */
function resumedOptions(options: FinetuneOptions, saved: Record<string, unknown>): FinetuneOptions {
  const merged = keepSavedWhereUnset(options, saved, [...RUN_IDENTITY, ...RESUME_CHANGEABLE]);
  const defined = (o: object) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  if (options.qa && typeof saved.qa === 'object' && saved.qa !== null) merged.qa = { ...saved.qa, ...defined(options.qa) };
  if (options.columns && typeof saved.columns === 'object' && saved.columns !== null) merged.columns = { ...saved.columns, ...defined(options.columns) };
  return merged;
}

/** Where the encoder comes from (see FinetuneOptions.init). */
export type InitSource = { kind: 'pretrained'; dir: string; config: BertConfig } | { kind: 'scratch'; name: string; config: BertConfig };

/** Resolve `init`: a checkpoint directory, a preset name, a config.json path or a BertConfig. */
export function resolveInit(init: string | BertConfig): InitSource {
  if (init instanceof BertConfig) return { kind: 'scratch', name: 'custom config', config: init };
  if (existsSync(join(init, 'config.json'))) return { kind: 'pretrained', dir: init, config: BertConfig.fromFile(join(init, 'config.json')) };
  if (Object.hasOwn(BERT_PRESETS, init)) return { kind: 'scratch', name: init, config: BertConfig.preset(init as BertPresetName) };
  if (init.endsWith('.json') && existsSync(init)) return { kind: 'scratch', name: init, config: BertConfig.fromFile(init) };
  throw new Error(
    `--init: "${init}" is neither a checkpoint directory (with config.json) nor a preset (${Object.keys(BERT_PRESETS).join(', ')}) nor a config.json file`,
  );
}

/** do_lower_case from a directory's tokenizer_config.json, or undefined. */
export function readLowercase(dir: string): boolean | undefined {
  const path = join(dir, TOKENIZER_CONFIG_FILE);
  if (!existsSync(path)) return undefined;
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')).do_lower_case;
    return typeof v === 'boolean' ? v : undefined;
  } catch {
    throw new Error(`${path}: not valid JSON`);
  }
}

/**
 * The files of a fine-tuned model directory, by name: config.json, model.safetensors, vocab.txt,
 * tokenizer_config.json (casing, for transformers' AutoTokenizer), finetune.json (task settings), and
 * labels.txt (one label name per line, id order) for tasks with labels.
 */
export function taskModelFiles(model: BertPreTrainedModel, vocabText: string, settings: TaskSettings, labels: LabelSet | null) {
  const config = model.config.with({ architectures: [model.architecture] });
  const files: Record<string, string | Uint8Array[]> = {
    'config.json': config.toJSONString(),
    'model.safetensors': encodeSafetensors(modelTensors(model), { format: 'pt' }),
    'vocab.txt': vocabText,
    [TOKENIZER_CONFIG_FILE]:
      JSON.stringify({ tokenizer_class: 'BertTokenizer', do_lower_case: settings.lowercase, model_max_length: config.maxPositionEmbeddings }, null, 2) + '\n',
    [FINETUNE_SETTINGS_FILE]: JSON.stringify(settings, null, 2) + '\n',
  };
  if (labels) files[LABELS_FILE] = labels.labels.join('\n') + '\n';
  return files;
}

/** Write `taskModelFiles` into `dir`, each file atomically (the directory may hold other files). */
export async function saveTaskModel(
  model: BertPreTrainedModel,
  dir: string,
  vocabText: string,
  settings: TaskSettings,
  labels: LabelSet | null,
): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (const [name, data] of Object.entries(taskModelFiles(model, vocabText, settings, labels))) await writeFileAtomic(join(dir, name), data);
}

function positiveInt(name: string, v: number): number {
  if (!(Number.isInteger(v) && v > 0)) throw new Error(`--${name} must be a positive integer, got ${v}`);
  return v;
}

/** JSON-safe summary of a TaskScores for results files. */
export function scoresRecord(s: TaskScores): Record<string, unknown> {
  return { task: s.task, metric: s.metric, value: s.value, examples: s.examples, metrics: s.metrics };
}

/**
 * Fine-tune a model on `opts.task`; see FinetuneOptions and the file comment. Resolves when the run (or
 * `stopAfter`) is done.
 */
export async function finetune(options: FinetuneOptions): Promise<FinetuneResult> {
  const out = options.out;
  mkdirSync(out, { recursive: true });
  const say = options.progressStream === null ? () => {} : (s: string) => (options.progressStream ?? process.stderr).write(s + '\n');
  for (const line of cleanPartialWrites(out)) say(line);
  // A resumed run keeps the checkpoint's values of the options it leaves unset: only those given are compared.
  const resumeFrom = options.resume ? chooseResumeCheckpoint(out, say) : null;
  const saved = resumeFrom ? readCheckpoint<FinetuneState>(resumeFrom.dir) : null;
  const opts = saved ? resumedOptions(options, saved.trainerState.options) : options;
  const task = parseTask(opts.task);

  // 1. The encoder's source, the vocabulary (a resumed run's is in its checkpoint) and the tokenizer.
  const source = resolveInit(opts.init);
  const vocabPath =
    opts.vocab ?? (resumeFrom ? join(resumeFrom.dir, 'vocab.txt') : undefined) ?? (source.kind === 'pretrained' ? join(source.dir, 'vocab.txt') : undefined);
  if (!vocabPath)
    throw new Error(`--init ${source.kind === 'scratch' ? source.name : source.dir} starts from random weights and needs --vocab FILE (a vocab.txt)`);
  if (!existsSync(vocabPath)) throw new Error(`vocabulary ${vocabPath} not found${source.kind === 'pretrained' ? ' (pass --vocab FILE)' : ''}`);
  const vocabText = readFileSync(vocabPath, 'utf8');
  const vocab = Vocab.fromText(vocabText, undefined, vocabPath);
  const lowercase = opts.lowercase ?? (source.kind === 'pretrained' ? readLowercase(source.dir) : undefined) ?? true;
  const tokenizer = new BertTokenizer(vocab, { lowercase });
  const initRange = opts.initializerRange !== undefined ? { initializerRange: opts.initializerRange } : {};
  const baseConfig = source.kind === 'scratch' ? source.config.with({ vocabSize: vocab.size, ...initRange }) : source.config;
  if (vocab.size > baseConfig.vocabSize) {
    throw new Error(
      `${vocabPath} has ${vocab.size} tokens, but the model's vocab_size is ${baseConfig.vocabSize}: this vocabulary does not belong to the model`,
    );
  }

  // 2. Settings and hyperparameters.
  const maxLength = opts.maxLength ?? Math.min(defaultMaxLength(task), baseConfig.maxPositionEmbeddings);
  if (!(Number.isInteger(maxLength) && maxLength >= 8)) throw new Error(`--max-length must be an integer >= 8, got ${maxLength}`);
  if (maxLength > baseConfig.maxPositionEmbeddings)
    throw new Error(`--max-length ${maxLength} exceeds the model's max_position_embeddings ${baseConfig.maxPositionEmbeddings}`);
  const settings: TaskSettings = {
    task,
    maxLength,
    lowercase,
    ...(opts.columns ? { columns: opts.columns } : {}),
    ...(task === 'question-answering' ? { qa: qaSettings(opts.qa) } : {}),
  };
  const defaults = defaultHyperparameters(baseConfig);
  const hp = {
    epochs: positiveInt('epochs', opts.epochs ?? defaults.epochs),
    batch: positiveInt('batch', opts.batch ?? defaults.batch),
    lr: opts.lr ?? defaults.lr,
  };
  if (!(hp.lr > 0)) throw new Error(`--lr must be positive, got ${hp.lr}`);
  const defaulted = [
    opts.lr === undefined ? `lr ${defaults.lr}` : '',
    opts.batch === undefined ? `batch ${defaults.batch}` : '',
    opts.epochs === undefined ? `${defaults.epochs} epochs` : '',
  ].filter((x) => x);
  if (defaulted.length) say(`defaults for this model: ${defaulted.join(', ')} (${defaults.reason})`);
  const o = {
    task,
    init: typeof opts.init === 'string' ? opts.init : opts.init.toJSON(),
    train: opts.train,
    dev: opts.dev,
    ...hp,
    maxLength,
    warmupRatio: opts.warmupRatio ?? 0.1,
    weightDecay: opts.weightDecay ?? 0.01,
    clip: opts.clip ?? 1.0,
    seed: opts.seed ?? 0,
    initializerRange: opts.initializerRange ?? null,
    lowercase,
    patience: opts.patience ?? 0,
    evalEvery: opts.evalEvery ?? 0,
    columns: settings.columns ?? null,
    qa: settings.qa ?? null,
    padMultiple: opts.padMultiple ?? null,
    adamEps: opts.adamEps ?? null,
    dropoutMasks: effectiveDropoutMasks(opts.dropoutMasks ?? 'auto', activeDevice() !== null),
    // Recorded so that a resume that leaves them out keeps them (null: the default).
    saveEvery: opts.saveEvery ?? null,
    logEvery: opts.logEvery ?? null,
    evalBatch: opts.evalBatch ?? 64,
    test: opts.test ?? null,
  };
  if (o.adamEps !== null && !(o.adamEps > 0 && o.adamEps < 1)) throw new Error(`--adam-eps must be in (0, 1), got ${o.adamEps}`);
  if (o.padMultiple !== null && !(Number.isInteger(o.padMultiple) && o.padMultiple >= 1))
    throw new Error(`--pad-multiple must be a positive integer, got ${o.padMultiple}`);
  if (!(o.warmupRatio >= 0 && o.warmupRatio <= 1)) throw new Error(`--warmup-ratio must be in [0, 1], got ${o.warmupRatio}`);

  // 3. Data: labels from the training file, then every file encoded the same way.
  const t0 = performance.now();
  const labels = readTrainingLabels(settings, opts.train);
  const train = loadTaskData(settings, opts.train, tokenizer, labels);
  const dev = loadTaskData(settings, opts.dev, tokenizer, labels);
  if (!train.labelled) throw new Error(`${opts.train}: the training file has no labels`);
  if (!dev.labelled) throw new Error(`${opts.dev}: the dev file has no labels to choose the best weights by`);
  const batchesPerEpoch = Math.ceil(train.features.length / hp.batch);
  const totalSteps = hp.epochs * batchesPerEpoch;
  // [docs: finetune-schedule] Warmup over the first warmupRatio (10%) of all steps, then linear decay to 0.
  const warmup = Math.round(o.warmupRatio * totalSteps);
  say(
    `${task}: ${train.numExamples} training examples (${train.features.length} rows), ${dev.numExamples} dev examples` +
      `${labels ? `, ${labels.size} labels (${labels.labels.slice(0, 12).join(', ')}${labels.size > 12 ? ', ...' : ''})` : ''}; ` +
      `${batchesPerEpoch} batches per epoch, ${totalSteps} steps, warmup ${warmup}` +
      ` (read in ${((performance.now() - t0) / 1000).toFixed(1)} s)`,
  );

  // 4. The model: the pretrained encoder with a new head, or random weights.
  const architecture = TASK_ARCHITECTURES[task];
  const head = headConfig(task, labels);
  let model: BertPreTrainedModel;
  if (source.kind === 'pretrained') {
    model = loadPretrained(source.dir, { architecture, config: { ...head, ...initRange }, seed: o.seed, onWarning: () => {} });
    requireFiniteTensors(
      model.namedParameters().map(([name, p]) => [name, p.data] as const),
      `--init ${source.dir}`,
    );
    const r = model.loadReport!;
    say(
      `loaded ${source.dir} into ${architecture}: newly initialised ${r.missing.length ? r.missing.join(', ') : '(nothing)'}; unused from the checkpoint: ${r.unexpected.length} tensors${r.unexpected.length ? ` (${summariseNames(r.unexpected)})` : ''}`,
    );
  } else {
    model = createModelForArchitecture(architecture, baseConfig.with(head), { seed: o.seed });
    say(`${architecture} from random weights (${source.name}: ${baseConfig.numHiddenLayers} layers, hidden ${baseConfig.hiddenSize}): no pretraining`);
  }
  const config = model.config;
  const named = model.namedParameters();
  const params = named.map(([, p]) => p);
  const optimizer = new AdamW(named, { lr: hp.lr, eps: o.adamEps ?? 1e-6, weightDecay: o.weightDecay });
  const padId = tokenizer.ids.pad;

  // 5. State, fresh or from the newest checkpoint.
  const optionsRecord = o as unknown as Record<string, unknown>;
  const orderStart = new Rng(`${o.seed}:order`);
  let state: FinetuneState = {
    step: 0,
    totalSteps,
    epoch: 0,
    batchInEpoch: 0,
    orderRng: orderStart.getState(),
    dropoutRng: model.dropoutRng.getState(),
    best: null,
    epochsWithoutImprovement: 0,
    improvedThisEpoch: false,
    stoppedEarly: false,
    lossWindow: { loss: 0, steps: 0 },
    options: optionsRecord,
  };
  const metrics = new MetricsLog(join(out, 'metrics.jsonl'));
  if (resumeFrom && saved) {
    const changes = compareResumeOptions(saved.trainerState.options, optionsRecord, RUN_IDENTITY, RESUME_CHANGEABLE, resumeFrom.dir, {
      dropoutMasks: LEGACY_DROPOUT_MASKS,
    });
    if (changes.length) say(`--resume: continuing from step ${saved.trainerState.step} with ${formatChanges(changes)} (the run's other options are unchanged)`);
    loadWeightsIntoModel(model, readCheckpointWeights(resumeFrom.dir), { strict: true, initRng: model.initRng, initStd: config.initializerRange });
    optimizer.setState(saved.optimizer);
    state = { ...saved.trainerState, lossWindow: saved.trainerState.lossWindow ?? { loss: 0, steps: 0 }, options: optionsRecord };
    model.dropoutRng = Rng.fromState(state.dropoutRng);
    metrics.truncateAfter(state.step);
    say(`resumed from ${resumeFrom.dir} at step ${state.step} (epoch ${state.epoch + 1}, batch ${state.batchInEpoch})`);
  } else {
    metrics.truncateAfter(-1);
  }
  // On a backend with a device (gpujs-webgpu) the weights live there from now on; a no-op otherwise.
  const device = placeOnActiveDevice(params);
  if (device) say(`weights on device ${device.name}`);

  const metricName = TASK_METRICS[task];
  const progress =
    opts.progressStream === null
      ? null
      : new Progress({ total: totalSteps, label: 'finetune', stream: opts.progressStream ?? process.stderr, every: opts.logEvery, startStep: state.step });
  let lastLoss: number | undefined;
  /** The newest checkpoint this run has, with its step. */
  let lastSaved: { step: number; dir: string } | null = resumeFrom;
  const checkpoint = async () => {
    state.dropoutRng = model.dropoutRng.getState();
    const tensors = modelTensors(model);
    const dir = await saveCheckpoint(out, {
      modelFiles: { 'config.json': config.toJSONString(), 'model.safetensors': encodeSafetensors(tensors, { format: 'pt' }) },
      vocabText,
      optimizer: optimizer.getState(),
      trainerState: state as unknown as { step: number } & Record<string, unknown>,
      health: checkpointHealth(tensors, lastLoss),
    });
    lastSaved = { step: state.step, dir };
    return dir;
  };
  const writeCurves = async () => {
    const svg = curvesSvg(
      metrics.read(),
      [
        { metric: 'loss', title: 'loss' },
        { metric: metricName, title: `dev ${metricName}` },
      ],
      `fine-tuning ${task}: lr ${hp.lr}, batch ${hp.batch}, ${hp.epochs} epochs`,
    );
    await writeFileAtomic(join(out, 'curves.svg'), svg);
  };
  const evaluateDev = async (epochFloat: number) => {
    const scores = scoreTask(dev, runTaskModel(model, dev, { batchSize: opts.evalBatch ?? 64, padId }), labels);
    metrics.append({ step: state.step, split: 'dev', epoch: epochFloat, ...scores.metrics });
    const improved = state.best === null || isBetter(scores.value, state.best.value);
    progress?.log(`dev step ${state.step} (epoch ${epochFloat.toFixed(2)}): ${formatScalars(scores.metrics)}${improved ? '  (best so far: saved)' : ''}`);
    if (improved) {
      state.best = { step: state.step, epoch: epochFloat, metric: metricName, value: scores.value, metrics: scores.metrics };
      state.improvedThisEpoch = true;
      await saveTaskModel(model, out, vocabText, settings, labels);
      await writeFileAtomic(
        join(out, 'dev_results.json'),
        JSON.stringify({ ...scoresRecord(scores), step: state.step, epoch: epochFloat, file: opts.dev }, null, 2) + '\n',
      );
    }
    await writeCurves();
  };

  // 6. The loop: one shuffled pass over the training rows per epoch.
  const stopAt = Math.min(totalSteps, opts.stopAfter ?? totalSteps);
  const logEvery = opts.logEvery ?? Math.max(1, Math.round(totalSteps / 50));
  const saveEvery = opts.saveEvery ?? 0;
  let sessionTokens = 0;
  let interrupted: Interruption | undefined;
  const tStart = performance.now();
  model.dropoutSource.masks = o.dropoutMasks;
  model.train();
  outer: while (state.epoch < hp.epochs && state.step < stopAt && !state.stoppedEarly) {
    const orderRng = Rng.fromState(state.orderRng);
    const batches = batchIndices(train.features.length, { batchSize: hp.batch, rng: orderRng });
    for (let bi = state.batchInEpoch; bi < batches.length; bi++) {
      if (state.step >= stopAt) break outer;
      await yieldToEventLoop(); // a signal handler, and the host's messages, get to run between steps
      if (opts.signal?.aborted) {
        // The step reached is saved unless it already is (or nothing was trained yet).
        const dir = lastSaved?.step === state.step ? lastSaved.dir : state.step > 0 ? await checkpoint() : null;
        interrupted = { step: state.step, checkpoint: dir };
        break outer;
      }
      const lr = hp.lr * linearWarmupDecay(state.step, warmup, totalSteps);
      const batch = collateTaskBatch(train.features, batches[bi], { padId, padMultiple: o.padMultiple ?? 1, maxLength: o.maxLength });
      let value: number;
      let norm: number;
      try {
        ({ loss: value, gradNorm: norm } = trainStep(() => model.forward(taskBatchInputs(batch)).loss!, { params, optimizer, lr, clip: o.clip }));
      } catch (e) {
        if (!(e instanceof NonFiniteError)) throw e;
        throw new NonFiniteLossError(await nonFiniteStop(out, e, state.step, lr, hp.lr, ''));
      }
      await releaseUnusedDeviceMemory(); // a no-op unless the weights are on a device
      if (state.step === 0) state.firstLoss = value;
      // This step's loss is the verdict on the weights it started from: a checkpoint of them is marked if bad.
      const problem = lastSaved?.step === state.step ? lossProblem(value, state.firstLoss) : null;
      if (problem) await markCheckpointBad(lastSaved!.dir, problem);
      state.step++;
      lastLoss = value;
      state.batchInEpoch = bi + 1;
      sessionTokens += batch.inputIds.length;
      const window = state.lossWindow;
      window.loss += value;
      window.steps++;
      const epochEnd = bi === batches.length - 1;
      if (epochEnd) {
        state.epoch++;
        state.batchInEpoch = 0;
        state.orderRng = orderRng.getState(); // the next epoch's shuffle continues this generator
      }
      const epochFloat = epochEnd ? state.epoch : state.epoch + state.batchInEpoch / batches.length;
      const best = state.best ? `${(state.best.value).toFixed(4)}` : '-';
      progress?.update(
        state.step,
        { epoch: `${state.epoch + (epochEnd ? 0 : 1)}/${hp.epochs}`, loss: window.loss / window.steps, [`best ${metricName}`]: best, lr: lr.toExponential(2) },
        sessionTokens,
      );
      if (state.step % logEvery === 0 || epochEnd) {
        metrics.append({ step: state.step, split: 'train', epoch: epochFloat, loss: window.loss / window.steps, lr, grad_norm: norm });
        window.loss = 0;
        window.steps = 0;
      }
      if (epochEnd || (o.evalEvery > 0 && state.step % o.evalEvery === 0)) await evaluateDev(epochFloat);
      if (epochEnd) {
        state.epochsWithoutImprovement = state.improvedThisEpoch ? 0 : state.epochsWithoutImprovement + 1;
        state.improvedThisEpoch = false;
        if (o.patience > 0 && state.epochsWithoutImprovement >= o.patience && state.epoch < hp.epochs) {
          state.stoppedEarly = true;
          progress?.log(`early stopping: no better dev ${metricName} for ${state.epochsWithoutImprovement} epoch(s) (patience ${o.patience})`);
        }
      }
      if (epochEnd || state.stoppedEarly || state.step === stopAt || (saveEvery > 0 && state.step % saveEvery === 0)) {
        const dir = await checkpoint();
        progress?.log(`checkpoint: ${dir}`);
      }
      if (state.stoppedEarly) break outer;
    }
  }
  progress?.finish();
  const seconds = (performance.now() - tStart) / 1000;
  const finished = state.step === totalSteps || state.stoppedEarly;
  const result: FinetuneResult = {
    out,
    task,
    steps: state.step,
    totalSteps,
    epochs: state.epoch,
    finished,
    stoppedEarly: state.stoppedEarly,
    best: state.best,
    hyperparameters: hp,
    seconds,
    ...(interrupted ? { interrupted } : {}),
  };
  if (!finished) return result;

  // 7. The best weights on the test file, once.
  await writeCurves();
  if (opts.test) {
    const best = loadPretrained(out, { onWarning: () => {} });
    const testData = loadTaskData(settings, opts.test, tokenizer, labels);
    result.test = scoreTask(testData, runTaskModel(best, testData, { batchSize: opts.evalBatch ?? 64, padId }), labels);
    await writeFileAtomic(
      join(out, 'test_results.json'),
      JSON.stringify({ ...scoresRecord(result.test), file: opts.test, bestStep: state.best?.step }, null, 2) + '\n',
    );
    say(`test (best dev weights, step ${state.best?.step}): ${formatScalars(result.test.metrics)}`);
  }
  return result;
}

/** "accuracy 0.9500 | macro_f1 0.9490 | loss 0.1234". */
export function formatScalars(m: Record<string, number>): string {
  return Object.entries(m)
    .map(([k, v]) => `${k} ${Number.isFinite(v) ? (Math.abs(v) >= 100 ? v.toFixed(2) : v.toFixed(4)) : String(v)}`)
    .join(' | ');
}

/** "cls.predictions.* (5), cls.seq_relationship.* (2)": unused checkpoint names grouped by their first two parts. */
function summariseNames(names: string[]): string {
  const groups = new Map<string, number>();
  for (const n of names) {
    const key = n.split('.').slice(0, 2).join('.') + '.*';
    groups.set(key, (groups.get(key) ?? 0) + 1);
  }
  return [...groups].map(([k, c]) => `${k} (${c})`).join(', ');
}
