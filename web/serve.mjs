#!/usr/bin/env node
/**
 * Serve the playground on 127.0.0.1 with the headers that make the page cross-origin isolated
 * (SharedArrayBuffer and shared WebAssembly memory, which the wasm kernels use):
 *   Cross-Origin-Opener-Policy: same-origin
 *   Cross-Origin-Embedder-Policy: require-corp
 *
 *   node web/serve.mjs [--port N] [--dir web/dist] [--no-build]
 *
 * It builds the page first (web/build.mjs) unless --no-build, and prints the URL. Port 0 picks a free port.
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildWeb } from './build.mjs';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
};

/**
 * Serve `dir` on 127.0.0.1:`port`; `isolated: false` leaves out COOP/COEP (the browser test checks the
 * page's fallback that way). @returns the server and its URL once listening
 */
export function serveStatic(dir, port = 0, { isolated = true } = {}) {
  const root = resolve(dir);
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = normalize(join(root, path.endsWith('/') ? path + 'index.html' : path));
    const headers = isolated
      ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cache-Control': 'no-store' }
      : { 'Cache-Control': 'no-store' };
    let ok = false;
    try {
      ok = (file === root || file.startsWith(root + sep)) && statSync(file).isFile();
    } catch {
      ok = false;
    }
    if (!ok) {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' }).end(`not found: ${path}\n`);
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => done({ server, url: `http://127.0.0.1:${server.address().port}/` }));
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const value = (flag, fallback) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : fallback);
  const port = Number(value('--port', '8080'));
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port: expected an integer from 0 to 65535, found "${value('--port')}"`);
    process.exit(1);
  }
  try {
    const dir = args.includes('--no-build') ? resolve(value('--dir', 'web/dist')) : await buildWeb(value('--dir') ? resolve(value('--dir')) : undefined);
    const { url } = await serveStatic(dir, port);
    console.log(`bert-ts playground: ${url}   (Ctrl-C stops it)`);
  } catch (e) {
    console.error(e.code === 'EADDRINUSE' ? `port ${port} is in use: pick another with --port N (0 = any free port)` : `web: ${e.message}`);
    process.exit(1);
  }
}
