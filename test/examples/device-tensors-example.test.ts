/**
 * examples/08-device-tensors.ts runs (it takes a few seconds) and shows what it says it shows: results that
 * stay on the device until read, the device's loss and gradients equal to the host's, and an AdamW step
 * whose new weights stay on the device.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runNode } from '../reliability/helpers.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('examples/08-device-tensors.ts', () => {
  it('prints a device computation equal to the host one, and weights that stay on the device', async () => {
    const run = await runNode(['--import', 'tsx', 'examples/08-device-tensors.ts'], { cwd: root, env: process.env });
    expect(run.status, run.stderr).toBe(0);
    const out = run.stdout;
    expect(out).toContain('w: on the host true, on the device true');
    expect(out).toContain('h = x w^T: on the host false, on the device true');
    const loss = out.match(/loss on the device (-?\d+\.\d+), on the host (-?\d+\.\d+)/);
    expect(loss).not.toBeNull();
    expect(loss![1]).toBe(loss![2]);
    const diffs = out.match(/max \|device - host\|: w ([\d.e+-]+), b ([\d.e+-]+)/);
    expect(diffs).not.toBeNull();
    expect(Number(diffs![1])).toBeLessThanOrEqual(1e-6);
    expect(Number(diffs![2])).toBeLessThanOrEqual(1e-6);
    expect(out).toContain('w.grad on the host? false');
    expect(out).toContain('after AdamW: w on the host? false');
  });
});
