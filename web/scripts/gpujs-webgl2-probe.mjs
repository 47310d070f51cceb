#!/usr/bin/env node
/**
 * How fast gpu.js's WebGL2 mode runs the library's matmul kernel in a Web Worker of headless Chromium (the
 * figures in docs/browser.md, "gpu.js in the page"). It serves a scratch page with gpu.js's browser build,
 * starts a Worker that compiles the kernel of src/accel/gpujs/matmul.ts (the same source text and options)
 * for a few of the playground model's shapes, and prints the time of createKernel, the first call (compile
 * and run) and the second call (run), per shape, in 'webgl2' and for comparison 'webasm'.
 *
 *   node --import tsx --experimental-websocket web/scripts/gpujs-webgl2-probe.mjs [chromium flags...]
 *
 * Chromium runs with --disable-gpu unless other flags are given: WebGL2 is then ANGLE on SwiftShader, a
 * GPU emulated on the CPU, which is what a CI machine without a GPU has. Each call has 120 s.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { MATMUL_DOT_PRODUCT } from '../../src/accel/gpujs/matmul.ts';
import { serveStatic } from '../serve.mjs';

/** matmul.ts's kernel source, put together as it does (thread x, y, z = column, row, batch index). */
const MATMUL_SOURCE = `function (a, b) {
  const j = this.thread.x;
  const i = this.thread.y;
  const z = this.thread.z;
  ${MATMUL_DOT_PRODUCT}
}`;

const SHAPES = [
  // mode, batch, m, n, k: C[batch, m, n] = A[batch, m, k] @ B[batch, k, n]
  ['webgl2', 1, 1024, 64, 64], // a projection of 32 x 32 tokens (query, key, value, attention output)
  ['webgl2', 1, 1024, 256, 64], // the feed-forward layer's first product
  ['webgl2', 64, 32, 32, 32], // attention scores: 32 sequences x 2 heads
  ['webasm', 1, 1024, 64, 64],
  ['webasm', 1, 1024, 256, 64],
];

const dir = mkdtempSync(join(tmpdir(), 'gpujs-probe-'));
const gpuJs = join(dirname(createRequire(import.meta.url).resolve('gpu.js/package.json')), 'dist/gpu-browser.js');
copyFileSync(gpuJs, join(dir, 'gpu-browser.js'));
writeFileSync(
  join(dir, 'worker.js'),
  `importScripts('gpu-browser.js');
onmessage = ({ data: [mode, batch, m, n, k] }) => {
  const t0 = performance.now();
  const ms = () => Math.round(performance.now() - t0);
  const times = {};
  try {
    const gpu = new GPU({ mode });
    const constants = { k, aBatchStride: m * k, bBatchStride: k * n, aRowStride: k, aColStride: 1, bRowStride: n, bColStride: 1 };
    const kernel = gpu.createKernel(${JSON.stringify(MATMUL_SOURCE)}, { output: [n, m, batch], constants, tactic: 'precision', precision: 'single', strictIntegers: true });
    kernel.setLoopMaxIterations(k);
    times.createKernel = ms();
    const a = new Float32Array(batch * m * k).map((_, i) => (i % 7) - 3);
    const b = new Float32Array(batch * k * n).map((_, i) => (i % 5) - 2);
    kernel(a, b);
    times.firstCall = ms() - times.createKernel;
    kernel(a, b);
    times.secondCall = ms() - times.createKernel - times.firstCall;
    times.mode = gpu.mode;
    gpu.destroy();
  } catch (e) {
    times.error = e.message;
  }
  postMessage(times);
};
`,
);
writeFileSync(
  join(dir, 'index.html'),
  `<!doctype html><script>
window.probe = (shape) => new Promise((done) => { const w = new Worker('worker.js'); w.onmessage = (e) => { w.terminate(); done(e.data); }; w.postMessage(shape); });
</script>`,
);

const flags = process.argv.slice(2).length ? process.argv.slice(2) : ['--disable-gpu'];
const { server, url } = await serveStatic(dir, 0);
const profile = mkdtempSync(join(tmpdir(), 'gpujs-probe-profile-'));
const chromium = spawn(
  process.env.CHROMIUM ?? 'chromium',
  ['--headless=new', '--no-sandbox', '--disable-dev-shm-usage', '--remote-debugging-port=0', `--user-data-dir=${profile}`, ...flags, 'about:blank'],
  { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
);
try {
  const wsUrl = await new Promise((done, fail) => {
    let err = '';
    chromium.on('error', fail);
    chromium.stderr.on('data', (d) => {
      err += d;
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(err);
      if (m) done(m[1]);
    });
  });
  const ws = new WebSocket(wsUrl);
  await new Promise((done) => (ws.onopen = done));
  let id = 0;
  const pending = new Map();
  ws.onmessage = (e) => {
    const m = JSON.parse(e.data);
    if (m.id) pending.get(m.id)?.(m);
  };
  const send = (method, params = {}, sessionId) =>
    new Promise((done) => {
      pending.set(++id, done);
      ws.send(JSON.stringify({ id, method, params, sessionId }));
    });
  const { result: target } = await send('Target.createTarget', { url: 'about:blank' });
  const { result: attached } = await send('Target.attachToTarget', { targetId: target.targetId, flatten: true });
  const evaluate = async (expression, seconds) => {
    const r = await Promise.race([
      send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true }, attached.sessionId),
      new Promise((done) => setTimeout(() => done(null), seconds * 1000)),
    ]);
    return r === null ? { error: `no answer within ${seconds} s` } : r.result.result.value;
  };
  await send('Page.navigate', { url }, attached.sessionId);
  await new Promise((r) => setTimeout(r, 1000));
  const renderer = await evaluate(
    `(() => { const gl = new OffscreenCanvas(1, 1).getContext('webgl2'); if (!gl) return 'no WebGL2'; const d = gl.getExtension('WEBGL_debug_renderer_info'); return gl.getParameter(d ? d.UNMASKED_RENDERER_WEBGL : gl.RENDERER); })()`,
    10,
  );
  console.log(`chromium flags: ${flags.join(' ')}; WebGL2 renderer: ${renderer}`);
  for (const shape of SHAPES) {
    const [mode, batch, m, n, k] = shape;
    const r = await evaluate(`probe(${JSON.stringify(shape)})`, 120);
    const what = `${mode.padEnd(6)} [${batch} x ${m} x ${k}] @ [${k} x ${n}]`;
    if (r.error) console.log(`${what}: ${r.error}`);
    else {
      const rate = (batch * m * n * k) / (r.secondCall / 1000) / 1e6;
      console.log(
        `${what}: createKernel ${r.createKernel} ms, first call ${r.firstCall} ms, second call ${r.secondCall} ms (${rate.toFixed(1)} million multiply-adds/s)`,
      );
    }
  }
  ws.close();
} finally {
  try {
    process.kill(-chromium.pid, 'SIGKILL');
  } catch {}
  server.close();
  server.closeAllConnections?.();
  rmSync(dir, { recursive: true, force: true });
  rmSync(profile, { recursive: true, force: true });
}
