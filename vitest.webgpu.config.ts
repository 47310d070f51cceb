import { defineConfig } from 'vitest/config';

/**
 * `npm run test:webgpu`: the tests that need WebGPU (scripts/webgpu-local.sh gives it to node on a machine
 * without a GPU). Threads, not forks: a forked child would start without the newer C library Dawn needs.
 */
export default defineConfig({
  test: {
    include: ['test/accel/device-tensors.test.ts', 'test/webgpu/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'threads',
    // One file at a time: a thread that holds Dawn crashes the process when it ends while another thread
    // uses Dawn (src/accel/gpujs/webgpu-setup.ts), and each file starts such threads.
    fileParallelism: false,
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
