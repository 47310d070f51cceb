/**
 * The index of a sharded checkpoint, `model.safetensors.index.json`, as `save_pretrained` writes it when the
 * weights are split over several files:
 *
 *   {
 *     "metadata": {"total_size": 438000000},                       (optional)
 *     "weight_map": {
 *       "bert.embeddings.word_embeddings.weight": "model-00001-of-00002.safetensors",
 *       "bert.pooler.dense.bias": "model-00002-of-00002.safetensors",
 *       ...
 *     }
 *   }
 *
 * Every value of `weight_map` names a shard file in the index's own folder. The index comes from the same
 * strangers as the weights, so it is checked before any name in it is used as a path: each value must be a
 * plain file name (a string, not empty, no folder part, so the index cannot point outside its folder).
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Raised for a malformed shard index; the message names the file and the bad entry. */
export class ShardIndexError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShardIndexError';
  }
}

export interface ShardIndex {
  /** Path of the index file. */
  path: string;
  /** Tensor name -> shard file name (as written in the index). */
  weightMap: Map<string, string>;
  /** Paths of the shard files, each once, in the order they first appear in the weight map. */
  files: string[];
}

/** Read and check `model.safetensors.index.json` at `path`. */
export function loadShardIndex(path: string): ShardIndex {
  const fail = (msg: string): never => {
    throw new ShardIndexError(`${path}: ${msg}`);
  };
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    fail(`cannot read the shard index: ${(err as Error).message}`);
  }
  let index: unknown;
  try {
    index = JSON.parse(text);
  } catch (err) {
    fail(`not valid JSON: ${(err as Error).message}`);
  }
  if (typeof index !== 'object' || index === null || Array.isArray(index)) fail(`expected a JSON object {"weight_map": {...}}, found ${kind(index)}`);
  const map = (index as Record<string, unknown>).weight_map;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) {
    fail(`expected a "weight_map" object {tensor name: shard file name}, found ${map === undefined ? 'none' : kind(map)}`);
  }
  const entries = Object.entries(map as Record<string, unknown>);
  if (entries.length === 0) fail('"weight_map" is empty: the index lists no tensors and no shard files');

  const weightMap = new Map<string, string>();
  const files = new Set<string>();
  for (const [tensor, file] of entries) {
    const where = `weight_map[${JSON.stringify(tensor)}]`;
    if (typeof file !== 'string' || file === '') {
      fail(`${where} must be the file name of a shard (a string such as "model-00001-of-00002.safetensors"), found ${kind(file)}`);
    }
    const name = file as string;
    if (basename(name) !== name || name === '.' || name === '..' || name.includes('\\') || name.includes('\0')) {
      fail(`${where} is ${JSON.stringify(name)}; a shard must be a file name in the index's folder, without a folder part`);
    }
    weightMap.set(tensor, name);
    files.add(join(dirname(path), name));
  }
  return { path, weightMap, files: [...files] };
}

/** "number 7", "an array [...]": what was found, short. */
function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  const text = JSON.stringify(v) ?? String(v);
  return `${typeof v} ${text.length > 60 ? `${text.slice(0, 60)}...` : text}`;
}
