/**
 * The wasm backend's matmul (src/accel/wasm) against a float64 product, within float32's rounding bound: random shapes with fast-check (sizes
 * that are not multiples of the 4x8 tile, all four transpose combinations, batches with broadcast operands),
 * k past one 256-deep block, float64 handed to the cpu kernel, and bit-identical results on 1 and 2 threads
 * (also when the threads share the packing of a weight's B panels before the product).
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { matmulBlocked, setCpuThreads, type MatmulArgs } from '../../src/index.ts';
import { getCpuThreads } from '../../src/accel/cpu/threads.ts';
import { lastWasmThreadedStats, matmulWasm, setWasmMinParallelWork } from '../../src/accel/wasm/index.ts';
import { expectWithinFloat32Bound, randomMatmulArgs, type MatmulCase as Problem } from './matmul-cases.ts';

const cpuThreads = getCpuThreads();
afterEach(() => {
  setCpuThreads(cpuThreads);
  setWasmMinParallelWork(1 << 21);
});

/** Random operands in [-1, 1); a broadcast operand is one matrix with batch stride 0; out starts NaN. */
function build(p: Problem, f64 = false): MatmulArgs {
  return randomMatmulArgs(p, f64 ? 'float64' : 'float32');
}

const problem = (maxBatch: number, maxK: number) =>
  fc.record({
    batch: fc.integer({ min: 1, max: maxBatch }),
    m: fc.integer({ min: 1, max: 70 }),
    n: fc.integer({ min: 1, max: 70 }),
    k: fc.integer({ min: 1, max: maxK }),
    transposeA: fc.boolean(),
    transposeB: fc.boolean(),
    broadcastA: fc.boolean(),
    broadcastB: fc.boolean(),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  });

describe('wasm matmul (single thread)', () => {
  it('matches the float64 product within float32 rounding on random shapes, transposes and broadcast batches', () => {
    setCpuThreads(1);
    fc.assert(
      fc.property(problem(3, 70), (p) => {
        const args = build(p);
        matmulWasm(args);
        expectWithinFloat32Bound(args);
      }),
      { numRuns: 150, seed: 20240601 },
    );
  });

  it('matches past one 256-deep block of k, with every transpose combination', () => {
    setCpuThreads(1);
    for (const [transposeA, transposeB] of [
      [false, false],
      [false, true],
      [true, false],
      [true, true],
    ]) {
      const args = build({ batch: 2, m: 13, n: 21, k: 600, transposeA, transposeB, broadcastA: false, broadcastB: true, seed: 7 });
      matmulWasm(args);
      expectWithinFloat32Bound(args);
    }
  });

  it('gives exact products of small integers, zeros for k = 0, and nothing for m = 0', () => {
    // [[1, 2], [3, 4]] @ [[5, 6], [7, 8]] = [[19, 22], [43, 50]]
    const out = new Float32Array(4);
    matmulWasm({
      a: Float32Array.of(1, 2, 3, 4),
      b: Float32Array.of(5, 6, 7, 8),
      out,
      batch: 1,
      m: 2,
      n: 2,
      k: 2,
      transposeA: false,
      transposeB: false,
      aBatchStride: 4,
      bBatchStride: 4,
    });
    expect([...out]).toEqual([19, 22, 43, 50]);
    const zeros = new Float32Array(6).fill(NaN);
    matmulWasm({
      a: new Float32Array(0),
      b: new Float32Array(0),
      out: zeros,
      batch: 2,
      m: 1,
      n: 3,
      k: 0,
      transposeA: false,
      transposeB: true,
      aBatchStride: 0,
      bBatchStride: 0,
    });
    expect([...zeros]).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('hands float64 to the cpu kernel (the same bits as matmulBlocked)', () => {
    const p = { batch: 2, m: 9, n: 11, k: 17, transposeA: true, transposeB: false, broadcastA: false, broadcastB: false, seed: 3 };
    const args = build(p, true);
    const expected = new Float64Array(args.out.length);
    matmulBlocked({ ...args, out: expected });
    matmulWasm(args);
    expect(args.out).toBeInstanceOf(Float64Array);
    expect([...args.out]).toEqual([...expected]);
  });
});

/**
 * Problem `p` on one thread, then on two (ending with two threads set): the two outputs are the same bits,
 * and within float32 rounding of the exact product. lastWasmThreadedStats then describes the 2-thread run.
 */
function runOnOneAndTwoThreads(p: Problem): void {
  setCpuThreads(1);
  const one = build(p);
  matmulWasm(one);
  setCpuThreads(2);
  const two = build(p);
  matmulWasm(two);
  expect(Buffer.from(two.out.buffer).equals(Buffer.from(one.out.buffer))).toBe(true);
  expectWithinFloat32Bound(two);
}

describe('wasm matmul on two threads', () => {
  it('is bit-identical to one thread and splits the rows into several chunks', () => {
    setWasmMinParallelWork(0);
    for (const p of [
      { batch: 1, m: 70, n: 45, k: 300, transposeA: false, transposeB: true, broadcastA: false, broadcastB: false, seed: 11 },
      { batch: 5, m: 9, n: 33, k: 40, transposeA: true, transposeB: false, broadcastA: false, broadcastB: true, seed: 12 },
    ]) {
      runOnOneAndTwoThreads(p);
      expect(lastWasmThreadedStats!.chunks).toBeGreaterThan(1);
    }
  });

  it('shares the packing of a weight (x @ W^T, W [n, k]) between the threads before the product, bit-identical to one thread', () => {
    setWasmMinParallelWork(0);
    // n: whole panels and a partial one (packed on the main thread); k not a multiple of 4 (packInterleaved's tail)
    for (const [m, n, k, seed] of [
      [37, 203, 130, 21],
      [128, 768, 67, 22],
      [4, 16, 5, 23],
    ]) {
      const p = { batch: 1, m, n, k, transposeA: false, transposeB: true, broadcastA: false, broadcastB: true, seed };
      runOnOneAndTwoThreads(p);
      expect(lastWasmThreadedStats!.packChunks).toBeGreaterThan(1);
    }
    // B stored [k, n] (not a weight's layout) is packed before the job, as before
    const stored = build({ batch: 1, m: 37, n: 203, k: 130, transposeA: false, transposeB: false, broadcastA: false, broadcastB: true, seed: 24 });
    matmulWasm(stored);
    expect(lastWasmThreadedStats!.packChunks).toBe(0);
    expectWithinFloat32Bound(stored);
  });

  it('matches matmulNaive on random shapes', () => {
    setWasmMinParallelWork(0);
    setCpuThreads(2);
    fc.assert(
      fc.property(problem(3, 70), (p) => {
        const args = build(p);
        matmulWasm(args);
        expectWithinFloat32Bound(args);
      }),
      { numRuns: 40, seed: 99 },
    );
  });
});
