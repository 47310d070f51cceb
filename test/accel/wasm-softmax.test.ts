/**
 * The cpu backend's float32 attention probabilities in WebAssembly SIMD (src/accel/wasm/softmax.ts,
 * elementwise.wat's scaledMaskedSoftmax) against the core's loop (src/ops/softmax.ts scaledMaskedSoftmaxRows),
 * on random shapes (rows of any length: the last cols mod 4 take the one-at-a-time path), scales, masks
 * read through row offsets (some positions -Infinity, some -1e9), and rows that are fully masked or hold
 * NaN or +Infinity. The core exponentiates and sums in float64; here every step rounds to float32, so the
 * bound is |wasm - core| <= (8 + cols + |z - max|) 2^-24 core + 1e-37: a float32 sum of cols terms, a few
 * units for exp and the division, and z - max rounded to float32 before exp (whose condition number is
 * |z - max|); below e^-87.3 the wasm exp gives 0 where the core gives a subnormal. Through the op
 * the cpu backend gives exactly these values.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scaledMaskedSoftmaxWasm } from '../../src/accel/wasm/softmax.ts';
import { getBackend } from '../../src/autograd/dispatch.ts';
import { Rng, scaledMaskedSoftmax, Tensor } from '../../src/index.ts';
import { scaledMaskedSoftmaxRows } from '../../src/ops/softmax.ts';

const caseArb = fc.record({
  rows: fc.integer({ min: 1, max: 12 }),
  cols: fc.integer({ min: 1, max: 40 }),
  maskRowsCount: fc.integer({ min: 0, max: 3 }), // 0: no mask
  scale: fc.constantFrom(1, 0.125, 0.3),
  special: fc.constantFrom('none', 'fully masked', 'NaN', '+Infinity'),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});

describe('wasm scaled masked softmax (cpu backend, float32)', () => {
  it("is within float32 rounding of the core's loop, with zeros for fully masked rows and NaN rows for NaN or +Infinity", () => {
    fc.assert(
      fc.property(caseArb, ({ rows, cols, maskRowsCount, scale, special, seed }) => {
        const rng = new Rng(seed);
        const n = rows * cols;
        const x = new Float32Array(n);
        for (let i = 0; i < n; i++) x[i] = rng.uniform(-20, 20);
        let mask: Float32Array | null = null;
        let offsets: Int32Array | null = null;
        if (maskRowsCount > 0) {
          mask = new Float32Array(maskRowsCount * cols);
          for (let i = 0; i < mask.length; i++) {
            const u = rng.next();
            mask[i] = u < 0.15 ? -Infinity : u < 0.3 ? -1e9 : 0;
          }
          offsets = new Int32Array(rows);
          for (let r = 0; r < rows; r++) offsets[r] = (r % maskRowsCount) * cols;
        }
        const bad = Math.floor(rng.next() * rows);
        if (special === 'fully masked') x.fill(-Infinity, bad * cols, (bad + 1) * cols);
        if (special === 'NaN') x[bad * cols + Math.floor(rng.next() * cols)] = Number.NaN;
        if (special === '+Infinity') x[bad * cols + Math.floor(rng.next() * cols)] = Infinity;
        const want = new Float32Array(n);
        const got = new Float32Array(n).fill(-1);
        scaledMaskedSoftmaxRows({ x, scale, mask, maskRowOffsets: offsets, out: want, rows, cols });
        scaledMaskedSoftmaxWasm({ x, scale, mask, maskRowOffsets: offsets, out: got, rows, cols });
        // z as the core rounds it, and each row's max: exp(z - max) is as exact as z - max, which float32
        // rounds to |z - max| 2^-24 (exp's condition number is |z - max|).
        const z = new Float64Array(n);
        const rowMax = new Float64Array(rows).fill(-Infinity);
        for (let e = 0; e < n; e++) {
          const r = Math.floor(e / cols);
          z[e] = Math.fround(Math.fround(x[e] * scale) + (mask && offsets ? mask[offsets[r] + (e % cols)] : 0));
          rowMax[r] = Math.max(rowMax[r], z[e]);
        }
        for (let e = 0; e < n; e++) {
          if (Number.isNaN(want[e])) {
            if (!Number.isNaN(got[e])) throw new Error(`row ${Math.floor(e / cols)} position ${e % cols}: core NaN, wasm ${got[e]}`);
            continue;
          }
          const spread = Number.isFinite(z[e]) ? rowMax[Math.floor(e / cols)] - z[e] : 0;
          if (!(Math.abs(got[e] - want[e]) <= (8 + cols + spread) * 2 ** -24 * want[e] + 1e-37)) {
            throw new Error(`row ${Math.floor(e / cols)} position ${e % cols}: wasm ${got[e]}, core ${want[e]}`);
          }
        }
      }),
      { numRuns: 200, seed: 51 },
    );
  });

  it("is what the cpu backend's scaledMaskedSoftmax gives for float32 scores with a [batch, 1, 1, S] mask, and its gradient is the core's backward", () => {
    expect(getBackend()).toBe('cpu');
    const rng = new Rng(9);
    const [batch, heads, s] = [2, 3, 7];
    const scores = new Float32Array(batch * heads * s * s);
    for (let i = 0; i < scores.length; i++) scores[i] = rng.uniform(-4, 4);
    const maskValues = new Float32Array([0, 0, 0, 0, 0, -1e9, -1e9, 0, 0, 0, 0, 0, 0, -Infinity]);
    const x = new Tensor(scores, [batch, heads, s, s], true);
    const y = scaledMaskedSoftmax(x, 0.125, new Tensor(maskValues, [batch, 1, 1, s]));
    const offsets = new Int32Array(batch * heads * s);
    for (let r = 0; r < offsets.length; r++) offsets[r] = Math.floor(r / (heads * s)) * s;
    const want = new Float32Array(scores.length);
    scaledMaskedSoftmaxWasm({ x: scores, scale: 0.125, mask: maskValues, maskRowOffsets: offsets, out: want, rows: offsets.length, cols: s });
    expect(Array.from(y.data)).toEqual(Array.from(want));
    expect(y.data[5]).toBe(0); // -1e9 underflows to exactly zero, as in the core
    // d/dscores of sum(y * g) = 0.125 * y * (g - sum_j g_j y_j), row by row (the core's backward)
    const g = new Float32Array(scores.length);
    for (let i = 0; i < g.length; i++) g[i] = rng.uniform(-1, 1);
    y.backward(new Tensor(g, y.shape));
    for (let r = 0; r < offsets.length; r++) {
      let dot = 0;
      for (let j = 0; j < s; j++) dot += g[r * s + j] * want[r * s + j];
      for (let j = 0; j < s; j++) {
        const e = r * s + j;
        expect(x.grad!.data[e]).toBe(Math.fround(Math.fround(want[e] * (g[e] - dot)) * 0.125));
      }
    }
  });
});
