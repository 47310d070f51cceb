/**
 * Reading a checkpoint's files is the Hugging Face layer's work (src/hf), above the model: the model folder
 * reads no file. Two conveniences of the model do start from files, `BertConfig.fromFile(path)` and
 * `BertModel.fromPretrained(dir)`; they call the reader that src/hf installs here when it is loaded (the
 * same inversion as tensor.backward(), see docs/architecture.md). src/index.ts loads it.
 */
import type { BertPreTrainedModel, FromPretrainedOptions } from './model.ts';

/** What loading a checkpoint did. */
export interface LoadReport {
  /** Parameters the checkpoint did not provide: they were initialised randomly (e.g. a new classifier). */
  missing: string[];
  /** Names in the checkpoint that the model has no parameter for (ignored). */
  unexpected: string[];
  /** Buffers and tied copies that were recognised and skipped. */
  ignored: string[];
}

/** The file reading the model's conveniences need. */
export interface CheckpointReader {
  /** The parsed JSON of a config.json file, with errors that name the file. */
  readConfigJSON(path: string): unknown;
  /** The path of the config.json in a checkpoint directory. */
  configPath(dir: string): string;
  /** Load the weights of the checkpoint in `dir` into `model`, reporting what did not match; returns the model. */
  loadWeights<T extends BertPreTrainedModel>(model: T, dir: string, opts: FromPretrainedOptions): T;
}

let reader: CheckpointReader | null = null;

/** Install the reader (src/hf does, when it is loaded). */
export function setCheckpointReader(r: CheckpointReader): void {
  reader = r;
}

/** The installed reader; an error naming what to load when there is none. */
export function checkpointReader(): CheckpointReader {
  if (!reader) throw new Error('reading checkpoint files needs the Hugging Face layer: import src/index.ts (or src/hf/index.ts) first');
  return reader;
}
