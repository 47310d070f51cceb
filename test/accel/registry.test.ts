/**
 * The kernel registry (lookup per backend with fallback to cpu, backend switching, errors) and the cpu
 * softmaxRows kernel against its formula.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { getBackend, kernel, listBackends, matmul, matmulBlocked, registerKernel, setBackend, softmaxRows, tensor, type MatmulArgs } from '../ops/core.ts';

afterEach(() => setBackend('cpu'));

describe('kernel registry', () => {
  it('the cpu backend is active by default and provides matmul and softmaxRows', () => {
    expect(getBackend()).toBe('cpu');
    expect(listBackends()).toContain('cpu');
    expect(kernel('matmul')).toBe(matmulBlocked);
    expect(kernel('softmaxRows')).toBe(softmaxRows);
  });

  it('a registered backend is used by the ops once selected; missing kernels fall back to cpu', () => {
    const calls: MatmulArgs[] = [];
    registerKernel({
      kernelName: 'matmul',
      backendName: 'test-recording',
      kernelFunc: (args) => {
        calls.push(args);
        matmulBlocked(args);
      },
    });
    expect(listBackends()).toContain('test-recording');
    const a = tensor([[1, 2], [3, 4]]);
    matmul(a, a);
    expect(calls).toHaveLength(0); // still on cpu
    setBackend('test-recording');
    expect(getBackend()).toBe('test-recording');
    const y = matmul(a, a);
    expect(calls).toHaveLength(1);
    expect(y.toArray()).toEqual([[7, 10], [15, 22]]);
    expect(kernel('softmaxRows')).toBe(softmaxRows); // not registered there: the cpu one
  });

  it('selecting an unknown backend is an error that lists the registered ones', () => {
    expect(() => setBackend('no-such-backend')).toThrow(/unknown backend "no-such-backend"; registered backends: .*cpu/);
    expect(getBackend()).toBe('cpu');
  });
});

describe('softmaxRows kernel', () => {
  it('each row is exp(x - max) / sum exp(x - max), in float32 and float64', () => {
    const arb = fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 9 }), fc.boolean()).chain(([rows, cols, f32]) =>
      fc.array(fc.double({ min: -50, max: 50, noNaN: true }), { minLength: rows * cols, maxLength: rows * cols }).map((v) => ({ rows, cols, f32, v })),
    );
    fc.assert(
      fc.property(arb, ({ rows, cols, f32, v }) => {
        const x = f32 ? Float32Array.from(v) : Float64Array.from(v);
        const out = f32 ? new Float32Array(x.length) : new Float64Array(x.length);
        softmaxRows(x, out, rows, cols);
        for (let r = 0; r < rows; r++) {
          const row = Array.from(x.subarray(r * cols, (r + 1) * cols));
          const m = Math.max(...row);
          const z = row.reduce((a, e) => a + Math.exp(e - m), 0);
          let total = 0;
          row.forEach((e, j) => {
            const expected = Math.exp(e - m) / z;
            // float32: exp rounded when stored, then the product with 1/sum rounded again: 2 roundings (+ slack),
            // plus the absolute spacing of float32 subnormals (2^-149) for values that underflow.
            expect(Math.abs(out[r * cols + j] - expected)).toBeLessThanOrEqual(f32 ? 3 * 2 ** -24 * expected + 2 * 2 ** -149 : 1e-15);
            total += out[r * cols + j];
          });
          expect(Math.abs(total - 1)).toBeLessThanOrEqual(f32 ? 1e-6 : 1e-14);
        }
      }),
      { numRuns: 30, seed: 3 },
    );
  });

  it('a row that is entirely -Infinity (all positions masked) gives zeros, not NaN; other rows are unaffected', () => {
    const x = Float32Array.from([-Infinity, -Infinity, -Infinity, 0, 0, Math.log(2)]);
    const out = new Float32Array(6);
    softmaxRows(x, out, 2, 3);
    expect(Array.from(out.subarray(0, 3))).toEqual([0, 0, 0]);
    expect(Array.from(out.subarray(3))).toEqual([0.25, 0.25, 0.5]);
  });

  it('-Infinity next to finite logits gets probability exactly 0', () => {
    const x = Float64Array.from([-Infinity, 1, 1]);
    const out = new Float64Array(3);
    softmaxRows(x, out, 1, 3);
    expect(Array.from(out)).toEqual([0, 0.5, 0.5]);
  });
});
