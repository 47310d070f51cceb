/**
 * `bert inspect` on hostile files, run as a user runs it (the `bert` command in a child process): a clear
 * message and exit code 1, never a stack trace; and statistics that say when a tensor holds NaN or Inf.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeSafetensors } from '../../src/io/index.ts';
import { fileBytes } from './safetensors-files.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'bert-inspect-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Run `bert ARGS` (in one process: BERT_RUNTIME_SETTINGS=off) and collect its exit code and output. */
function bert(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/bert.mjs'), ...args], {
      env: { ...process.env, BERT_RUNTIME_SETTINGS: 'off', BERT_DEBUG: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

function write(name: string, bytes: Uint8Array | string): string {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, bytes);
  return path;
}

// concurrent: each test waits on child processes, so they overlap
describe.concurrent('bert inspect on hostile input', () => {
  it('a header of 100,000 nested JSON arrays: a clear error, exit 1 (it was "Maximum call stack size exceeded")', async () => {
    const path = write('deep.safetensors', fileBytes('['.repeat(100_000) + ']'.repeat(100_000)));
    const r = await bert(['inspect', path]);
    expect(r.stderr).toMatch(
      /^bert inspect: .*deep\.safetensors: header nests arrays and objects 128 levels deep at byte 127 of the header; at most 127 are allowed/,
    );
    expect(r.stderr).not.toMatch(/Maximum call stack|\n\s+at /);
    expect(r.code).toBe(1);
  }, 30_000);

  it('a shard index with a non-string entry: the entry is named, exit 1 (it was Node\'s "path" argument error)', async () => {
    const model = join(dir, 'sharded');
    write('sharded/model-00001-of-00001.safetensors', writeSafetensors({ a: { dtype: 'F32', shape: [1], data: new Float32Array([1]) } }));
    write('sharded/model.safetensors.index.json', JSON.stringify({ metadata: { total_size: 4 }, weight_map: { a: 'model-00001-of-00001.safetensors', b: 7 } }));
    const [viaDir, viaFile] = await Promise.all([bert(['inspect', model]), bert(['inspect', join(model, 'model.safetensors.index.json')])]);
    for (const r of [viaDir, viaFile]) {
      expect(r.stderr).toMatch(
        /^bert inspect: .*sharded\/model\.safetensors\.index\.json: weight_map\["b"\] must be the file name of a shard \(a string such as "model-00001-of-00002\.safetensors"\), found number 7/,
      );
      expect(r.stderr).not.toMatch(/"path" argument|\n\s+at /);
      expect(r.code).toBe(1);
    }
  }, 30_000);

  it('--stats on NaN and Inf tensors: NaN and Inf counts, min/max/mean/std of the finite values', async () => {
    const nan = new Float32Array(6).fill(NaN);
    const mixed = new Float32Array([1, NaN, -Infinity, 3, Infinity, NaN]);
    const path = write(
      'nan.safetensors',
      writeSafetensors({
        'all.nan': { dtype: 'F32', shape: [2, 3], data: nan },
        'some.bad': { dtype: 'F32', shape: [6], data: mixed },
        fine: { dtype: 'F32', shape: [2], data: new Float32Array([-1, 1]) },
      }),
    );
    const r = await bert(['inspect', path, '--stats']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/nan\.safetensors: 3 tensors, 14 parameters/);
    expect(r.stdout).toMatch(/2 tensors hold NaN or infinite values: all\.nan \(6 NaN\), some\.bad \(2 NaN, 2 Inf\)/);
    expect(r.stdout).toMatch(/^name +dtype +shape +params +min +max +mean +std +NaN +Inf$/m);
    expect(r.stdout).toMatch(/^all\.nan +F32 +\[2, 3\] +6 +- +- +- +- +6 +0$/m);
    expect(r.stdout).toMatch(/^some\.bad +F32 +\[6\] +6 +1\.000 +3\.000 +2\.000 +1\.000 +2 +2$/m);
    expect(r.stdout).toMatch(/^fine +F32 +\[2\] +2 +-1\.000 +1\.000 +0\.000 +1\.000 +0 +0$/m);
    expect(r.stdout).not.toMatch(/Infinity/);

    const j = await bert(['inspect', path, '--stats', '--json']);
    const rows = JSON.parse(j.stdout).tensors as { name: string; stats: Record<string, number | null> }[];
    expect(rows.find((t) => t.name === 'all.nan')!.stats).toEqual({ min: null, max: null, mean: null, std: null, nan: 6, inf: 0 });
    expect(rows.find((t) => t.name === 'some.bad')!.stats).toEqual({ min: 1, max: 3, mean: 2, std: 1, nan: 2, inf: 2 });
  }, 30_000);
});
