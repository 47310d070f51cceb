/**
 * src/index.ts re-exports the tensor core unchanged: every name the core tests import (test/ops/core.ts) is the
 * same object in the public API.
 */
import { describe, expect, it } from 'vitest';
import * as api from '../../src/index.ts';
import * as core from './core.ts';

describe('public API', () => {
  it('exports every tensor, autograd and ops name of the core, as the same object', () => {
    const names = Object.keys(core);
    expect(names.length).toBeGreaterThan(80);
    const missing = names.filter((n) => !(n in api));
    expect(missing).toEqual([]);
    const different = names.filter((n) => (api as Record<string, unknown>)[n] !== (core as Record<string, unknown>)[n]);
    expect(different).toEqual([]);
  });

  it('loading src/index.ts wires tensor.backward() to the engine and registers and selects the cpu kernels', () => {
    const x = api.tensor([2], { requiresGrad: true });
    api.sum(api.matmul(api.reshape(x, [1, 1]), api.reshape(x, [1, 1]))).backward();
    expect(x.grad!.item()).toBe(4);
    expect(api.getBackend()).toBe('cpu');
    expect(api.hasKernel('matmul', 'cpu')).toBe(true);
  });
});
