/**
 * The cpu backend's float32 layer norm loops in WebAssembly SIMD (src/accel/wasm/layer-norm.ts,
 * elementwise.wat's layerNormForward and layerNormBackward) against the core's loops (src/ops/layer-norm.ts),
 * on random shapes (rows of any length: the last cols mod 4 take the one-at-a-time path), values of
 * different sizes, and constant rows (variance 0). Both evaluate the same float64 formulas and only add the
 * row sums in another order, so every float32 result is within one float32 unit of the core's
 * (2^-23 |core|), up to float64 rounding of the sums: an absolute 2^-40 of the row's largest term, where
 * the result is a difference of nearly equal terms. The row statistics and the float64 parameter-gradient
 * sums agree to float64 rounding. Through the op the cpu backend gives exactly these values.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { layerNormBackwardWasm, layerNormForwardWasm } from '../../src/accel/wasm/layer-norm.ts';
import { getBackend } from '../../src/autograd/dispatch.ts';
import { layerNorm, mul, Rng, sum, Tensor } from '../../src/index.ts';
import { layerNormBackward, layerNormForward } from '../../src/ops/layer-norm.ts';

const caseArb = fc.record({
  rows: fc.integer({ min: 1, max: 9 }),
  cols: fc.integer({ min: 1, max: 70 }),
  magnitude: fc.constantFrom(1e-3, 1, 50),
  eps: fc.constantFrom(1e-12, 1e-5),
  constantRow: fc.boolean(),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});

function within(got: number, want: number, slack: number, what: string): void {
  if (!(Math.abs(got - want) <= 2 ** -23 * Math.abs(want) + slack)) throw new Error(`${what}: wasm ${got}, core ${want}`);
}

describe('wasm layer norm (cpu backend, float32)', () => {
  it("is within one float32 unit of the core's loops, forward and backward, constant rows included", () => {
    fc.assert(
      fc.property(caseArb, ({ rows, cols, magnitude, eps, constantRow, seed }) => {
        const rng = new Rng(seed);
        const n = rows * cols;
        const random = (k: number, scale: number, shift = 0) => Float32Array.from({ length: k }, () => shift + rng.uniform(-scale, scale));
        const x = random(n, magnitude, magnitude * 0.5);
        if (constantRow) x.fill(x[0], 0, cols);
        const weight = random(cols, 1, 1);
        const bias = random(cols, 0.5);
        const gradOut = random(n, 1);
        const run = (loops: 'core' | 'wasm') => {
          const out = new Float32Array(n);
          const mean = new Float64Array(rows);
          const rstd = new Float64Array(rows);
          (loops === 'core' ? layerNormForward : layerNormForwardWasm)({ x, weight, bias, out, mean, rstd, rows, cols, eps });
          const gradX = new Float32Array(n);
          const gradWeight = new Float64Array(cols).fill(0.25); // added to, as across calls
          const gradBias = new Float64Array(cols).fill(-0.5);
          (loops === 'core' ? layerNormBackward : layerNormBackwardWasm)({ x, weight, gradOut, mean, rstd, gradX, gradWeight, gradBias, rows, cols });
          return { out, mean, rstd, gradX, gradWeight, gradBias };
        };
        const want = run('core');
        const got = run('wasm');
        for (let r = 0; r < rows; r++) {
          within(got.mean[r], want.mean[r], 2 ** -45 * magnitude * 2, `row ${r} mean`);
          within(got.rstd[r], want.rstd[r], 2 ** -45 * want.rstd[r], `row ${r} rstd`);
          let outScale = 0;
          let gradScale = 0;
          for (let j = 0; j < cols; j++) {
            const xhat = Math.abs((x[r * cols + j] - want.mean[r]) * want.rstd[r]);
            outScale = Math.max(outScale, xhat * Math.abs(weight[j]) + Math.abs(bias[j]));
            gradScale = Math.max(gradScale, want.rstd[r] * (1 + xhat) * cols * Math.abs(gradOut[r * cols + j] * weight[j]));
          }
          for (let j = 0; j < cols; j++) {
            const e = r * cols + j;
            within(got.out[e], want.out[e], 2 ** -40 * outScale, `out[${r}, ${j}]`);
            within(got.gradX[e], want.gradX[e], 2 ** -40 * gradScale, `gradX[${r}, ${j}]`);
          }
        }
        for (let j = 0; j < cols; j++) {
          within(got.gradWeight[j], want.gradWeight[j], 2 ** -40 * rows * 50, `gradWeight[${j}]`);
          expect(got.gradBias[j]).toBe(want.gradBias[j]); // the same additions in the same order
        }
      }),
      { numRuns: 300, seed: 23 },
    );
  });

  it("is what the cpu backend's layerNorm gives for float32, values and gradients", () => {
    expect(getBackend()).toBe('cpu');
    const rng = new Rng(11);
    const [rows, cols] = [5, 38];
    const make = (k: number, shift = 0) => Float32Array.from({ length: k }, () => shift + rng.uniform(-1, 1));
    const [xv, wv, bv, gv] = [make(rows * cols), make(cols, 1), make(cols), make(rows * cols)];
    const x = new Tensor(xv.slice(), [rows, cols], true);
    const w = new Tensor(wv.slice(), [cols], true);
    const b = new Tensor(bv.slice(), [cols], true);
    const y = layerNorm(x, w, b);
    sum(mul(y, new Tensor(gv, [rows, cols]))).backward();
    const out = new Float32Array(rows * cols);
    const [mean, rstd] = [new Float64Array(rows), new Float64Array(rows)];
    layerNormForwardWasm({ x: xv, weight: wv, bias: bv, out, mean, rstd, rows, cols, eps: 1e-12 });
    const gradX = new Float32Array(rows * cols);
    const [gw, gb] = [new Float64Array(cols), new Float64Array(cols)];
    layerNormBackwardWasm({ x: xv, weight: wv, gradOut: gv, mean, rstd, gradX, gradWeight: gw, gradBias: gb, rows, cols });
    expect(Array.from(y.data)).toEqual(Array.from(out));
    expect(Array.from(x.grad!.data)).toEqual(Array.from(gradX));
    expect(Array.from(w.grad!.data)).toEqual(Array.from(Float32Array.from(gw)));
    expect(Array.from(b.grad!.data)).toEqual(Array.from(Float32Array.from(gb)));
  });
});
