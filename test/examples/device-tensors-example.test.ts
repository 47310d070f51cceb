/**
 * examples/08-device-tensors.ts runs (it takes a few seconds) and shows what it says it shows: results that
 * stay on the device until read, the device's loss and gradients equal to the host's, and an AdamW step
 * whose new weights stay on the device.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('examples/08-device-tensors.ts', () => {
  it('prints a device computation equal to the host one, and weights that stay on the device', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'examples/08-device-tensors.ts'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
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
