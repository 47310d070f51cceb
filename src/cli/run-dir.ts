/**
 * Output directories of the commands: created with errors in words (not Node's `EEXIST ... mkdir`), and for
 * training runs locked for the whole run (src/train/run-lock.ts), so that two runs never share one --out.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { acquireRunLock } from '../train/run-lock.ts';

/** `mkdir -p path`; `flag` names the flag the path came from, for the message. */
export function makeDirectory(path: string, flag: string): void {
  try {
    mkdirSync(path, { recursive: true });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EEXIST' || e.code === 'ENOTDIR') throw new Error(`--${flag}: cannot create the directory ${path}: it, or a folder on its path, is a file`);
    if (e.code === 'EACCES' || e.code === 'EPERM' || e.code === 'EROFS') throw new Error(`--${flag}: cannot create the directory ${path}: permission denied`);
    throw new Error(`--${flag}: cannot create the directory ${path}: ${e.message}`);
  }
}

/** Create the folder a file `path` goes into. */
export function makeParentDirectory(path: string, flag: string): void {
  makeDirectory(dirname(path), flag);
}

/**
 * Create run directory `dir` (from --out), take its lock, run `body`, release the lock (also when `body`
 * throws). The lock is taken before anything is written into the directory.
 */
export async function withRunDirectory<T>(dir: string, body: () => Promise<T>): Promise<T> {
  makeDirectory(dir, 'out');
  const lock = acquireRunLock(dir);
  try {
    return await body();
  } finally {
    lock.release();
  }
}
