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
 * BERT_RUNTIME_SETTINGS=off runs FILE in this process, unchanged. Ctrl-C reaches the child directly (same
 * process group); SIGTERM and SIGHUP sent to this process are passed on; the exit code is the child's.
 */
import { spawn } from 'node:child_process';
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

/** Load FILE (TypeScript through tsx, JavaScript as it is) in this process, with process.argv as `node FILE args...` gives it. */
async function runHere(file, args) {
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
  if (mode === 'off' || mode === 'applied') return runHere(absolute, args);
  const child = spawn(process.execPath, [...NODE_FLAGS, RUN_MJS, absolute, ...args], {
    stdio: 'inherit',
    env: { ...process.env, BERT_RUNTIME_SETTINGS: 'applied', GLIBC_TUNABLES: tunables(process.env.GLIBC_TUNABLES) },
  });
  process.on('SIGINT', () => {}); // the terminal sends it to the child too; let the child decide
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  const { code, signal } = await new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (c, s) => resolve({ code: c, signal: s }));
  });
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  }
  process.exitCode = code ?? 1;
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
