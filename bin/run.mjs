#!/usr/bin/env node
/**
 * Run one of the project's TypeScript files with the runtime settings that training wants:
 *
 *   node bin/run.mjs FILE.ts [args...]      (the `bert` command is this with src/cli/main.ts)
 *
 * FILE may also be JavaScript (the installed package's dist/cli/main.js): then tsx is not needed.
 *
 * It starts a second node process for FILE, with two settings that a process can only take at start-up:
 *
 * - `--max-semi-space-size=64` (MB): V8's young generation. Every tensor op allocates small objects (the
 *   Tensor, its shape, the backward closure); with the default 16 MB the collector ran so often that it took
 *   16% of a BERT-Tiny training step.
 * - GLIBC_TUNABLES fixing malloc's mmap threshold at 32 MB (the most glibc accepts on 64-bit) and raising
 *   its trim threshold: each op's output is a fresh typed array of up to tens of MB, which glibc would
 *   otherwise often get from the kernel with mmap and hand back with munmap (or trim), so that every page of
 *   every activation costs a page fault on first write. Kept in the process, freed blocks are reused (the
 *   process keeps its peak memory, as ML frameworks' caching allocators do). A 4M-element dropout:
 *   45-49 -> 30-35 ms; a BERT-Mini training step about 25% faster (docs/performance.md). (The trim threshold
 *   alone is worse than nothing: it turns off glibc's adaptive mmap threshold.)
 *
 * BERT_RUNTIME_SETTINGS=off runs FILE in this process, unchanged.
 *
 * The two processes live and die together (docs/reliability.md, "The command line"):
 *
 * - SIGINT, SIGTERM and SIGHUP sent to this process are passed on to the child, and this process then ends
 *   as the child did: with its exit code, or killed by the same signal (a shell shows 128 + N: 130 for
 *   SIGINT, 143 for SIGTERM). A Ctrl-C in a terminal reaches both processes (one process group), so the child
 *   sees it twice within a moment; a handler that counts Ctrl-Cs must count those as one.
 * - The child dies with this process, even when this one is killed with SIGKILL and can pass nothing on: it
 *   gets a pipe (file descriptor 3) whose other end only this process holds. A worker thread in the child
 *   waits on it (a thread, so that a training loop that never yields cannot delay it) and, when the pipe
 *   closes, sends the child SIGTERM.
 * - The child reports on that pipe the run-directory locks it takes (src/train/run-lock.ts); when the child
 *   is killed before it could release one, this process removes it (only if it still names the child).
 */
import { spawn } from 'node:child_process';
import { fstatSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const NODE_FLAGS = ['--max-semi-space-size=64'];
export const MALLOC_TUNABLES = ['glibc.malloc.mmap_threshold=33554432', 'glibc.malloc.trim_threshold=17179869184'];

const RUN_MJS = fileURLToPath(import.meta.url);

/** GLIBC_TUNABLES with ours added, unless the user already set those keys. */
function tunables(existing) {
  const items = existing ? existing.split(':').filter(Boolean) : [];
  for (const t of MALLOC_TUNABLES) {
    const key = t.split('=')[0];
    if (!items.some((i) => i.startsWith(key + '='))) items.push(t);
  }
  return items.join(':');
}

/** File descriptor of the pipe from the launcher in the child (stdio index 3). */
const LAUNCHER_FD = 3;
/** Where the child finds `reportLock(path)` (src/train/run-lock.ts calls it). */
export const LAUNCHER_KEY = Symbol.for('bert-ts.launcher');

/** Runs in a worker thread of the child: when the launcher's end of the pipe closes, SIGTERM the process. */
const WATCHER = `
const net = require('node:net');
const kill = () => process.kill(process.pid, 'SIGTERM');
const pipe = new net.Socket({ fd: ${LAUNCHER_FD}, readable: true, writable: false });
pipe.on('data', () => {});
pipe.on('end', kill);
pipe.on('error', kill);
`;

/**
 * In the child: watch the launcher's pipe (see the header) and offer `reportLock` to the code it runs.
 * Does nothing when file descriptor 3 is not a socket (nothing to watch).
 */
async function watchLauncher() {
  try {
    if (!fstatSync(LAUNCHER_FD).isSocket()) return;
  } catch {
    return;
  }
  const { Worker } = await import('node:worker_threads');
  new Worker(WATCHER, { eval: true }).unref();
  globalThis[LAUNCHER_KEY] = {
    reportLock(lockPath) {
      try {
        writeSync(LAUNCHER_FD, JSON.stringify({ lock: path.resolve(lockPath) }) + '\n');
      } catch {
        // The launcher is gone: the watcher is about to end this process anyway.
      }
    },
  };
}

/** Load FILE (TypeScript through tsx, JavaScript as it is) in this process, with process.argv as `node FILE args...` gives it. */
async function runHere(file, args, watch = false) {
  if (watch) await watchLauncher();
  if (/\.[cm]?ts$/.test(file)) {
    const { register } = await import('tsx/esm/api');
    register();
  }
  process.argv = [process.argv[0], file, ...args];
  await import(pathToFileURL(file).href);
}

/** Run `file` with `args` in a child node process with the settings above; resolves when it has ended. */
export async function runWithSettings(file, args) {
  const absolute = path.resolve(file);
  const mode = process.env.BERT_RUNTIME_SETTINGS;
  // 'applied' marks the child this function started; it is removed again so that a node process the child
  // starts in turn (a benchmark, `npx bert` from a script) gets the settings too.
  if (mode === 'applied') delete process.env.BERT_RUNTIME_SETTINGS;
  if (mode === 'off' || mode === 'applied') return runHere(absolute, args, mode === 'applied');
  const child = spawn(process.execPath, [...NODE_FLAGS, RUN_MJS, absolute, ...args], {
    stdio: ['inherit', 'inherit', 'inherit', 'pipe'],
    env: { ...process.env, BERT_RUNTIME_SETTINGS: 'applied', GLIBC_TUNABLES: tunables(process.env.GLIBC_TUNABLES) },
  });
  const locks = collectLockReports(child.stdio[LAUNCHER_FD]);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  const { code, signal } = await new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (c, s) => resolve({ code: c, signal: s }));
  });
  // Lock reports written just before the child died may still be in the pipe: read to its end (briefly).
  await new Promise((resolve) => {
    const pipe = child.stdio[LAUNCHER_FD];
    if (pipe.readableEnded || pipe.destroyed) return resolve();
    const timer = setTimeout(resolve, 200);
    pipe.once('close', () => (clearTimeout(timer), resolve()));
  });
  releaseLocksOf(child.pid, locks);
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  }
  process.exitCode = code ?? 1;
}

/** The lock files the child reports on the pipe, one JSON line each: {"lock": PATH}. */
function collectLockReports(pipe) {
  const locks = new Set();
  let buffered = '';
  pipe.setEncoding('utf8');
  pipe.on('data', (text) => {
    buffered += text;
    let nl;
    while ((nl = buffered.indexOf('\n')) !== -1) {
      try {
        const report = JSON.parse(buffered.slice(0, nl));
        if (typeof report.lock === 'string') locks.add(report.lock);
      } catch {
        // not a report of ours: ignore
      }
      buffered = buffered.slice(nl + 1);
    }
  });
  pipe.on('error', () => {});
  return locks;
}

/** Remove the lock files that still name `pid`: the child ended (perhaps by a signal) without releasing them. */
function releaseLocksOf(pid, locks) {
  for (const lock of locks) {
    try {
      if (JSON.parse(readFileSync(lock, 'utf8')).pid === pid) unlinkSync(lock);
    } catch {
      // gone already, or taken over by another run: not ours to remove
    }
  }
}

if (process.argv[1] === RUN_MJS) {
  const [file, ...args] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node bin/run.mjs FILE.ts [args...]');
    process.exitCode = 2;
  } else {
    await runWithSettings(file, args);
  }
}
