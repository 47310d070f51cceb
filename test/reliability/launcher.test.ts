/**
 * The `bert` launcher (bin/run.mjs) and its child live and die together: a SIGKILLed launcher takes its child
 * with it, signals reach the child, the launcher ends as the child did, and a lock the killed child held is
 * released. The child is a small script (fixtures/launched-child.ts) whose main thread is blocked, as a
 * training loop's is between checkpoints.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { alive, RUN_MJS, start, waitFor, type Started } from './helpers.ts';

const CHILD = join(__dirname, 'fixtures', 'launched-child.ts');
const dir = mkdtempSync(join(tmpdir(), 'launcher-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Processes the tests started: whatever a failing test leaves running is killed after it. */
const startedPids: number[] = [];
afterEach(() => {
  for (const pid of startedPids.splice(0)) if (alive(pid)) process.kill(pid, 'SIGKILL');
});

/** `exit`, or null when it does not come within `ms`. */
function within<T>(exit: Promise<T>, ms: number): Promise<T | null> {
  return Promise.race([exit, new Promise<null>((r) => setTimeout(() => r(null), ms))]);
}

/** Start the launcher on the fixture and wait for the child to report its pid. */
async function launch(...args: string[]): Promise<Started & { childPid: number }> {
  const s = start([RUN_MJS, CHILD, ...args]);
  startedPids.push(s.child.pid!);
  const line = await waitFor(
    () =>
      s
        .out()
        .split('\n')
        .find((l) => l.startsWith('{"pid"')),
    30_000,
    'the child to start',
  );
  const childPid = JSON.parse(line).pid as number;
  startedPids.push(childPid);
  return { ...s, childPid };
}

describe('bin/run.mjs: the child dies with its launcher', () => {
  it('SIGKILL of the launcher ends the child (whose main thread is busy)', async () => {
    const s = await launch('block');
    expect(s.childPid).not.toBe(s.child.pid);
    s.child.kill('SIGKILL');
    await s.exit;
    await waitFor(() => !alive(s.childPid), 5000, `child ${s.childPid} to end after its launcher was killed`);
  });
});

describe('bin/run.mjs: signals reach the child, the launcher ends as the child did', () => {
  it('SIGINT sent to the launcher alone is passed on; both end by SIGINT (a shell shows 130)', async () => {
    const s = await launch('block');
    s.child.kill('SIGINT');
    expect(await within(s.exit, 10_000)).toEqual({ code: null, signal: 'SIGINT' });
    await waitFor(() => !alive(s.childPid), 5000, 'the child to end');
  });

  it('SIGTERM and SIGHUP are passed on too', async () => {
    for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
      const s = await launch('block');
      s.child.kill(signal);
      expect(await within(s.exit, 10_000)).toEqual({ code: null, signal });
      await waitFor(() => !alive(s.childPid), 5000, 'the child to end');
    }
  });

  it("a child that handles SIGINT decides: the launcher exits with the child's code (130)", async () => {
    const s = await launch('handle-sigint');
    s.child.kill('SIGINT');
    expect(await within(s.exit, 10_000)).toEqual({ code: 130, signal: null });
    expect(s.out()).toContain('child got SIGINT');
  });
});

describe('bin/run.mjs: run locks of a killed child are released', () => {
  it('removes the run.lock the child held when the child is killed by a signal', async () => {
    const runDir = join(dir, 'run');
    const s = await launch('lock', runDir);
    expect(existsSync(join(runDir, 'run.lock'))).toBe(true);
    s.child.kill('SIGTERM');
    expect((await within(s.exit, 10_000))?.signal).toBe('SIGTERM');
    expect(existsSync(join(runDir, 'run.lock'))).toBe(false);
  });
});
