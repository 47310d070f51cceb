/**
 * Training checkpoints: everything needed to continue a run exactly where it stopped.
 *
 * A checkpoint is a directory `<out>/checkpoints/step-<N>/` holding
 *   config.json, model.safetensors, vocab.txt   the model, loadable by `transformers` as it is
 *   optimizer.safetensors                       AdamW moments: exp_avg.<param>, exp_avg_sq.<param>
 *   trainer_state.json                          step, the generators' states, the data position, options
 * It is written under a temporary name and renamed into place (src/io/atomic.ts), so a crash while saving
 * leaves the previous checkpoint intact.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeDirAtomic, type FileData } from '../io/atomic.ts';
import { loadSafetensors } from '../io/safetensors.ts';
import { writeSafetensors, type TensorToWrite } from '../io/safetensors-write.ts';
import type { DropoutMasks } from '../ops/dropout.ts';
import type { AdamWState } from '../optim/adamw.ts';

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
}

/**
 * Write the checkpoint for `trainerState.step` under `<outDir>/checkpoints/` atomically, then delete all but
 * the newest `keep` checkpoints.
 * @returns the checkpoint's directory
 */
export async function saveCheckpoint(outDir: string, contents: CheckpointContents, keep = 2): Promise<string> {
  mkdirSync(join(outDir, CHECKPOINT_DIR), { recursive: true });
  const dir = join(outDir, CHECKPOINT_DIR, checkpointName(contents.trainerState.step));
  await writeDirAtomic(dir, {
    ...contents.modelFiles,
    'vocab.txt': contents.vocabText,
    'optimizer.safetensors': encodeOptimizerState(contents.optimizer),
    'trainer_state.json': JSON.stringify(contents.trainerState, null, 1) + '\n',
  });
  const all = listCheckpoints(outDir);
  for (const old of all.slice(0, Math.max(0, all.length - keep))) rmSync(old.dir, { recursive: true, force: true });
  return dir;
}

/** Complete checkpoints under `<outDir>/checkpoints/`, oldest first. */
export function listCheckpoints(outDir: string): { step: number; dir: string }[] {
  const root = join(outDir, CHECKPOINT_DIR);
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .map((name) => /^step-(\d+)$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ step: Number(m[1]), dir: join(root, m[0]) }))
    .filter((c) => existsSync(join(c.dir, 'trainer_state.json')))
    .sort((a, b) => a.step - b.step);
}

/** The newest complete checkpoint, or null. */
export function latestCheckpoint(outDir: string): { step: number; dir: string } | null {
  const all = listCheckpoints(outDir);
  return all.length ? all[all.length - 1] : null;
}

/** Read a checkpoint's trainer state and optimizer state. */
export function readCheckpoint<S extends { step: number }>(dir: string): { trainerState: S; optimizer: AdamWState } {
  const statePath = join(dir, 'trainer_state.json');
  let trainerState: S;
  try {
    trainerState = JSON.parse(readFileSync(statePath, 'utf8')) as S;
  } catch (err) {
    throw new Error(`cannot read checkpoint ${statePath}: ${(err as Error).message}`);
  }
  return { trainerState, optimizer: loadOptimizerState(join(dir, 'optimizer.safetensors')) };
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
