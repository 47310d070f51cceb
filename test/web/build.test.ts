/**
 * The browser build (web/build.mjs): the platform seam is switched to the browser and no Node-only global is
 * reached for in the bundles. The browser test (npm run test:browser) runs the page itself; this checks the
 * build in a second, without a browser.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without types
import { buildWeb } from '../../web/build.mjs';

describe('web build', () => {
  it('bundles the page, its worker, the cpu pool Web Worker and bert.js with the browser twins and no process.env, Buffer or os calls', async () => {
    const out = mkdtempSync(join(tmpdir(), 'web-build-'));
    try {
      await buildWeb(out, { quiet: true });
      const files = readdirSync(out);
      for (const f of ['index.html', 'style.css', 'main.js', 'worker.js', 'bert.js', 'cpu-web-worker.js']) expect(files).toContain(f);
      const js = files.filter((f) => f.endsWith('.js')).map((f) => [f, readFileSync(join(out, f), 'utf8')] as const);
      const all = js.map(([, t]) => t).join('\n');
      // host-browser.ts's answer (the browser's cores where isolated), not host-node.ts's os.availableParallelism();
      // the Web Worker pools, not the worker_threads ones
      expect(all).toContain('navigator?.hardwareConcurrency');
      expect(all).toContain('// src/accel/cpu/worker-pool-browser.ts');
      expect(all).toContain('// src/accel/wasm/threads-browser.ts');
      expect(all).not.toContain('// src/accel/cpu/worker-pool-node.ts');
      expect(all).not.toContain('// src/accel/wasm/threads-node.ts');
      for (const [name, text] of js) {
        expect({ name, found: /process\.env|availableParallelism|Buffer\.from/.exec(text)?.[0] ?? null }).toEqual({ name, found: null });
      }
      expect(all).toContain('is not available in a browser page');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
