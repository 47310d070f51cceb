/**
 * One WebGPU device backend at a time: a thread that holds Dawn crashes the process when it ends while
 * another thread uses Dawn (src/accel/gpujs/webgpu-setup.ts), so a second WebGPU worker is refused with an
 * error instead. Needs WebGPU: `npm run test:webgpu`.
 */
import { describe, expect, it } from 'vitest';
import { registerDeviceBackend, releaseDeviceBackend } from '../../src/accel/gpujs/webgpu-backend.ts';

describe('the WebGPU device backend', () => {
  it('refuses a second WebGPU worker while one is registered, and registers it once the first is released', async () => {
    const first = registerDeviceBackend('webgpu', 'webgpu-backend-test-first');
    try {
      expect(registerDeviceBackend('webgpu', 'webgpu-backend-test-first')).toBe(first); // the same name: the same backend
      expect(() => registerDeviceBackend('webgpu', 'webgpu-backend-test-second')).toThrow(
        'registerDeviceBackend: WebGPU backend "webgpu-backend-test-first" is registered; release it first (releaseDeviceBackend) to register "webgpu-backend-test-second"',
      );
    } finally {
      expect(await releaseDeviceBackend(first)).toBe('exited');
    }
    const second = registerDeviceBackend('webgpu', 'webgpu-backend-test-second');
    expect(await releaseDeviceBackend(second)).toBe('exited');
  });
});
