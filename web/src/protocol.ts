/**
 * The messages between the page (main.ts) and the training worker (worker.ts). Requests carry an id; the
 * worker answers each with a `reply` of the same id (a result or an error). Progress is pushed unasked.
 */
import type { MaskPrediction } from '../../src/train/fill-mask.ts';
import type { Classification, RawLogits } from './classifier.ts';
import type { ModelFiles, SessionOptions, StepRecord } from './session.ts';

export type Request =
  /** A new run; `threads`: the kernels' threads (default every core where the page is cross-origin isolated, else 1). */
  | { type: 'start'; options: SessionOptions & { threads?: number } }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'reset' }
  /** Run exactly `steps` steps now (paused runs only) and return their records: what the browser test uses. */
  | { type: 'steps'; steps: number }
  | { type: 'fill'; text: string }
  | { type: 'attention'; text: string }
  | { type: 'pieces'; text: string }
  /** A fine-tuned classifier's labels for a text or a pair. */
  | { type: 'classify'; text: string; pair?: string | null }
  /** The model's raw head output (what the browser test compares with Node's). */
  | { type: 'logits'; text: string; pair?: string | null }
  | { type: 'save' }
  /** The kernels' threads and how much the Web Workers have computed. */
  | { type: 'pool' }
  | { type: 'load'; config: string; weights: Uint8Array; vocab: string; lowercase?: boolean; backend: SessionOptions['backend']; threads?: number };

/** The kernels' threads: the count in use (the worker's own thread included) and the nested Web Workers. */
export interface ThreadInfo {
  threads: number;
  /** The cpu pool's Web Workers that have booted (threads - 1 when all came up). */
  cpuWorkers: number;
  /** The wasm matmul's Web Workers that have booted (0 with the cpu kernels). */
  wasmWorkers: number;
}

export interface PoolInfo extends ThreadInfo {
  /** Chunks of cpu kernel jobs (matmul, gelu) the Web Workers computed since the page loaded. */
  cpuChunksByWorkers: number;
  /** Chunks of wasm products the Web Workers computed since the page loaded. */
  wasmChunksByWorkers: number;
}

export interface RunInfo extends ThreadInfo {
  backend: string;
  /** Set when the asked backend failed and another was used. */
  fallback: string | null;
  documents: number;
  instances: number;
  vocabSize: number;
  parameters: number;
  steps: number;
  step: number;
  canTrain: boolean;
  /** The model class (config.json's architectures[0]). */
  architecture: string;
  /** Label names by id for a sequence classifier (config.json's id2label), else null. */
  labels: string[] | null;
  setupMs: number;
  crossOriginIsolated: boolean;
}

export type Result = RunInfo | StepRecord[] | MaskPrediction[] | Classification | RawLogits | PoolInfo | string | string[] | ModelFiles | null;

export type WorkerMessage =
  | { type: 'reply'; id: number; ok: true; result: Result }
  | { type: 'reply'; id: number; ok: false; error: string }
  | { type: 'progress'; step: number; steps: number; running: boolean; mlmLoss: number; nspLoss: number; tokensPerSecond: number; curves: string }
  | { type: 'log'; message: string };
