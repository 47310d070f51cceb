#!/usr/bin/env node
/**
 * Build the playground into a static folder (default web/dist): index.html, style.css, main.js (the page),
 * worker.js (the Web Worker that trains), cpu-web-worker.js (a Web Worker of the cpu kernels' thread pool;
 * the wasm matmul's workers are an inline script), bert.js (the whole library as one ES module for a page of one's
 * own) and the chunks they share or load lazily (gpu.js). Any static host can serve it, with the
 * two headers that give the page SharedArrayBuffer (docs/browser.md):
 *   Cross-Origin-Opener-Policy: same-origin
 *   Cross-Origin-Embedder-Policy: require-corp
 *
 *   node web/build.mjs [outdir]
 *
 * The library is bundled from its TypeScript sources by esbuild, with the platform seam switched to the
 * browser: an import of `x-node.ts` becomes `x-browser.ts` when that twin exists (src/accel/host-*.ts), and
 * Node's built-in modules (node:fs, node:path, ...), which only the file functions and the worker pools
 * use, become a stand-in whose every function throws "node:fs.readFileSync is not available in a browser
 * page". The page calls only the byte and text forms of the file functions.
 */
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const WEB = dirname(fileURLToPath(import.meta.url));

/** esbuild plugin: the browser side of the platform seam. */
export const browserPlatform = {
  name: 'bert-browser-platform',
  setup(b) {
    b.onResolve({ filter: /-node\.ts$/ }, (args) => {
      const twin = resolve(args.resolveDir, args.path.replace(/-node\.ts$/, '-browser.ts'));
      return existsSync(twin) ? { path: twin } : undefined;
    });
    b.onResolve({ filter: /^node:/ }, (args) => ({ path: args.path, namespace: 'node-builtin' }));
    b.onLoad({ filter: /.*/, namespace: 'node-builtin' }, (args) => ({
      loader: 'js',
      // CommonJS, so that any named import resolves; a function is reached only when called.
      contents: `const name = ${JSON.stringify(args.path)};
module.exports = new Proxy({}, {
  get(_, key) {
    if (key === '__esModule') return false;
    const what = key === 'default' ? name : name + '.' + String(key);
    const fail = () => { throw new Error(what + ' is not available in a browser page'); };
    return new Proxy(fail, { get: (_t, k) => (k === 'then' ? undefined : fail) });
  },
});`,
    }));
  },
};

/** Build the page into `outdir` (emptied first). @returns the output folder */
export async function buildWeb(outdir = join(WEB, 'dist'), { quiet = false } = {}) {
  const t0 = Date.now();
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  await build({
    // bert.js is the whole library (src/index.ts) for pages of one's own: import { BertConfig, ... } from './bert.js'.
    // cpu-web-worker.js is a Web Worker of the cpu kernels' pool (src/accel/cpu/worker-pool-browser.ts finds it beside itself).
    entryPoints: {
      main: join(WEB, 'src/main.ts'),
      worker: join(WEB, 'src/worker.ts'),
      bert: join(WEB, '../src/index.ts'),
      'cpu-web-worker': join(WEB, '../src/accel/cpu/cpu-web-worker.ts'),
    },
    outdir,
    bundle: true,
    format: 'esm',
    splitting: true,
    platform: 'browser',
    target: 'es2022',
    sourcemap: true,
    logLevel: quiet ? 'error' : 'warning',
    plugins: [browserPlatform],
    // gpu.js's optional Node-side dependencies (headless GL) are never loaded in a page.
    external: ['gl', 'gl-wiretap'],
  });
  for (const file of ['index.html', 'style.css']) copyFileSync(join(WEB, 'static', file), join(outdir, file));
  if (!quiet) console.log(`web: built ${outdir} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return outdir;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildWeb(process.argv[2] ? resolve(process.argv[2]) : undefined).catch((e) => {
    console.error(`web build failed: ${e.message}`);
    process.exit(1);
  });
}
