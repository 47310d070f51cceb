/**
 * Checkpoint directories in Hugging Face's layout, both ways:
 *
 *   DIR/config.json         every config field, `architectures: ["BertFor..."]`, `model_type: "bert"`
 *   DIR/model.safetensors   float32 weights with Hugging Face names, metadata {"format": "pt"}, without the
 *                           tied MLM decoder (it is the word-embedding matrix)
 *
 * `loadPretrained(dir)` picks the class from `architectures`; `savePretrained(model, dir)` writes a
 * directory that `transformers`' from_pretrained loads unchanged (and that loadPretrained reads back).
 */
import { join } from 'node:path';
import type { FileData } from '../io/atomic.ts';
import { writeDirAtomic } from '../io/atomic.ts';
import { encodeSafetensors, type TensorToWrite } from '../io/safetensors-write.ts';
import { CONFIG_FILE, loadModelWeights, WEIGHTS_FILE } from './checkpoint.ts';
import { BertConfig } from '../bert/config.ts';
import type { BertPreTrainedModel, FromPretrainedOptions } from '../bert/model.ts';
import { modelClassForArchitecture } from './registry.ts';

export interface LoadPretrainedOptions extends FromPretrainedOptions {
  /** Build this class instead of config.json's `architectures[0]` (e.g. a classifier on a pretrained encoder). */
  architecture?: string;
}

/**
 * Load a checkpoint directory into the class named by its config.json `architectures` (or `opts.architecture`).
 * The returned model's `loadReport` lists parameters that were missing (newly initialised) and unexpected names.
 */
export function loadPretrained(dir: string, opts: LoadPretrainedOptions = {}): BertPreTrainedModel {
  let config = BertConfig.fromFile(join(dir, CONFIG_FILE));
  if (opts.config) config = config.with(opts.config);
  const name = opts.architecture ?? config.architectures?.[0];
  if (!name) throw new Error(`${join(dir, CONFIG_FILE)}: no "architectures" to choose the model class from; pass the architecture`);
  const cls = modelClassForArchitecture(name);
  return loadModelWeights(new cls(config, { ...opts, init: false }), dir, opts);
}

/** The model's weights as safetensors entries: every distinct parameter, Hugging Face names, F32. */
export function modelTensors(model: BertPreTrainedModel): Record<string, TensorToWrite> {
  const out: Record<string, TensorToWrite> = {};
  for (const [name, t] of model.namedParameters()) out[name] = { dtype: 'F32', shape: t.shape, data: t.data as Float32Array };
  return out;
}

/**
 * Write `model` to `dir` atomically (the directory is replaced only once everything is written):
 * config.json and model.safetensors, plus any `extraFiles` (e.g. {"vocab.txt": text}).
 */
export async function savePretrained(model: BertPreTrainedModel, dir: string, opts: { extraFiles?: Record<string, FileData> } = {}): Promise<void> {
  const config = model.config.with({ architectures: [model.architecture] });
  const files: Record<string, FileData> = {
    ...(opts.extraFiles ?? {}),
    [CONFIG_FILE]: config.toJSONString(),
    [WEIGHTS_FILE]: encodeSafetensors(modelTensors(model), { format: 'pt' }),
  };
  await writeDirAtomic(dir, files);
}
