/** Shared by the fine-tuning tests: a BERT small enough to train in seconds, and generated task data. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BertConfig } from '../../src/bert/config.ts';
import { writeSyntheticTask, type SyntheticTaskFiles, type SyntheticTaskName } from '../../src/data/synthetic-tasks.ts';

/** 2 layers, hidden 32, 2 heads: about 20k parameters with the synthetic vocabulary. */
export function tinyConfig(): BertConfig {
  return new BertConfig({ vocabSize: 300, hiddenSize: 32, numHiddenLayers: 2, numAttentionHeads: 2, intermediateSize: 64, maxPositionEmbeddings: 64 });
}

/** A fresh temporary directory for one test file. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Write a task's synthetic train/dev/test files (and vocab.txt) under `root/<task>-<tag>`. */
export function taskFiles(
  root: string,
  task: SyntheticTaskName,
  sizes: { train: number; dev: number; test: number },
  opts: { negation?: number; tag?: string } = {},
): SyntheticTaskFiles {
  return writeSyntheticTask(task, join(root, `${task}-${opts.tag ?? 'data'}`), sizes, { negation: opts.negation });
}
