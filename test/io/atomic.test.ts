/**
 * Atomic writes: the new content appears whole or not at all, and on any failure the old file or
 * directory is exactly as it was, with no temporary leftovers.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadSafetensors, saveSafetensors, saveSafetensorsSync, writeDirAtomic, writeFileAtomic, writeFileAtomicSync } from '../../src/io/index.ts';

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bert-io-atomic-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Chunks that fail part-way, like a serializer throwing after some bytes were already written. */
function* failingChunks(): Generator<Uint8Array> {
  yield new TextEncoder().encode('new content, first part...');
  throw new Error('serializer exploded');
}

describe('writeFileAtomic', () => {
  it('writes bytes, strings and chunk sequences, leaving no temporary file', async () => {
    await writeFileAtomic(join(dir, 'a.bin'), new Uint8Array([1, 2, 3]));
    await writeFileAtomic(join(dir, 'b.txt'), 'héllo');
    await writeFileAtomic(join(dir, 'c.txt'), [new TextEncoder().encode('ab'), new TextEncoder().encode('cd')]);
    writeFileAtomicSync(join(dir, 'd.txt'), 'sync');
    expect([...readFileSync(join(dir, 'a.bin'))]).toEqual([1, 2, 3]);
    expect(readFileSync(join(dir, 'b.txt'), 'utf8')).toBe('héllo');
    expect(readFileSync(join(dir, 'c.txt'), 'utf8')).toBe('abcd');
    expect(readFileSync(join(dir, 'd.txt'), 'utf8')).toBe('sync');
    expect(readdirSync(dir).sort()).toEqual(['a.bin', 'b.txt', 'c.txt', 'd.txt']);
  });

  it('replaces an existing file and keeps its permissions', async () => {
    const p = join(dir, 'f.txt');
    writeFileSync(p, 'old');
    chmodSync(p, 0o640);
    await writeFileAtomic(p, 'new');
    expect(readFileSync(p, 'utf8')).toBe('new');
    expect(statSync(p).mode & 0o777).toBe(0o640);
    writeFileAtomicSync(p, 'newer');
    expect(readFileSync(p, 'utf8')).toBe('newer');
    expect(statSync(p).mode & 0o777).toBe(0o640);
  });

  it('when the data fails part-way, the old file is untouched and no temporary file remains', async () => {
    const p = join(dir, 'model.safetensors');
    writeFileSync(p, 'old content');
    await expect(writeFileAtomic(p, failingChunks())).rejects.toThrow(
      /could not write .*model\.safetensors \(any previous file there is unchanged\): serializer exploded/,
    );
    expect(readFileSync(p, 'utf8')).toBe('old content');
    expect(readdirSync(dir)).toEqual(['model.safetensors']);

    expect(() => writeFileAtomicSync(p, failingChunks())).toThrow(/serializer exploded/);
    expect(readFileSync(p, 'utf8')).toBe('old content');
    expect(readdirSync(dir)).toEqual(['model.safetensors']);
  });

  it('rejects chunks that are not bytes, before renaming', async () => {
    const p = join(dir, 'x.txt');
    writeFileSync(p, 'old');
    await expect(writeFileAtomic(p, ['text' as unknown as Uint8Array])).rejects.toThrow(/expected chunks of bytes \(Uint8Array\), got \[object String\]/);
    expect(readFileSync(p, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['x.txt']);
  });

  it('when the final rename fails (a directory is in the way), the temporary file is removed', async () => {
    const p = join(dir, 'occupied');
    mkdirSync(join(p, 'inside'), { recursive: true });
    await expect(writeFileAtomic(p, 'data')).rejects.toThrow(/could not write .*occupied/);
    expect(() => writeFileAtomicSync(p, 'data')).toThrow(/could not write .*occupied/);
    expect(readdirSync(dir)).toEqual(['occupied']);
    expect(readdirSync(p)).toEqual(['inside']);
  });

  it('fails with the path in the message when the directory does not exist', async () => {
    await expect(writeFileAtomic(join(dir, 'missing', 'f.txt'), 'x')).rejects.toThrow(/could not write .*missing\/f\.txt.*ENOENT/);
  });
});

describe('saveSafetensors', () => {
  const tensors = { w: { dtype: 'F32' as const, shape: [2], data: new Float32Array([1, 2]) } };

  it('writes a file that loads back', async () => {
    await saveSafetensors(join(dir, 'm.safetensors'), tensors, { format: 'pt' });
    saveSafetensorsSync(join(dir, 'n.safetensors'), tensors);
    expect(Array.from(loadSafetensors(join(dir, 'm.safetensors')).toFloat32('w'))).toEqual([1, 2]);
    expect(loadSafetensors(join(dir, 'm.safetensors')).metadata).toEqual({ format: 'pt' });
    expect(Array.from(loadSafetensors(join(dir, 'n.safetensors')).toFloat32('w'))).toEqual([1, 2]);
  });

  it('invalid tensors are reported before the old file is touched', async () => {
    const p = join(dir, 'm.safetensors');
    await saveSafetensors(p, tensors);
    const before = readFileSync(p);
    await expect(saveSafetensors(p, { w: { dtype: 'F32', shape: [3], data: new Float32Array(2) } })).rejects.toThrow(
      /tensor "w": shape \[3\] has 3 elements but its data has 2/,
    );
    expect(readFileSync(p).equals(before)).toBe(true);
    expect(readdirSync(dir)).toEqual(['m.safetensors']);
  });

  it('loadSafetensors names the path when the file cannot be read', () => {
    expect(() => loadSafetensors(join(dir, 'nope.safetensors'))).toThrow(/cannot read .*nope\.safetensors: .*ENOENT/);
  });
});

describe('writeDirAtomic', () => {
  it('creates a directory with files and subfolders, and nothing else beside it', async () => {
    const ck = join(dir, 'checkpoint-100');
    await writeDirAtomic(ck, { 'model.safetensors': new Uint8Array([1]), 'state/trainer.json': '{"step":100}' });
    expect(readdirSync(dir)).toEqual(['checkpoint-100']);
    expect(readdirSync(ck).sort()).toEqual(['model.safetensors', 'state']);
    expect(readFileSync(join(ck, 'state/trainer.json'), 'utf8')).toBe('{"step":100}');
  });

  it('replaces an older version completely (files not in the new set are gone)', async () => {
    const ck = join(dir, 'last');
    await writeDirAtomic(ck, { 'a.txt': 'old a', 'old-only.txt': 'x' });
    await writeDirAtomic(ck, { 'a.txt': 'new a', 'b.txt': 'new b' });
    expect(readdirSync(ck).sort()).toEqual(['a.txt', 'b.txt']);
    expect(readFileSync(join(ck, 'a.txt'), 'utf8')).toBe('new a');
    expect(readdirSync(dir)).toEqual(['last']);
  });

  it('when a file fails part-way, the old directory is untouched and the temporary one removed', async () => {
    const ck = join(dir, 'last');
    await writeDirAtomic(ck, { 'a.txt': 'old a' });
    await expect(writeDirAtomic(ck, { 'a.txt': 'new a', 'b.bin': failingChunks() })).rejects.toThrow(
      /could not write directory .*last \(any previous version is unchanged\): serializer exploded/,
    );
    expect(readdirSync(ck)).toEqual(['a.txt']);
    expect(readFileSync(join(ck, 'a.txt'), 'utf8')).toBe('old a');
    expect(readdirSync(dir)).toEqual(['last']);
  });

  it('refuses names that would escape the directory, and a file in the way', async () => {
    const ck = join(dir, 'ck');
    for (const bad of ['../evil.txt', '/etc/passwd', 'a/../../b', '', 'sub/']) {
      await expect(writeDirAtomic(ck, { [bad]: 'x' })).rejects.toThrow(/must be a relative path inside the directory/);
    }
    writeFileSync(ck, 'a file');
    await expect(writeDirAtomic(ck, { 'a.txt': 'x' })).rejects.toThrow(/cannot write directory .*ck: a file of that name exists/);
    expect(readFileSync(ck, 'utf8')).toBe('a file');
    expect(readdirSync(dir)).toEqual(['ck']);
  });
});
