/** Training: the pretraining loop, evaluation, checkpoints, progress, metrics logs, fill-mask (the curves are drawn by src/viz). */
export {
  pretrain,
  evaluatePretraining,
  batchToInputs,
  countCorrect,
  pretrainConfig,
  NonFiniteLossError,
  type PretrainOptions,
  type PretrainResult,
  type PretrainState,
  type EvalResult,
} from './pretrain.ts';
export { fillMask, loadMaskedLM, formatFillMask, type MaskPrediction } from './fill-mask.ts';
export {
  saveCheckpoint,
  readCheckpoint,
  latestCheckpoint,
  latestGoodCheckpoint,
  listCheckpoints,
  readCheckpointHealth,
  markCheckpointBad,
  chooseResumeCheckpoint,
  checkpointHealth,
  checkpointName,
  encodeOptimizerState,
  loadOptimizerState,
  CHECKPOINT_DIR,
  type CheckpointContents,
  type CheckpointHealth,
} from './checkpoint.ts';
export {
  weightHealth,
  weightProblem,
  lossProblem,
  requireFiniteTensors,
  describeNonFinite,
  SANE_WEIGHT_LIMIT,
  SANE_LOSS_FACTOR,
  type WeightHealth,
} from './run-health.ts';
export { cleanPartialWrites } from './partial-writes.ts';
export type { Interruption } from './interrupt.ts';
export { Progress, formatDuration, type ProgressOptions } from './progress.ts';
export { MetricsLog, type MetricsRecord } from './metrics-log.ts';
export {
  finetune,
  resolveInit,
  readLowercase,
  saveTaskModel,
  taskModelFiles,
  scoresRecord,
  formatScalars,
  FINETUNE_SETTINGS_FILE,
  TOKENIZER_CONFIG_FILE,
  LABELS_FILE,
  type FinetuneOptions,
  type FinetuneResult,
  type FinetuneState,
  type BestDev,
  type InitSource,
} from './finetune.ts';
export {
  FINETUNE_TASKS,
  TASK_ARCHITECTURES,
  TASK_METRICS,
  parseTask,
  defaultMaxLength,
  qaSettings,
  taskOfConfig,
  readTrainingLabels,
  headConfig,
  loadTaskData,
  taskBatchInputs,
  lossTargets,
  runTaskModel,
  argmaxOf,
  softmaxOf,
  tokenPredictions,
  decodeQa,
  scoreTask,
  isBetter,
  formatTaskScores,
  type FinetuneTask,
  type QaSettings,
  type TaskSettings,
  type TaskData,
  type TaskOutputs,
  type TaskScores,
} from './finetune-tasks.ts';
export { defaultHyperparameters, defaultSearchGrid, isBaseSized, BASE_HIDDEN_SIZE, type Hyperparameters, type SearchGrid } from './finetune-defaults.ts';
export { loadTaskModel, evaluateTaskModel, type TaskModel, type TaskModelOverrides, type TaskEvaluation } from './evaluate-task.ts';
export { predictTaskModel, toJsonl, type PredictionRow } from './predict.ts';
export { hyperparameterSearch, gridPoints, formatSearchTable, type SearchOptions, type SearchRun, type SearchResult } from './search.ts';
export { sentenceAttention, attentionPanels, type SentenceAttention } from './attention-maps.ts';
export { readWordList, wordVectors, wordEmbeddingMatrix, type ListedWord, type WordVector } from './word-vectors.ts';
