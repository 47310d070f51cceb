/**
 * A tiled product whose shader WebGPU rejects must not leave zeros: the first compile of each shape waits
 * for WebGPU's verdict, says on stderr that the shader was rejected (once), and that shape runs gpu.js's
 * kernel instead (src/accel/gpujs/tiled-products.ts, TiledProducts.compile). Needs WebGPU, so it runs in
 * `npm run test:webgpu` (vitest.webgpu.config.ts; on a machine without a GPU through lavapipe).
 *
 * The stack runs in a thread of its own (tiled-fallback-worker.ts), as in the device worker: a thread
 * that holds Dawn must end on its own, which vitest's threads do not.
 */
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/tensor/random.ts';
import type { FallbackCase, FallbackReport } from './tiled-fallback-worker.ts';

function runFallbackWorker(c: FallbackCase): Promise<FallbackReport> {
  const entry = new URL('./tiled-fallback-worker.ts', import.meta.url).href;
  const worker = new Worker(new URL('../../src/accel/cpu/tsx-worker.mjs', import.meta.url), { workerData: { entry, case: c } });
  return new Promise((resolve, reject) => {
    let report: FallbackReport | null = null;
    worker.on('message', (r: FallbackReport) => {
      report = r;
    });
    worker.on('error', reject);
    worker.on('exit', (code) => (report ? resolve(report) : reject(new Error(`the fallback worker exited with code ${code} and no report`))));
  });
}

/** A random m x k A and k x n B, and their product computed here in float64. */
function randomProduct(seed: string, m: number, k: number, n: number): { a: Float32Array; b: Float32Array; want: Float64Array } {
  const rng = new Rng(seed);
  const a = Float32Array.from({ length: m * k }, () => rng.uniform(-1, 1));
  const b = Float32Array.from({ length: k * n }, () => rng.uniform(-1, 1));
  const want = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) want[i * n + j] += a[i * k + p] * b[p * n + j];
  return { a, b, want };
}

function expectProduct(got: Float32Array, want: Float64Array): void {
  expect(got).toHaveLength(want.length);
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(want[i])));
}

describe('tiled products on WebGPU, when something goes wrong', () => {
  const [m, k, n] = [5, 7, 9];

  it("a shader WebGPU rejects is reported once, and its shape runs gpu.js's kernel instead of leaving zeros", async () => {
    const { a, b, want } = randomProduct('rejected-shader', m, k, n);
    const report = await runFallbackWorker({ scenario: 'rejected-shader', m, k, n, a, b });

    const rejected = report.errors.filter((e) => e.includes('WebGPU rejected the shader'));
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatch(/^tiled product matmul .*undefined_function.*; using gpu\.js's kernel$/s);
    expect(report.readError).toBeNull();
    expect(report.results).toHaveLength(2);
    for (const c of report.results) expectProduct(c, want);
  });

  it('a product on a lost device fails at the next read, with a message that says so', async () => {
    const { a, b, want } = randomProduct('lost-device', m, k, n);
    const report = await runFallbackWorker({ scenario: 'lost-device', m, k, n, a, b });

    expect(report.results).toHaveLength(1); // before the loss
    expectProduct(report.results[0], want);
    expect(report.readError).toMatch(/matmul of 45 values .* failed: WebGPU device was lost: the values of its buffers are gone/);
  });
});
