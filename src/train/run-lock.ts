/**
 * A lock on a run directory, so that two runs never write into one `--out` at the same time (their metrics,
 * checkpoints and final model would mix, and `--resume` would accept the mix). Databases lock their data
 * directory the same way (PostgreSQL's postmaster.pid).
 *
 * The lock is the file `DIR/run.lock`, created with O_CREAT | O_EXCL (`'wx'`): of two processes creating
 * it at once, exactly one succeeds. It holds JSON: the process id, the host name, when the run started and
 * its command line. The holder removes it when it releases the lock or exits.
 *
 * A process killed by a signal runs no code of its own, so it cannot remove the file. Two things cover that:
 * the `bert` launcher removes the locks of a child that died (bin/run.mjs), and a lock whose process is no
 * longer running (same host, process id not alive) is stale: the next run takes it over and says so.
 * A lock held by a live process, or by a process on another host (a shared file system: its process cannot
 * be checked from here), is refused with a message naming the process, the host and the directory.
 */
import { processAlive } from './partial-writes.ts';
import { closeSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** The lock file's name inside the run directory. */
export const RUN_LOCK_FILE = 'run.lock';

/** What the lock file holds. */
export interface RunLockRecord {
  pid: number;
  host: string;
  /** ISO 8601 time the lock was taken. */
  started: string;
  /** The command line of the holder, for the message a second run gets. */
  command: string;
}

/** A held lock; `release()` removes the file (once; later calls do nothing). */
export interface RunLock {
  readonly path: string;
  readonly record: RunLockRecord;
  release(): void;
}

/** Another live run holds the directory. */
export class RunLockedError extends Error {
  constructor(
    message: string,
    readonly holder: RunLockRecord | null,
  ) {
    super(message);
    this.name = 'RunLockedError';
  }
}

export interface RunLockOptions {
  /** Where the message about a stale lock taken over goes (default: stderr). */
  say?: (message: string) => void;
  /** The command line recorded in the lock (default: this process's arguments). */
  command?: string;
}

/** Locks held by this process, released at exit if the code that took them did not. */
const held = new Set<RunLock>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const lock of [...held]) lock.release();
  });
}

export { processAlive } from './partial-writes.ts';

/** The lock file's record, or null when it is missing or does not parse (a holder still writing it, or a crash mid-write). */
function readRecord(path: string): RunLockRecord | null {
  try {
    const r = JSON.parse(readFileSync(path, 'utf8')) as RunLockRecord;
    return typeof r.pid === 'number' && typeof r.host === 'string' ? r : null;
  } catch {
    return null;
  }
}

function describeHolder(r: RunLockRecord): string {
  return `process ${r.pid} on ${r.host} (started ${r.started}${r.command ? `: ${r.command}` : ''})`;
}

/** Sleep without an event loop (the lock is taken before anything else runs). */
function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Take the lock on run directory `dir` (created if missing) for this process.
 * @throws RunLockedError when a live process (or one on another host) holds it
 */
export function acquireRunLock(dir: string, opts: RunLockOptions = {}): RunLock {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, RUN_LOCK_FILE);
  const say = opts.say ?? ((m: string) => process.stderr.write(m + '\n'));
  const record: RunLockRecord = {
    pid: process.pid,
    host: hostname(),
    started: new Date().toISOString(),
    command: opts.command ?? ['bert', ...process.argv.slice(2)].join(' '),
  };
  // A few rounds: a stale lock is removed and the creation tried again; a concurrent taker may win that race.
  for (let attempt = 0; attempt < 5; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new Error(`cannot create the run lock ${path}: ${(err as Error).message}`);
      }
      let holder = readRecord(path);
      if (!holder) {
        // Being written this very moment, or left empty by a crash: look again shortly.
        sleepMs(200);
        holder = readRecord(path);
      }
      if (holder && (holder.host !== record.host || processAlive(holder.pid))) {
        const elsewhere = holder.host !== record.host ? ' (another host: its process cannot be checked from here)' : '';
        throw new RunLockedError(
          `${dir} is in use by ${describeHolder(holder)}${elsewhere}. Two runs writing into one directory would mix their ` +
            `checkpoints and metrics: wait for it to finish, stop it, or choose another --out. If that process is gone, delete ${path}.`,
          holder,
        );
      }
      if (!removeIfUnchanged(path, holder)) continue;
      say(
        holder
          ? `${dir}: taking over the lock of ${describeHolder(holder)}, which is no longer running (it ended without releasing ${path})`
          : `${dir}: taking over an unreadable lock file ${path} (left by a process that crashed while taking it)`,
      );
      continue;
    }
    try {
      writeSync(fd, JSON.stringify(record) + '\n');
    } finally {
      closeSync(fd);
    }
    return register(path, record);
  }
  throw new RunLockedError(`${dir}: could not take the run lock ${path}: other processes keep taking it`, readRecord(path));
}

/**
 * Remove a stale lock file, unless it changed since it was judged stale (another process took it over in
 * between, and it is no longer stale). Returns false when the file was not removed by us.
 */
function removeIfUnchanged(path: string, judged: RunLockRecord | null): boolean {
  const now = readRecord(path);
  if (JSON.stringify(now) !== JSON.stringify(judged)) return false;
  try {
    const age = Date.now() - statSync(path).mtimeMs;
    // An unreadable file younger than a second may still be being written by a live process.
    if (!judged && age < 1000) return false;
    unlinkSync(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw err;
  }
}

function register(path: string, record: RunLockRecord): RunLock {
  let released = false;
  const lock: RunLock = {
    path,
    record,
    release() {
      if (released) return;
      released = true;
      held.delete(lock);
      // Remove the file only while it is still ours.
      if (readRecord(path)?.pid === record.pid) {
        try {
          unlinkSync(path);
        } catch {
          // already gone
        }
      }
    },
  };
  held.add(lock);
  installExitHook();
  // Under the `bert` launcher, tell it about the lock: it removes the file if this process is killed.
  const launcher = (globalThis as Record<symbol, { reportLock?: (path: string) => void } | undefined>)[Symbol.for('bert-ts.launcher')];
  launcher?.reportLock?.(path);
  return lock;
}
