/**
 * The dispatch seam (src/autograd/dispatch.ts): the reference when nothing is registered, a registered
 * kernel for the active backend or for the backend holding an input, declining and fallbacks, and the
 * errors (a kernel registered twice, an unknown backend).
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  dispatch,
  getBackend,
  hasKernel,
  listBackends,
  matmul,
  matmulBlocked,
  matmulKernelFrom,
  type matmulReference,
  registerBackend,
  registerKernel,
  setBackend,
  Tensor,
  tensor,
  unregisterKernel,
  type ExternalValues,
  type MatmulArgs,
} from '../../src/index.ts';

afterEach(() => setBackend('cpu'));

describe('dispatch', () => {
  it('the cpu backend is active once the library is loaded, and offers matmul but not softmax (attention runs scaledMaskedSoftmax, which it offers)', () => {
    expect(getBackend()).toBe('cpu');
    expect(listBackends()).toContain('cpu');
    expect(hasKernel('matmul', 'cpu')).toBe(true);
    expect(hasKernel('softmax', 'cpu')).toBe(false);
    expect(hasKernel('scaledMaskedSoftmax', 'cpu')).toBe(true);
  });

  it('with no backend active every op runs its reference', () => {
    setBackend(null);
    expect(getBackend()).toBe('reference');
    const calls: string[] = [];
    const out = dispatch('sketch', { x: tensor([1, 2]) }, { k: 3 }, ({ x }, { k }) => {
      calls.push('reference');
      return x.size * k;
    });
    expect(out).toBe(6);
    expect(calls).toEqual(['reference']);
  });

  it('a registered backend is used by the ops once selected; a kernel that declines or is missing falls back in order', () => {
    registerBackend('test-recording', 'cpu');
    const calls: MatmulArgs[] = [];
    registerKernel<typeof matmulReference>(
      'matmul',
      'test-recording',
      matmulKernelFrom((args) => {
        calls.push(args);
        matmulBlocked(args);
      }),
    );
    const a = tensor([
      [1, 2],
      [3, 4],
    ]);
    matmul(a, a);
    expect(calls).toHaveLength(0); // still on cpu
    setBackend('test-recording');
    expect(getBackend()).toBe('test-recording');
    expect(matmul(a, a).toArray()).toEqual([
      [7, 10],
      [15, 22],
    ]);
    expect(calls).toHaveLength(1);
    // Declining (null) hands over to the fallback backend and then to the reference.
    registerKernel('sketch', 'test-recording', () => null);
    expect(dispatch('sketch', {}, null, () => 'reference')).toBe('reference');
    unregisterKernel('matmul', 'test-recording');
    unregisterKernel('sketch', 'test-recording');
  });

  it('an input held by a backend sends the op to that backend, whichever is active', () => {
    registerBackend('test-holder', null);
    registerKernel('double', 'test-holder', ({ x }: { x: Tensor }) => x.size * 2);
    const holder: ExternalValues = { backend: 'test-holder', size: 2, dtype: 'float32', read: () => new Float32Array([5, 6]), rewrite: () => holder };
    const held = Tensor.fromExternal(holder, [2], 'float32');
    const reference = ({ x }: { x: Tensor }) => -x.size;
    expect(dispatch('double', { x: held }, null, reference)).toBe(4);
    expect(dispatch('double', { x: tensor([1, 2]) }, null, reference)).toBe(-2);
    expect(Array.from(held.data)).toEqual([5, 6]); // the reference of any other op reads the values back
    unregisterKernel('double', 'test-holder');
  });

  it('registering a kernel twice for one backend is an error, and so is an unknown backend', () => {
    registerBackend('test-twice', null);
    registerKernel('k', 'test-twice', () => 1);
    expect(() => registerKernel('k', 'test-twice', () => 2)).toThrow(/backend "test-twice" already has a kernel "k"/);
    expect(() => registerKernel('k', 'no-such-backend', () => 2)).toThrow(/backend "no-such-backend" is not registered/);
    expect(() => setBackend('no-such-backend')).toThrow(/unknown backend "no-such-backend"; registered backends: .*cpu/);
    expect(() => registerBackend('test-twice', 'cpu')).toThrow(/already registered with fallback the reference, not cpu/);
    expect(getBackend()).toBe('cpu');
  });
});
