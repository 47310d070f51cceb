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
  it('bundles the page, its worker and bert.js with host-browser.ts and no process.env, Buffer or os calls', async () => {
    const out = mkdtempSync(join(tmpdir(), 'web-build-'));
    try {
      await buildWeb(out, { quiet: true });
      const files = readdirSync(out);
      for (const f of ['index.html', 'style.css', 'main.js', 'worker.js', 'bert.js']) expect(files).toContain(f);
      const js = files.filter((f) => f.endsWith('.js')).map((f) => [f, readFileSync(join(out, f), 'utf8')] as const);
      const all = js.map(([, t]) => t).join('\n');
      // host-browser.ts's one-thread answer, not host-node.ts's os.availableParallelism()
      expect(all).toMatch(/function hostThreads\(\) \{\s*return 1;/);
      for (const [name, text] of js) {
        expect({ name, found: /process\.env|availableParallelism|Buffer\.from/.exec(text)?.[0] ?? null }).toEqual({ name, found: null });
      }
      expect(all).toContain('is not available in a browser page');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
