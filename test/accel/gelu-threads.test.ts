/**
 * The threaded gelu kernels: bit-identical to the single-threaded loops for any size, bias or none,
 * float32/float64, arrays in shared or ordinary memory; the bias gradient too (its column sums stay on the
 * main thread, in row order).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  geluBackward,
  geluBackwardSerial,
  geluForward,
  geluForwardSerial,
  getCpuThreads,
  getMinParallelElements,
  lastParallelRun,
  Rng,
  setCpuThreads,
  setMinParallelElements,
  type FloatArray,
} from '../../src/index.ts';

const saved = { threads: getCpuThreads(), min: getMinParallelElements() };
beforeAll(() => {
  setCpuThreads(3);
  setMinParallelElements(1); // thread even the smallest arrays
});
afterAll(() => {
  setCpuThreads(saved.threads);
  setMinParallelElements(saved.min);
});

function alloc(n: number, f64: boolean, shared: boolean): FloatArray {
  if (!shared) return f64 ? new Float64Array(n) : new Float32Array(n);
  const bytes = f64 ? 8 : 4;
  const buf = new SharedArrayBuffer((n + 1) * bytes);
  return f64 ? new Float64Array(buf, bytes, n) : new Float32Array(buf, bytes, n);
}

function firstDifference(x: ArrayLike<number>, y: ArrayLike<number>): number {
  for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return i;
  return x.length === y.length ? -1 : x.length;
}

describe('threaded gelu kernels', () => {
  it('forward and backward equal the single-threaded loops bit for bit', () => {
    const arb = fc.record({
      rows: fc.integer({ min: 1, max: 40 }),
      cols: fc.integer({ min: 1, max: 700 }),
      withBias: fc.boolean(),
      f64: fc.boolean(),
      shared: fc.boolean(),
      seed: fc.integer({ min: 0, max: 1e6 }),
    });
    fc.assert(
      fc.property(arb, ({ rows, cols, withBias, f64, shared, seed }) => {
        const rng = new Rng(seed);
        const size = rows * cols;
        const fill = (a: FloatArray, lo: number, hi: number) => {
          for (let i = 0; i < a.length; i++) a[i] = rng.uniform(lo, hi);
          return a;
        };
        const x = fill(alloc(size, f64, shared), -6, 6);
        const gradOut = fill(alloc(size, f64, shared), -1, 1);
        const bias = withBias ? fill(alloc(cols, f64, false), -1, 1) : null;
        const k = withBias ? cols : size;
        const [out, outSerial] = [alloc(size, f64, shared).fill(NaN), alloc(size, f64, false)];
        geluForward({ x, bias, out, cols: k });
        geluForwardSerial({ x, bias, out: outSerial, cols: k });
        expect(firstDifference(out, outSerial)).toBe(-1);
        const [gx, gxSerial] = [alloc(size, f64, shared).fill(NaN), alloc(size, f64, false)];
        const [gb, gbSerial] = withBias ? [new Float64Array(cols), new Float64Array(cols)] : [null, null];
        geluBackward({ x, bias, gradOut, gradX: gx, gradBias: gb, cols: k });
        geluBackwardSerial({ x, bias, gradOut, gradX: gxSerial, gradBias: gbSerial, cols: k });
        expect(firstDifference(gx, gxSerial)).toBe(-1);
        if (gb && gbSerial) expect(firstDifference(gb, gbSerial)).toBe(-1);
      }),
      { numRuns: 40, seed: 31 },
    );
  });

  it('big arrays are really shared with the workers', async () => {
    const x = Float32Array.from({ length: 1 << 16 }, (_, i) => Math.sin(i));
    const out = new Float32Array(x.length);
    const expected = new Float32Array(x.length);
    geluForwardSerial({ x, bias: null, out: expected, cols: x.length });
    // Workers boot in the background (meanwhile the main thread takes every chunk): retry a while.
    let byWorkers = 0;
    for (let attempt = 0; attempt < 100 && byWorkers === 0; attempt++) {
      geluForward({ x, bias: null, out, cols: x.length });
      expect(firstDifference(out, expected)).toBe(-1);
      const run = lastParallelRun();
      expect(run?.kind).toBe('gelu');
      expect(run!.chunks).toBeGreaterThanOrEqual(3);
      byWorkers = run!.byWorkers;
      if (byWorkers === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(byWorkers).toBeGreaterThan(0);
  });
});
