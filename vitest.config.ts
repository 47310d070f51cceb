import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // test/webgpu needs WebGPU: `npm run test:webgpu` runs it (vitest.webgpu.config.ts).
    exclude: [...configDefaults.exclude, 'test/webgpu/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // vitest's usual output, then one plain "N passed, N failed" line (test/summary-reporter.ts).
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
