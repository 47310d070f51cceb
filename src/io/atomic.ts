/**
 * Writing files and directories so that a crash, a full disk or an exception half-way never leaves a
 * half-written file where a good one used to be.
 *
 * File: write everything to a temporary name in the same directory, flush it to the disk (fsync), then
 * rename it over the target. A rename within one filesystem is atomic: anyone opening the path sees either
 * the old file or the complete new one. If anything fails before the rename, the temporary file is removed
 * and the old file is untouched.
 *
 * Directory (e.g. a training checkpoint): write every file into a temporary sibling directory, fsync them,
 * then move the old directory aside, move the new one into place, and delete the old one. POSIX cannot swap
 * two directories in one step, so there is a short window between the two renames; if the process dies
 * inside it, the previous version is still complete at `<dir>.old-<pid>-<n>` and the new one at
 * `<dir>.tmp-<pid>-<n>`: nothing is lost.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, normalize, sep } from 'node:path';

/** What can be written: bytes, a string (written as UTF-8), or a sequence of byte chunks. */
export type FileData = Uint8Array | string | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;
export type FileDataSync = Uint8Array | string | Iterable<Uint8Array>;

let counter = 0;

/** A name next to `path` that no one else uses: `.<name>.tmp-<pid>-<n>` (hidden, same directory). */
function tempSibling(path: string, tag: 'tmp' | 'old', hidden: boolean): string {
  const name = `${hidden ? '.' : ''}${basename(path)}.${tag}-${process.pid}-${++counter}`;
  return join(dirname(path), name);
}

/** The mode bits of an existing file (so replacing it keeps its permissions), or undefined. */
function existingMode(path: string): number | undefined {
  try {
    const st = fs.statSync(path);
    return st.isFile() ? st.mode & 0o7777 : undefined;
  } catch {
    return undefined;
  }
}

function wrap(err: unknown, what: string): Error {
  const e = err as NodeJS.ErrnoException;
  return new Error(`${what}: ${e?.message ?? String(err)}`, { cause: err });
}

async function* chunksOf(data: FileData): AsyncIterable<Uint8Array> {
  if (typeof data === 'string') yield new TextEncoder().encode(data);
  else if (data instanceof Uint8Array) yield data;
  else for await (const c of data as AsyncIterable<Uint8Array>) yield checkChunk(c);
}

function* chunksOfSync(data: FileDataSync): Iterable<Uint8Array> {
  if (typeof data === 'string') yield new TextEncoder().encode(data);
  else if (data instanceof Uint8Array) yield data;
  else for (const c of data) yield checkChunk(c);
}

function checkChunk(c: unknown): Uint8Array {
  if (!(c instanceof Uint8Array)) throw new TypeError(`expected chunks of bytes (Uint8Array), got ${Object.prototype.toString.call(c)}`);
  return c;
}

/** fsync a directory so that a rename inside it is on disk. Some platforms cannot; that is not an error. */
function syncDirSync(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Windows and some filesystems refuse to open or fsync a directory.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * Replace the file at `path` with `data`, atomically: readers see the old file or the whole new one, never
 * a part. On failure the temporary file is removed, the old file is left as it was, and the error (which
 * names `path`) is thrown. An existing file's permissions are kept.
 */
export async function writeFileAtomic(path: string, data: FileData): Promise<void> {
  const mode = existingMode(path);
  let tmp = '';
  let fh: fsp.FileHandle | undefined;
  try {
    // 'wx' fails if the name exists (e.g. left by a crashed run with a recycled pid): then take the next one.
    for (;;) {
      tmp = tempSibling(path, 'tmp', true);
      try {
        fh = await fsp.open(tmp, 'wx', mode ?? 0o666);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
    for await (const chunk of chunksOf(data)) {
      let at = 0;
      while (at < chunk.byteLength) at += (await fh.write(chunk, at, chunk.byteLength - at)).bytesWritten;
    }
    if (mode !== undefined) await fh.chmod(mode); // open's mode is reduced by the umask; the old file's is not
    await fh.sync();
    await fh.close();
    fh = undefined;
    await fsp.rename(tmp, path);
  } catch (err) {
    if (fh) await fh.close().catch(() => {});
    if (tmp) await fsp.rm(tmp, { force: true }).catch(() => {});
    throw wrap(err, `could not write ${path} (any previous file there is unchanged)`);
  }
  syncDirSync(dirname(path));
}

/** Synchronous `writeFileAtomic` (same guarantees; `data` cannot be an async iterable). */
export function writeFileAtomicSync(path: string, data: FileDataSync): void {
  const mode = existingMode(path);
  let tmp = '';
  let fd: number | undefined;
  try {
    for (;;) {
      tmp = tempSibling(path, 'tmp', true);
      try {
        fd = fs.openSync(tmp, 'wx', mode ?? 0o666);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
    for (const chunk of chunksOfSync(data)) {
      let at = 0;
      while (at < chunk.byteLength) at += fs.writeSync(fd, chunk, at, chunk.byteLength - at);
    }
    if (mode !== undefined) fs.fchmodSync(fd, mode);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, path);
  } catch (err) {
    if (fd !== undefined) fs.closeSync(fd);
    if (tmp) fs.rmSync(tmp, { force: true });
    throw wrap(err, `could not write ${path} (any previous file there is unchanged)`);
  }
  syncDirSync(dirname(path));
}

/**
 * Check a relative file name inside a directory being written: no absolute paths, no '..', no empty parts,
 * so that no file can land outside the directory.
 */
function safeRelative(dir: string, rel: string): string {
  const norm = normalize(rel);
  if (rel === '' || isAbsolute(rel) || norm.split(sep).some((p) => p === '..' || p === '') || norm === '.') {
    throw new Error(`cannot write ${dir}: file name ${JSON.stringify(rel)} must be a relative path inside the directory`);
  }
  return norm;
}

/**
 * Replace the directory `dir` with a new one holding exactly `files` (relative name -> contents; names may
 * contain '/' for subfolders). Everything is written and fsynced under a temporary sibling name first; only
 * then is the old directory (if any) moved aside, the new one renamed into place, and the old one deleted.
 * If writing fails, the temporary directory is removed and `dir` is untouched.
 * `dir` must not exist or be a directory (a file there is an error, not replaced).
 */
export async function writeDirAtomic(dir: string, files: Record<string, FileData>): Promise<void> {
  const entries = Object.entries(files).map(([rel, data]) => [safeRelative(dir, rel), data] as const);
  const existing = await fsp.lstat(dir).catch(() => undefined);
  if (existing && !existing.isDirectory()) throw new Error(`cannot write directory ${dir}: a file of that name exists`);

  // 1. Build the new directory under a temporary name beside the old one (same filesystem, so rename works).
  let tmp = '';
  try {
    for (;;) {
      tmp = tempSibling(dir, 'tmp', false);
      try {
        await fsp.mkdir(tmp);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
    for (const [rel, data] of entries) {
      const target = join(tmp, rel);
      await fsp.mkdir(dirname(target), { recursive: true });
      const fh = await fsp.open(target, 'wx');
      try {
        for await (const chunk of chunksOf(data)) {
          let at = 0;
          while (at < chunk.byteLength) at += (await fh.write(chunk, at, chunk.byteLength - at)).bytesWritten;
        }
        await fh.sync();
      } finally {
        await fh.close();
      }
    }
    for (const d of new Set([tmp, ...entries.map(([rel]) => dirname(join(tmp, rel)))])) syncDirSync(d);
  } catch (err) {
    if (tmp) await fsp.rm(tmp, { recursive: true, force: true }).catch(() => {});
    throw wrap(err, `could not write directory ${dir} (any previous version is unchanged)`);
  }

  // 2. Swap: old aside, new into place, old deleted.
  let old: string | undefined;
  try {
    if (existing) {
      old = tempSibling(dir, 'old', false);
      await fsp.rename(dir, old);
    }
    await fsp.rename(tmp, dir);
  } catch (err) {
    if (old) await fsp.rename(old, dir).catch(() => {}); // put the old one back
    await fsp.rm(tmp, { recursive: true, force: true }).catch(() => {});
    throw wrap(err, `could not move the new ${dir} into place (any previous version is unchanged)`);
  }
  syncDirSync(dirname(dir));
  if (old) await fsp.rm(old, { recursive: true, force: true });
}
