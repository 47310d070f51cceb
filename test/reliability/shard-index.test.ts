/**
 * model.safetensors.index.json is checked before any name in it is used as a path: every bad entry is named.
 * `bert inspect` shows a sharded checkpoint shard by shard and lists where the index and the shards disagree.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatShards, inspectShards } from '../../src/cli/commands/inspect.ts';
import { loadPretrained, loadShardIndex, ShardIndexError, writeSafetensors } from '../../src/index.ts';

const root = mkdtempSync(join(tmpdir(), 'bert-shards-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

/** A folder with `index` (an object, or raw text) as model.safetensors.index.json; returns the index path. */
function indexFile(index: unknown): string {
  const dir = join(root, `m${n++}`);
  mkdirSync(dir);
  const path = join(dir, 'model.safetensors.index.json');
  writeFileSync(path, typeof index === 'string' ? index : JSON.stringify(index));
  return path;
}

function refused(path: string): string {
  let caught: unknown;
  try {
    loadShardIndex(path);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(ShardIndexError);
  expect((caught as Error).message.startsWith(`${path}: `)).toBe(true);
  return (caught as Error).message;
}

describe('loadShardIndex', () => {
  it('names the file and the entry for every way the index can be wrong', () => {
    expect(refused(join(root, 'missing.index.json'))).toMatch(/cannot read the shard index: ENOENT/);
    expect(refused(indexFile('{"weight_map": '))).toMatch(/not valid JSON/);
    expect(refused(indexFile([1]))).toMatch(/expected a JSON object \{"weight_map": \{\.\.\.\}\}, found an array/);
    expect(refused(indexFile({ metadata: {} }))).toMatch(/expected a "weight_map" object \{tensor name: shard file name\}, found none/);
    expect(refused(indexFile({ weight_map: 'model.safetensors' }))).toMatch(/"weight_map" object .*found string "model\.safetensors"/);
    expect(refused(indexFile({ weight_map: {} }))).toMatch(/"weight_map" is empty: the index lists no tensors and no shard files/);
    expect(refused(indexFile({ weight_map: { a: 'x.safetensors', b: null } }))).toMatch(/weight_map\["b"\] must be the file name of a shard .*found null/);
    expect(refused(indexFile({ weight_map: { 'enc.w': ['x'] } }))).toMatch(/weight_map\["enc\.w"\] must be the file name .*found an array/);
    expect(refused(indexFile({ weight_map: { a: '' } }))).toMatch(/weight_map\["a"\] must be the file name .*found string ""/);
  });

  it('refuses shard names that leave the folder', () => {
    for (const bad of ['../model.safetensors', '/etc/passwd', 'sub/model.safetensors', '..', 'a\\b.safetensors']) {
      expect(refused(indexFile({ weight_map: { a: bad } }))).toMatch(
        new RegExp(
          `weight_map\\["a"\\] is ${JSON.stringify(bad).replace(/[.\\/[\]]/g, '\\$&')}; a shard must be a file name in the index's folder, without a folder part`,
        ),
      );
    }
  });

  it('lists each shard once, in the order of first appearance', () => {
    const path = indexFile({ metadata: { total_size: 8 }, weight_map: { b: 'two.safetensors', a: 'one.safetensors', c: 'two.safetensors' } });
    const index = loadShardIndex(path);
    expect(index.files).toEqual([join(path, '../two.safetensors'), join(path, '../one.safetensors')]);
    expect(index.weightMap.get('c')).toBe('two.safetensors');
  });
});

describe('bert inspect on a sharded checkpoint', () => {
  const t = (v: number) => ({ dtype: 'F32' as const, shape: [1], data: new Float32Array([v]) });

  it('shows each shard and the totals; reports tensors the index and the shards disagree on', () => {
    const path = indexFile({ weight_map: { a: 'one.safetensors', b: 'one.safetensors', c: 'two.safetensors', gone: 'two.safetensors' } });
    writeFileSync(join(path, '../one.safetensors'), writeSafetensors({ a: t(1), c: t(2) }));
    writeFileSync(join(path, '../two.safetensors'), writeSafetensors({ b: t(3), extra: t(4) }));
    const s = inspectShards(loadShardIndex(path));
    expect(s.totalParams).toBe(4);
    expect(s.shards.map((x) => x.tensors.map((r) => r.name))).toEqual([
      ['a', 'c'],
      ['b', 'extra'],
    ]);
    expect(s.problems).toEqual([
      `"b" is listed in one.safetensors but is in ${join(path, '../two.safetensors')}`,
      `"c" is listed in two.safetensors but is in ${join(path, '../one.safetensors')}`,
      '"gone" is listed in two.safetensors but no shard holds it',
      `"extra" (in ${join(path, '../two.safetensors')}) is not in the index`,
    ]);
    const text = formatShards(loadShardIndex(path));
    expect(text).toMatch(
      /model\.safetensors\.index\.json: 2 shards, 4 parameters, 16 bytes of data\nthe index and the shards disagree on 4 tensors:\n {2}"b" is listed/,
    );
    expect(text).toMatch(/one\.safetensors: 2 tensors, 2 parameters/);
    expect(text).toMatch(/two\.safetensors: 2 tensors, 2 parameters/);
  });

  it('an index that agrees with its shards has no problems', () => {
    const path = indexFile({ weight_map: { a: 'one.safetensors', b: 'two.safetensors' } });
    writeFileSync(join(path, '../one.safetensors'), writeSafetensors({ a: t(1) }));
    writeFileSync(join(path, '../two.safetensors'), writeSafetensors({ b: t(2) }));
    expect(inspectShards(loadShardIndex(path)).problems).toEqual([]);
    expect(formatShards(loadShardIndex(path))).not.toMatch(/disagree/);
  });
});

describe('loading a sharded checkpoint', () => {
  it('a non-string entry in the index is named (it was Node\'s raw "path" argument error)', () => {
    const path = indexFile({ weight_map: { 'bert.embeddings.word_embeddings.weight': 'model-00001-of-00001.safetensors', 'bert.pooler.dense.bias': 3 } });
    copyFileSync(join(import.meta.dirname, '../fixtures/hf/masked-lm/config.json'), join(path, '../config.json'));
    expect(() => loadPretrained(join(path, '..'))).toThrow(
      /model\.safetensors\.index\.json: weight_map\["bert\.pooler\.dense\.bias"\] must be the file name of a shard \(a string such as "model-00001-of-00002\.safetensors"\), found number 3/,
    );
  });
});
