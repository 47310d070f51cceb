/**
 * The run-directory lock (src/train/run-lock.ts): a second taker is refused with the holder's pid and the
 * folder, a lock left by a dead process is taken over with a message, one from another host is refused.
 * (The commands that take it: run-lock-cli.test.ts.)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireRunLock, RUN_LOCK_FILE, RunLockedError } from '../../src/train/run-lock.ts';
import { alive } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'run-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A process id that is certainly not running: a process that has ended. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  if (!r.pid || alive(r.pid)) throw new Error('expected the process to have ended');
  return r.pid;
}

describe('acquireRunLock', () => {
  it('writes pid, host and start time; a second taker is refused with the pid and the folder; release removes it', () => {
    const run = join(dir, 'a');
    const lock = acquireRunLock(run, { say: () => {} });
    const record = JSON.parse(readFileSync(join(run, RUN_LOCK_FILE), 'utf8'));
    expect(record).toMatchObject({ pid: process.pid, host: hostname() });
    expect(Date.parse(record.started)).toBeGreaterThan(Date.now() - 60_000);
    let err: unknown;
    try {
      acquireRunLock(run, { say: () => {} });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RunLockedError);
    expect((err as Error).message).toContain(`${run} is in use by process ${process.pid} on ${hostname()}`);
    lock.release();
    expect(existsSync(join(run, RUN_LOCK_FILE))).toBe(false);
    acquireRunLock(run, { say: () => {} }).release();
  });

  it('takes over a lock whose process is no longer running, and says so', () => {
    const run = join(dir, 'stale');
    mkdirSync(run, { recursive: true });
    const pid = deadPid();
    writeFileSync(join(run, RUN_LOCK_FILE), JSON.stringify({ pid, host: hostname(), started: '2020-01-01T00:00:00.000Z', command: 'bert pretrain' }));
    const said: string[] = [];
    const lock = acquireRunLock(run, { say: (m) => said.push(m) });
    expect(said.join('\n')).toContain(`taking over the lock of process ${pid} on ${hostname()}`);
    expect(said.join('\n')).toContain('no longer running');
    expect(JSON.parse(readFileSync(lock.path, 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it('refuses a lock held on another host (its process cannot be checked from here)', () => {
    const run = join(dir, 'remote');
    mkdirSync(run, { recursive: true });
    writeFileSync(join(run, RUN_LOCK_FILE), JSON.stringify({ pid: deadPid(), host: 'some-other-host', started: '2020-01-01T00:00:00.000Z', command: '' }));
    expect(() => acquireRunLock(run, { say: () => {} })).toThrow(/in use by process \d+ on some-other-host .*another host/);
  });
});
