/** Shared by the reliability tests: starting `bert` and scripts in child processes, waiting on them. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..', '..');
export const RUN_MJS = join(ROOT, 'bin', 'run.mjs');
export const BERT = join(ROOT, 'bin', 'bert.mjs');

/** Environment for a child: the launcher's settings not inherited from the test process. */
export function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return { ...process.env, BERT_RUNTIME_SETTINGS: undefined, GLIBC_TUNABLES: undefined, BERT_BACKEND: undefined, ...extra };
}

/** What a finished child gave: its exit code (null if a signal ended it), the signal, its output. */
export interface Finished {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Run `node ARGS` to the end, asynchronously: the test's worker keeps answering vitest while the child runs
 * (a synchronous spawn would hold its event loop for the child's whole run, which on a loaded machine can
 * outlast vitest's 60 s RPC timeout and fail the suite after every test passed). Killed after `timeoutMs`.
 */
export function runNode(
  args: string[],
  opts: { cwd?: string; input?: string | Uint8Array; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<Finished> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, { env: opts.env ?? childEnv(), cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    child.stderr!.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolvePromise({ status, signal, stdout, stderr });
    });
    child.stdin!.on('error', () => {}); // a child that exits without reading its input
    child.stdin!.end(opts.input ?? '');
  });
}

/** Run `bert ARGS` to the end (the real launcher and CLI, in child processes). */
export function runBert(args: string[], opts: { cwd?: string; input?: string | Uint8Array } = {}): Promise<Finished> {
  return runNode([BERT, ...args], opts);
}

/** A started process with its output collected as it comes. */
export interface Started {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function start(args: string[], env: NodeJS.ProcessEnv = childEnv()): Started {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (t: string) => (out += t));
  child.stderr!.setEncoding('utf8').on('data', (t: string) => (err += t));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.on('exit', (code, signal) => res({ code, signal })));
  return { child, out: () => out, err: () => err, exit };
}

/** Wait until `condition()` gives a value, checking every `everyMs`; fail after `ms`, naming `what`. */
export async function waitFor<T>(condition: () => T | undefined | null | false, ms: number, what: string, everyMs = 20): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = condition();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Whether process `pid` is running (a zombie, dead but not yet reaped by its new parent, is not). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true; // no /proc: trust kill(pid, 0)
  }
}
