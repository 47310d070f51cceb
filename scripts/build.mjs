#!/usr/bin/env node
/**
 * `npm run build` (and `npm pack`, through prepack): compile src/ to dist/ as ESM JavaScript with .d.ts files
 * and source maps (tsconfig.build.json), for plain node, bundlers and TypeScript users of the package.
 *
 * TypeScript does most of the job: rewriteRelativeImportExtensions turns the sources' `./x.ts` imports into
 * `./x.js` in the JavaScript. What this script adds: it empties dist/ first (a file removed from src/ must
 * not linger in the package); it gives the .d.ts files the same `./x.js` paths (tsc leaves `./x.ts` there,
 * which TypeScript before 5.0 refuses); and it checks the output where a mistake would only show once
 * installed:
 *   - no emitted .js file still imports a relative `.ts` path (node would fail to find it);
 *   - the worker threads' entry files exist: compiled, accel/cpu/worker-pool-node.js starts `cpu-worker.js`
 *     and accel/gpujs/webgpu-backend.js starts `device-worker.js` beside themselves, by URL, which no
 *     import links to.
 * (The wasm backend needs no file: its module is embedded in wasm/matmul-wasm.ts, and its workers run
 * an inline script. cpu/tsx-worker.mjs only starts workers from the TypeScript sources, so it is not copied.)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const WORKER_ENTRIES = ['accel/cpu/cpu-worker.js', 'accel/gpujs/device-worker.js'];

function fail(message) {
  console.error(`build: ${message}`);
  process.exit(1);
}

rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const run = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (run.status !== 0) fail(`tsc -p tsconfig.build.json exited with ${run.status ?? run.signal}`);

/** Every file under `dir`, as paths relative to it. */
function filesUnder(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath ?? e.path, e.name)));
}

const files = filesUnder(dist);
// import/export ... from './x.ts', import './x.ts' and import('./x.ts'): group 1 is up to the quote, group 2 the path
const TS_SPECIFIER = /((?:from\s+|import\s*\(\s*|import\s+)['"])(\.{1,2}\/[^'"]*)\.ts(?=['"])/g;
for (const file of files.filter((f) => f.endsWith('.d.ts'))) {
  const text = readFileSync(path.join(dist, file), 'utf8');
  const rewritten = text.replace(TS_SPECIFIER, '$1$2.js');
  if (rewritten !== text) writeFileSync(path.join(dist, file), rewritten);
}
for (const file of files.filter((f) => f.endsWith('.js') || f.endsWith('.d.ts'))) {
  const text = readFileSync(path.join(dist, file), 'utf8');
  for (const m of text.matchAll(TS_SPECIFIER)) fail(`dist/${file} imports "${m[2]}.ts": a .ts path that plain node cannot load`);
}
for (const entry of WORKER_ENTRIES) {
  if (!existsSync(path.join(dist, entry))) fail(`dist/${entry} is missing: a worker thread starts from it`);
}
const bytes = files.reduce((sum, f) => sum + readFileSync(path.join(dist, f)).length, 0);
console.log(`build: dist/ holds ${files.length} files, ${(bytes / 1e6).toFixed(1)} MB`);
