/**
 * The cpu backend's float32 cross-entropy forward in WebAssembly SIMD (src/accel/wasm/cross-entropy.ts)
 * against the core's loop (src/ops/loss.ts crossEntropyRows), on random shapes (rows of any length, in
 * chunks of a few rows or one), targets some of which are ignored, and rows that are all -Infinity, hold
 * NaN or +Infinity, or a NaN among -Infinity. The core exponentiates and sums in float64; here every step
 * rounds to float32, so:
 * - probabilities: |wasm - core| <= (8 + cols + |x - max|) 2^-24 core + 1e-37, as for the attention softmax
 *   (test/accel/wasm-softmax.test.ts says why);
 * - losses m + log s - x_t: the float32 sum s is within (8 + cols + spread) 2^-24 of the core's relatively
 *   (spread = the row's largest |x - max| whose exp is above 2^-24: smaller terms cannot move the sum by
 *   more), so log s moves by at most that, plus the rounding of both losses to float32 (2^-24 each).
 * Rows whose target is ignored stay zero, as in the core. Through the op the cpu backend gives these
 * values, and its gradient is the core's backward, (softmax - onehot) g.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crossEntropyRowsWasm } from '../../src/accel/wasm/cross-entropy.ts';
import { getBackend } from '../../src/autograd/dispatch.ts';
import { crossEntropy, Rng, Tensor } from '../../src/index.ts';
import { crossEntropyRows } from '../../src/ops/loss.ts';

const IGNORE = -100;

const caseArb = fc.record({
  rows: fc.integer({ min: 1, max: 10 }),
  cols: fc.integer({ min: 1, max: 70 }),
  chunkFloats: fc.constantFrom(1, 50, 1 << 20), // one row a chunk, a few, all
  special: fc.constantFrom('none', 'all -Infinity', 'NaN', '+Infinity', '-Infinity entries', 'NaN among -Infinity'),
  ignoredShare: fc.constantFrom(0, 0.3),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});

describe('wasm cross-entropy forward (cpu backend, float32)', () => {
  it("is within float32 rounding of the core's loop, with the core's special rows and ignored rows left zero", () => {
    fc.assert(
      fc.property(caseArb, ({ rows, cols, chunkFloats, special, ignoredShare, seed }) => {
        const rng = new Rng(seed);
        const n = rows * cols;
        const x = new Float32Array(n);
        for (let i = 0; i < n; i++) x[i] = rng.uniform(-30, 30);
        const targets = Int32Array.from({ length: rows }, () => (rng.next() < ignoredShare ? IGNORE : rng.int(cols)));
        const bad = rng.int(rows);
        if (special === 'all -Infinity') x.fill(-Infinity, bad * cols, (bad + 1) * cols);
        if (special === 'NaN') x[bad * cols + rng.int(cols)] = Number.NaN;
        if (special === '+Infinity') x[bad * cols + rng.int(cols)] = Infinity;
        if (special === '-Infinity entries') for (let j = 0; j < cols; j += 2) x[bad * cols + j] = -Infinity;
        if (special === 'NaN among -Infinity') {
          x.fill(-Infinity, bad * cols, (bad + 1) * cols);
          x[bad * cols + rng.int(cols)] = Number.NaN;
        }
        const want = { probs: new Float32Array(n), losses: new Float32Array(rows) };
        const got = { probs: new Float32Array(n), losses: new Float32Array(rows) };
        crossEntropyRows({ x, targets, ignoreIndex: IGNORE, ...want, rows, classes: cols });
        crossEntropyRowsWasm({ x, targets, ignoreIndex: IGNORE, ...got, rows, classes: cols }, chunkFloats);
        for (let r = 0; r < rows; r++) {
          const o = r * cols;
          let max = -Infinity;
          for (let j = 0; j < cols; j++) max = Math.max(max, x[o + j]);
          let spread = 0;
          for (let j = 0; j < cols; j++) if (Number.isFinite(x[o + j]) && max - x[o + j] < 17) spread = Math.max(spread, max - x[o + j]);
          const where = `row ${r} (target ${targets[r]}, ${special})`;
          if (targets[r] === IGNORE) {
            expect(got.losses[r], where).toBe(0);
            expect(Array.from(got.probs.subarray(o, o + cols)), where).toEqual(new Array(cols).fill(0));
            continue;
          }
          for (let j = 0; j < cols; j++) {
            const [g, w] = [got.probs[o + j], want.probs[o + j]];
            if (Number.isNaN(w)) {
              if (!Number.isNaN(g)) throw new Error(`${where} position ${j}: core NaN, wasm ${g}`);
              continue;
            }
            const d = Number.isFinite(x[o + j]) ? max - x[o + j] : 0;
            if (!(Math.abs(g - w) <= (8 + cols + d) * 2 ** -24 * w + 1e-37)) throw new Error(`${where} position ${j}: wasm ${g}, core ${w}`);
          }
          const [g, w] = [got.losses[r], want.losses[r]];
          if (Number.isNaN(w) || w === Infinity) {
            expect(g, where).toBe(w);
            continue;
          }
          if (!(Math.abs(g - w) <= (8 + cols + spread) * 2 ** -24 + 2 ** -23 * Math.abs(w))) throw new Error(`${where}: loss wasm ${g}, core ${w}`);
        }
      }),
      { numRuns: 300, seed: 17 },
    );
  });

  it("is what the cpu backend's crossEntropy gives for float32 logits, and its gradient is the core's (softmax - onehot) g", () => {
    expect(getBackend()).toBe('cpu');
    const rng = new Rng(4);
    const [rows, cols] = [6, 37];
    const logits = new Float32Array(rows * cols);
    for (let i = 0; i < logits.length; i++) logits[i] = rng.uniform(-8, 8);
    const targets = Int32Array.from([3, IGNORE, 0, 36, 12, IGNORE]);
    const x = new Tensor(logits, [rows, cols], true);
    const loss = crossEntropy(x, new Tensor(targets, [rows]));
    const want = { probs: new Float32Array(rows * cols), losses: new Float32Array(rows) };
    crossEntropyRowsWasm({ x: logits, targets, ignoreIndex: IGNORE, ...want, rows, classes: cols });
    const counted = 4;
    expect(loss.item()).toBe(Math.fround(Array.from(want.losses).reduce((a, b) => a + b, 0) / counted));
    loss.backward();
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < cols; j++) {
        const e = r * cols + j;
        const expected = targets[r] === IGNORE ? 0 : Math.fround(Math.fround(want.probs[e] * (1 / counted)) - (j === targets[r] ? 1 / counted : 0));
        expect(x.grad!.data[e]).toBe(expected);
      }
    }
  });
});
