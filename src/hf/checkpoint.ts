/**
 * Reading a Hugging Face checkpoint directory into a model: `config.json` + `model.safetensors` (or a
 * sharded `model.safetensors.index.json`), with Hugging Face's names.
 *
 * What loading tolerates, as `transformers` does:
 *   - tied weights absent from the file (the MLM decoder weight is the word-embedding matrix, its bias is
 *     `cls.predictions.bias`); present, they are accepted as aliases;
 *   - the `bert.` prefix either way: a bare BertModel checkpoint (`embeddings.*`) loads into a model with a
 *     head (`bert.embeddings.*`), and a checkpoint with a head loads into a bare BertModel (the head's
 *     weights are then reported as unexpected);
 *   - old TensorFlow-converted names `LayerNorm.gamma` / `LayerNorm.beta` (read as weight / bias);
 *   - the non-parameter buffers `embeddings.position_ids` / `embeddings.token_type_ids` (ignored).
 * Parameters the file lacks (a new classifier on a pretrained encoder) are initialised from the seeded
 * generator and listed in the report as missing; names the model does not know are listed as unexpected.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSafetensors } from '../io/safetensors.ts';
import { loadShardIndex } from '../io/shard-index.ts';
import { initWeights } from '../nn/init.ts';
import { describeMismatch, type Module } from '../nn/module.ts';
import type { Rng } from '../tensor/random.ts';
import { Tensor } from '../tensor/tensor.ts';
import { setCheckpointReader, type LoadReport } from '../bert/files.ts';
import type { BertPreTrainedModel, FromPretrainedOptions } from '../bert/model.ts';

export const CONFIG_FILE = 'config.json';
export const WEIGHTS_FILE = 'model.safetensors';
export const WEIGHTS_INDEX_FILE = 'model.safetensors.index.json';

export type { LoadReport } from '../bert/files.ts';

/** "…LayerNorm.gamma" -> "…LayerNorm.weight", "…LayerNorm.beta" -> "…LayerNorm.bias" (TensorFlow-era names). */
export function modernName(name: string): string {
  return name.replace(/LayerNorm\.gamma$/, 'LayerNorm.weight').replace(/LayerNorm\.beta$/, 'LayerNorm.bias');
}

/** The safetensors files of a checkpoint directory (one, or the shards listed in the index). */
function weightFiles(dir: string): string[] {
  const single = join(dir, WEIGHTS_FILE);
  if (existsSync(single)) return [single];
  const index = join(dir, WEIGHTS_INDEX_FILE);
  if (existsSync(index)) return loadShardIndex(index).files; // checked: every entry a shard file name in `dir`
  const hint = existsSync(join(dir, 'pytorch_model.bin')) ? ' (pytorch_model.bin is a pickle and is not read: convert it to safetensors)' : '';
  throw new Error(`${dir}: no ${WEIGHTS_FILE} or ${WEIGHTS_INDEX_FILE}${hint}`);
}

/** Every tensor of the checkpoint in `dir` as float32, by (modernised) name. */
export function readCheckpointWeights(dir: string): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const path of weightFiles(dir)) {
    const file = loadSafetensors(path);
    for (const e of file.entries.values()) {
      if (e.dtype === 'BOOL' || e.dtype.startsWith('I') || e.dtype.startsWith('U')) {
        // Integer tensors are buffers (position_ids), not weights: keep them so that they are reported.
        out.set(modernName(e.name), new Tensor(new Float32Array(e.numel), e.shape));
        continue;
      }
      out.set(modernName(e.name), new Tensor(file.toFloat32(e.name), e.shape));
    }
  }
  return out;
}

/** Buffers a checkpoint may hold that are not parameters. */
function isBuffer(name: string): boolean {
  return /(^|\.)embeddings\.(position_ids|token_type_ids)$/.test(name);
}

/**
 * Rename checkpoint keys so that the `bert.` prefix agrees with the model's names: add it when the model
 * has it and the checkpoint has none (a bare BertModel checkpoint into a head), remove it when the model is
 * a bare BertModel.
 */
export function reconcilePrefix(modelNames: string[], state: Map<string, Tensor>): Map<string, Tensor> {
  const modelPrefixed = modelNames.some((n) => n.startsWith('bert.'));
  const keys = [...state.keys()];
  const statePrefixed = keys.some((k) => k.startsWith('bert.'));
  if (modelPrefixed && !statePrefixed && keys.some((k) => k.startsWith('embeddings.'))) {
    return new Map([...state].map(([k, v]) => [`bert.${k}`, v]));
  }
  if (!modelPrefixed && statePrefixed) {
    return new Map([...state].map(([k, v]) => [k.startsWith('bert.') ? k.slice(5) : k, v]));
  }
  return state;
}

export interface LoadWeightsOptions {
  /** Throw when a parameter is missing or a name is unexpected (default false: report them). */
  strict?: boolean;
  /** Generator for the parameters the checkpoint lacks. */
  initRng: Rng;
  /** Their initialisation's standard deviation (config.initializer_range). */
  initStd: number;
}

/**
 * Copy `state` into `model` (see the rules at the top of this file) and initialise what it lacks.
 * @returns the report of missing, unexpected and ignored names
 */
export function loadWeightsIntoModel(model: Module, state: Map<string, Tensor>, opts: LoadWeightsOptions): LoadReport {
  const names = model.namedParameters().map(([n]) => n);
  const renamed = reconcilePrefix(names, state);
  const ignored: string[] = [];
  const usable = new Map<string, Tensor>();
  for (const [k, v] of renamed) {
    if (isBuffer(k)) ignored.push(k);
    else usable.set(k, v);
  }
  const aliases = model.tiedAliasNames();
  for (const k of usable.keys()) if (aliases.has(k)) ignored.push(k);
  const result = model.loadStateDict(usable, { strict: false });
  const report: LoadReport = { missing: result.missing, unexpected: result.unexpected, ignored };
  if (opts.strict && (report.missing.length || report.unexpected.length)) {
    throw new Error(`checkpoint does not match the model: ${describeMismatch(report)}`);
  }
  if (report.missing.length) {
    const missing = new Set(report.missing);
    initWeights(model, opts.initRng, opts.initStd, (_path, m) => m.directParameters().some(([, t]) => missing.has(t.name ?? '')));
  }
  return report;
}

/** The parsed JSON of the config.json at `path`; errors name the file. */
export function readConfigJSON(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${path}: not valid JSON: ${(err as Error).message}`);
  }
}

/** Load the checkpoint in `dir` into `model`, report what did not match, and return the model. */
export function loadModelWeights<T extends BertPreTrainedModel>(model: T, dir: string, opts: FromPretrainedOptions = {}): T {
  const report = loadWeightsIntoModel(model, readCheckpointWeights(dir), {
    strict: opts.strict,
    initRng: model.initRng,
    initStd: model.config.initializerRange,
  });
  model.loadReport = report;
  const warn = opts.onWarning ?? ((m: string) => console.warn(m));
  if (report.missing.length) {
    warn(`${model.architecture}: ${report.missing.length} parameters were not in ${dir} and are newly initialised: ${report.missing.join(', ')}`);
  }
  if (report.unexpected.length) {
    warn(`${model.architecture}: ${report.unexpected.length} tensors of ${dir} are not used by this model: ${report.unexpected.join(', ')}`);
  }
  return model;
}

// BertConfig.fromFile and fromPretrained read files through this layer (bert/files.ts).
setCheckpointReader({ readConfigJSON, configPath: (dir) => join(dir, CONFIG_FILE), loadWeights: loadModelWeights });
