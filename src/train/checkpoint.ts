/**
 * Training checkpoints: everything needed to continue a run exactly where it stopped.
 *
 * A checkpoint is a directory `<out>/checkpoints/step-<N>/` holding
 *   config.json, model.safetensors, vocab.txt   the model, loadable by `transformers` as it is
 *   optimizer.safetensors                       AdamW moments: exp_avg.<param>, exp_avg_sq.<param>
 *   trainer_state.json                          step, the generators' states, the data position, options
 * It is written under a temporary name and renamed into place (src/io/atomic.ts), so a crash while saving
 * leaves the previous checkpoint intact (what a killed save leaves behind is removed by the next start of
 * the run: partial-writes.ts).
 *
 * Each checkpoint also records its health (trainer_state.json, `health`): whether training can continue
 * from it. A run that diverges writes checkpoints with huge weights before its loss becomes NaN; those are
 * marked, the newest good checkpoint is never deleted to make room for them, and `--resume` goes back to it.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeDirAtomic, writeFileAtomic, type FileData } from '../io/atomic.ts';
import { loadSafetensors } from '../io/safetensors.ts';
import { writeSafetensors, type TensorToWrite } from '../io/safetensors-write.ts';
import type { DropoutMasks } from '../ops/dropout.ts';
import type { AdamWState } from '../optim/adamw.ts';
import { weightHealth, weightProblem } from './run-health.ts';

export const CHECKPOINT_DIR = 'checkpoints';

/** Directory name of the checkpoint after `step` steps (zero-padded so names sort by step). */
export function checkpointName(step: number): string {
  return `step-${String(step).padStart(7, '0')}`;
}

/** Encode optimizer moments as safetensors bytes (float32, as PyTorch keeps them). */
export function encodeOptimizerState(state: AdamWState): Uint8Array {
  const tensors: Record<string, TensorToWrite> = {};
  for (const [name, { m, v }] of Object.entries(state.moments)) {
    tensors[`exp_avg.${name}`] = { dtype: 'F32', shape: [m.length], data: Float32Array.from(m) };
    tensors[`exp_avg_sq.${name}`] = { dtype: 'F32', shape: [v.length], data: Float32Array.from(v) };
  }
  return writeSafetensors(tensors, { step: String(state.step), format: 'pt' });
}

/** Read back `encodeOptimizerState`'s file. */
export function loadOptimizerState(path: string): AdamWState {
  const file = loadSafetensors(path);
  const step = Number(file.metadata.step);
  if (!Number.isInteger(step) || step < 0) throw new Error(`${path}: metadata "step" must be a non-negative integer, got ${file.metadata.step}`);
  const moments: AdamWState['moments'] = {};
  for (const name of file.names()) {
    if (!name.startsWith('exp_avg.')) continue;
    const param = name.slice('exp_avg.'.length);
    moments[param] = { m: file.toFloat32(name), v: file.toFloat32(`exp_avg_sq.${param}`) };
  }
  return { step, moments };
}

export interface CheckpointContents {
  /** config.json, model.safetensors (and anything else the model needs), by file name. */
  modelFiles: Record<string, FileData>;
  vocabText: string;
  optimizer: AdamWState;
  /** JSON-safe trainer state (must include `step`). */
  trainerState: { step: number } & Record<string, unknown>;
  /** Whether training can continue from these weights (checkpointHealth); recorded beside the state. */
  health?: CheckpointHealth;
}

/** Whether training can continue from a checkpoint, as recorded in its trainer_state.json. */
export interface CheckpointHealth {
  /**
   * Every weight finite and none beyond SANE_WEIGHT_LIMIT, and the loss they give (found at the next step)
   * finite and sane (run-health.ts).
   */
  good: boolean;
  /** Why not, when not good. */
  problem?: string;
  /** The largest |weight|. */
  maxAbsWeight?: number;
  /** The loss of the step that led to these weights (measured before its update). */
  loss?: number;
}

/**
 * The health of a model's weights about to be saved (their float tensors), after a step whose loss was
 * `loss`.
 */
export function checkpointHealth(tensors: Record<string, TensorToWrite>, loss?: number): CheckpointHealth {
  const floats = Object.entries(tensors).filter(([, t]) => t.dtype === 'F32' || t.dtype === 'F64');
  const scan = weightHealth(floats.map(([name, t]) => [name, t.data as ArrayLike<number>] as const));
  const problem = weightProblem(scan);
  return { good: problem === null, ...(problem ? { problem } : {}), maxAbsWeight: scan.maxAbs, ...(loss !== undefined ? { loss } : {}) };
}

const STATE_FILE = 'trainer_state.json';

/**
 * Write the checkpoint for `trainerState.step` under `<outDir>/checkpoints/` atomically, then delete all but
 * the newest `keep` checkpoints, and the newest good one (a run that starts to diverge would otherwise
 * replace every good checkpoint by bad ones before its loss shows it).
 * @returns the checkpoint's directory
 */
export async function saveCheckpoint(outDir: string, contents: CheckpointContents, keep = 2): Promise<string> {
  mkdirSync(join(outDir, CHECKPOINT_DIR), { recursive: true });
  const dir = join(outDir, CHECKPOINT_DIR, checkpointName(contents.trainerState.step));
  const state = contents.health ? { ...contents.trainerState, health: contents.health } : contents.trainerState;
  await writeDirAtomic(dir, {
    ...contents.modelFiles,
    'vocab.txt': contents.vocabText,
    'optimizer.safetensors': encodeOptimizerState(contents.optimizer),
    [STATE_FILE]: JSON.stringify(state, null, 1) + '\n',
  });
  const all = listCheckpoints(outDir);
  const old = all.slice(0, Math.max(0, all.length - keep));
  const newestGood = old.length ? latestGoodCheckpoint(outDir) : null;
  for (const c of old) if (c.dir !== newestGood?.dir) rmSync(c.dir, { recursive: true, force: true });
  return dir;
}

/** A checkpoint's recorded health; one written before health was recorded counts as good. */
export function readCheckpointHealth(dir: string): CheckpointHealth {
  try {
    const health = (JSON.parse(readFileSync(join(dir, STATE_FILE), 'utf8')) as { health?: CheckpointHealth }).health;
    return health ?? { good: true };
  } catch {
    return { good: false, problem: `${join(dir, STATE_FILE)} cannot be read` };
  }
}

/** The newest good checkpoint with a step below `beforeStep` (default: any), or null. */
export function latestGoodCheckpoint(outDir: string, beforeStep = Infinity): { step: number; dir: string } | null {
  const all = listCheckpoints(outDir).filter((c) => c.step < beforeStep);
  for (let i = all.length - 1; i >= 0; i--) if (readCheckpointHealth(all[i].dir).good) return all[i];
  return null;
}

/** Record in a checkpoint that training cannot continue from it (e.g. its weights gave a NaN loss). */
export async function markCheckpointBad(dir: string, problem: string): Promise<void> {
  const path = join(dir, STATE_FILE);
  const state = JSON.parse(readFileSync(path, 'utf8')) as { health?: CheckpointHealth };
  state.health = { ...(state.health ?? {}), good: false, problem };
  await writeFileAtomic(path, JSON.stringify(state, null, 1) + '\n');
}

/**
 * The checkpoint `--resume` continues from: the newest good one. Newer checkpoints (a diverging run's, not
 * good) are deleted, saying so through `say`, so that the resumed run's own checkpoints do not mix with
 * them. Throws when there is no checkpoint, or none is good.
 */
export function chooseResumeCheckpoint(outDir: string, say: (line: string) => void): { step: number; dir: string } {
  const all = listCheckpoints(outDir);
  if (all.length === 0) throw new Error(`--resume: no checkpoint in ${join(outDir, CHECKPOINT_DIR)} to resume from`);
  const good = latestGoodCheckpoint(outDir);
  const problems = (cs: typeof all) => cs.map((c) => `${c.dir}: ${readCheckpointHealth(c.dir).problem ?? 'not good'}`).join('; ');
  if (!good) {
    throw new Error(
      `--resume: no checkpoint in ${join(outDir, CHECKPOINT_DIR)} can be resumed from (${problems(all)}); start the run again without --resume, with a lower --lr`,
    );
  }
  for (const c of all.filter((c) => c.step > good.step)) {
    say(`--resume: removed ${c.dir}, newer than the last good checkpoint: ${readCheckpointHealth(c.dir).problem ?? 'not good'}`);
    rmSync(c.dir, { recursive: true, force: true });
  }
  return good;
}

/** Complete checkpoints under `<outDir>/checkpoints/`, oldest first. */
export function listCheckpoints(outDir: string): { step: number; dir: string }[] {
  const root = join(outDir, CHECKPOINT_DIR);
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .map((name) => /^step-(\d+)$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ step: Number(m[1]), dir: join(root, m[0]) }))
    .filter((c) => existsSync(join(c.dir, STATE_FILE)))
    .sort((a, b) => a.step - b.step);
}

/** The newest complete checkpoint, or null. */
export function latestCheckpoint(outDir: string): { step: number; dir: string } | null {
  const all = listCheckpoints(outDir);
  return all.length ? all[all.length - 1] : null;
}

/** Read a checkpoint's trainer state (without its health record) and optimizer state. */
export function readCheckpoint<S extends { step: number }>(dir: string): { trainerState: S; optimizer: AdamWState } {
  const statePath = join(dir, STATE_FILE);
  let trainerState: S;
  try {
    const { health: _health, ...state } = JSON.parse(readFileSync(statePath, 'utf8')) as S & { health?: unknown };
    trainerState = state as unknown as S;
  } catch (err) {
    throw new Error(`cannot read checkpoint ${statePath}: ${(err as Error).message}`);
  }
  return { trainerState, optimizer: loadOptimizerState(join(dir, 'optimizer.safetensors')) };
}

/**
 * The options recorded by the checkpoint `--resume` would continue from (the newest good one in `outDir`), or
 * null when there is none. Reads only its trainer_state.json and changes nothing, so a command line can
 * take a resumed run's settings from it before the run starts.
 */
export function recordedRunOptions(outDir: string): Record<string, unknown> | null {
  const good = latestGoodCheckpoint(outDir);
  if (!good) return null;
  try {
    const options = (JSON.parse(readFileSync(join(good.dir, STATE_FILE), 'utf8')) as { options?: unknown }).options;
    return typeof options === 'object' && options !== null ? (options as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * The kind of dropout masks a run actually draws (ops/dropout.ts): 'auto' resolved for whether its weights
 * are on a device. Training records it with its checkpoints, so that a resume cannot change it silently.
 */
export function effectiveDropoutMasks(requested: DropoutMasks, onDevice: boolean): 'stream' | 'counter' {
  return requested === 'auto' ? (onDevice ? 'counter' : 'stream') : requested;
}

/** What a checkpoint written before the masks were recorded used: the stream (the only kind then). */
export const LEGACY_DROPOUT_MASKS = 'stream';
