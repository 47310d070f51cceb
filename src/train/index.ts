/** Training: the pretraining loop, evaluation, checkpoints, progress, metrics logs and curves, fill-mask. */
export { pretrain, evaluatePretraining, batchToInputs, countCorrect, pretrainConfig, NonFiniteLossError, type PretrainOptions, type PretrainResult, type PretrainState, type EvalResult } from './pretrain.ts';
export { fillMask, loadMaskedLM, formatFillMask, type MaskPrediction } from './fill-mask.ts';
export { saveCheckpoint, readCheckpoint, latestCheckpoint, listCheckpoints, checkpointName, encodeOptimizerState, loadOptimizerState, CHECKPOINT_DIR, type CheckpointContents } from './checkpoint.ts';
export { Progress, formatDuration, type ProgressOptions } from './progress.ts';
export { MetricsLog, type MetricsRecord } from './metrics-log.ts';
export { curvesSvg, type CurvePanel } from './curves-svg.ts';
