/**
 * The cpu backend's float32 GELU in WebAssembly SIMD (src/accel/wasm/elementwise.wat, gelu.ts) against the core's
 * float32 loops (src/ops/gelu.ts), on random shapes (rows of any length: the last cols mod 4 take the
 * one-at-a-time path), with and without a bias, over [-12, 12] (past erf's clamp at |h / sqrt 2| = 4 and
 * exp's underflow). The core evaluates in float64 and rounds once; the wasm code rounds every step to
 * float32, so the bound is a few float32 units: |wasm - core| <= 8 * 2^-24 * max(1, |h|) for gelu(h), and
 * the same times |gradOut| for the gradient. Through the op, the cpu backend gives exactly these values, and
 * the bias gradient is the column sums of gradX.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { geluBackwardWasm, geluForwardWasm } from '../../src/accel/wasm/gelu.ts';
import { getBackend } from '../../src/autograd/dispatch.ts';
import { biasGelu, Rng, Tensor } from '../../src/index.ts';
import { geluBackwardLoops, geluLoops } from '../../src/ops/gelu.ts';

const UNITS = 8 * 2 ** -24;

/** rows x cols float32 values uniform in [lo, hi). */
function uniform(rng: Rng, n: number, lo: number, hi: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform(lo, hi);
  return a;
}

const caseArb = fc.record({
  rows: fc.integer({ min: 1, max: 9 }),
  cols: fc.integer({ min: 1, max: 37 }),
  withBias: fc.boolean(),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});

describe('wasm gelu (cpu backend, float32)', () => {
  it("forward and backward are within a few float32 units of the core's loops on random shapes, with and without bias", () => {
    fc.assert(
      fc.property(caseArb, ({ rows, cols, withBias, seed }) => {
        const rng = new Rng(seed);
        const n = rows * cols;
        const x = uniform(rng, n, -12, 12);
        const bias = withBias ? uniform(rng, cols, -2, 2) : null;
        const gradOut = uniform(rng, n, -1, 1);
        const [want, got] = [new Float32Array(n), new Float32Array(n).fill(Number.NaN)];
        geluLoops({ x, bias, out: want, cols });
        geluForwardWasm({ x, bias, out: got, cols });
        const [wantGrad, gotGrad] = [new Float32Array(n), new Float32Array(n).fill(Number.NaN)];
        const [wantBias, gotBias] = [new Float64Array(cols), new Float64Array(cols)];
        geluBackwardLoops({ x, bias, gradOut, gradX: wantGrad, gradBias: wantBias, cols });
        geluBackwardWasm({ x, bias, gradOut, gradX: gotGrad, gradBias: gotBias, cols });
        for (let e = 0; e < n; e++) {
          const h = Math.abs(Math.fround(x[e] + (bias ? bias[e % cols] : 0)));
          if (!(Math.abs(got[e] - want[e]) <= UNITS * Math.max(1, h))) throw new Error(`gelu at ${e} (h ${h}): wasm ${got[e]}, core ${want[e]}`);
          if (!(Math.abs(gotGrad[e] - wantGrad[e]) <= UNITS * Math.max(1, h) * Math.abs(gradOut[e]))) {
            throw new Error(`gelu' at ${e} (h ${h}): wasm ${gotGrad[e]}, core ${wantGrad[e]}`);
          }
        }
        // The bias gradient: the column sums of this gradX, rows in order.
        for (let j = 0; j < cols; j++) {
          let s = 0;
          for (let e = j; e < n; e += cols) s += gotGrad[e];
          expect(gotBias[j]).toBe(s);
        }
      }),
      { numRuns: 120, seed: 41 },
    );
  });

  it("is what the cpu backend's biasGelu gives for float32, forward and gradients; NaN stays NaN", () => {
    expect(getBackend()).toBe('cpu');
    const rng = new Rng(3);
    const [rows, cols] = [5, 11];
    const xs = uniform(rng, rows * cols, -6, 6);
    xs[7] = Number.NaN;
    const bs = uniform(rng, cols, -1, 1);
    const x = new Tensor(xs, [rows, cols], true);
    const b = new Tensor(bs, [cols], true);
    const y = biasGelu(x, b);
    const want = new Float32Array(rows * cols);
    geluForwardWasm({ x: xs, bias: bs, out: want, cols });
    expect(Array.from(y.data)).toEqual(Array.from(want));
    expect(Number.isNaN(y.data[7])).toBe(true);
    const g = uniform(rng, rows * cols, -1, 1);
    y.backward(new Tensor(g, [rows, cols]));
    const [gradX, gradBias] = [new Float32Array(rows * cols), new Float64Array(cols)];
    geluBackwardWasm({ x: xs, bias: bs, gradOut: g, gradX, gradBias, cols });
    expect(Array.from(x.grad!.data)).toEqual(Array.from(gradX));
    expect(Array.from(b.grad!.data)).toEqual(Array.from(Float32Array.from(gradBias)));
  });
});
