/**
 * The cpu backend's float32 stream dropout in WebAssembly (src/accel/wasm/dropout.ts, elementwise.wat's
 * dropoutStream) against the core's loop (src/ops/dropout.ts streamMaskLoop): the same xoshiro128** stream
 * from the same seed, so the same mask and output bit for bit, for random lengths (the kernel's loop has no
 * tail), seeds, probabilities (0.1, one whose p 2^32 is a whole number, one within 2^-32 of 1) and values
 * with NaN and signed zeros; through the op, the gradient is the core's mask times g.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { streamMaskWasm } from '../../src/accel/wasm/dropout.ts';
import { getBackend } from '../../src/autograd/dispatch.ts';
import { dropout, mul, Rng, sum, Tensor } from '../../src/index.ts';
import { streamMaskLoop } from '../../src/ops/dropout.ts';
import { expectSameValues, onBackend } from './kernel-checks.ts';

describe('wasm stream dropout (cpu backend, float32)', () => {
  it("draws the core's mask and output bit for bit", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3000 }), fc.constantFrom(0.1, 0.25, 0.5, 1 - 2 ** -33), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (n, p, seed) => {
        const rng = new Rng(seed);
        const x = Float32Array.from({ length: n }, () => (rng.next() < 0.02 ? (rng.next() < 0.5 ? Number.NaN : -0) : rng.uniform(-3, 3)));
        const words = rng.fastSeed();
        const run = (loop: typeof streamMaskLoop) => {
          const mask = new Float32Array(n);
          const out = new Float32Array(n);
          loop({ x, seed: words, threshold: p * 4294967296, keepScale: 1 / (1 - p), mask, out });
          return { mask, out };
        };
        const want = run(streamMaskLoop);
        const got = run(streamMaskWasm);
        expectSameValues(got.mask, want.mask, `mask (n ${n}, p ${p})`);
        expectSameValues(got.out, want.out, `output (n ${n}, p ${p})`);
      }),
      { numRuns: 150, seed: 43 },
    );
  });

  it('through the op: the same output and gradient on the cpu backend as on the reference, and the same draws after it', () => {
    expect(getBackend()).toBe('cpu');
    const values = Float32Array.from({ length: 5000 }, (_, i) => Math.sin(i));
    const g = Float32Array.from({ length: 5000 }, (_, i) => Math.cos(i));
    const on = (backend: string) =>
      onBackend(backend, () => {
        const rng = new Rng('dropout');
        const x = new Tensor(values.slice(), [50, 100], true);
        const y = dropout(x, 0.1, rng, true, 'stream');
        sum(mul(y, new Tensor(g, [50, 100]))).backward();
        return { y: y.data, dx: x.grad!.data, next: rng.nextUint32() };
      });
    const [got, want] = [on('cpu'), on('reference')];
    expectSameValues(got.y, want.y, 'output');
    expectSameValues(got.dx, want.dx, 'gradient');
    expect(got.next).toBe(want.next);
    expect(Array.from(got.y).filter((v) => v === 0).length).toBeGreaterThan(350); // about 10% dropped
  });
});
