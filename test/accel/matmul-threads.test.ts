/**
 * The multi-threaded cpu matmul: bit-identical to the single-threaded kernel for every layout (transposes,
 * broadcast batches, float32/float64, operands in shared or ordinary memory, views with an offset), the
 * workers really take part, small products stay on the main thread, BERT_THREADS is parsed strictly, and a
 * process whose workers are idle still exits by itself.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  getCpuThreads,
  getMinParallelWork,
  lastThreadedMatmulStats,
  matmulBlocked,
  matmulBlockedSerial,
  matmulThreaded,
  Rng,
  setCpuThreads,
  setMinParallelWork,
  threadsFromEnv,
  type FloatArray,
  type MatmulArgs,
} from '../../src/index.ts';
import type { MatmulCase } from './matmul-cases.ts';

const savedThreads = getCpuThreads();
const savedMin = getMinParallelWork();
beforeAll(() => setCpuThreads(3)); // 2 workers + the main thread, whatever the machine has
afterAll(() => {
  setCpuThreads(savedThreads);
  setMinParallelWork(savedMin);
});

/** A MatmulCase, in float64 or float32, with each array placed in shared memory or not. */
interface Problem extends MatmulCase {
  f64: boolean;
  sharedA: boolean;
  sharedB: boolean;
  sharedOut: boolean;
}

/** A float array of `size` elements, in a SharedArrayBuffer at a non-zero offset when `shared`. */
function alloc(size: number, f64: boolean, shared: boolean): FloatArray {
  if (!shared) return f64 ? new Float64Array(size) : new Float32Array(size);
  const bytes = f64 ? 8 : 4;
  const buf = new SharedArrayBuffer((size + 3) * bytes);
  return f64 ? new Float64Array(buf, 2 * bytes, size) : new Float32Array(buf, 2 * bytes, size);
}

function build(p: Problem): { args: MatmulArgs; expected: FloatArray } {
  const rng = new Rng(p.seed);
  const a = alloc((p.broadcastA ? 1 : p.batch) * p.m * p.k, p.f64, p.sharedA);
  const b = alloc((p.broadcastB ? 1 : p.batch) * p.k * p.n, p.f64, p.sharedB);
  for (let i = 0; i < a.length; i++) a[i] = rng.uniform(-1, 1);
  for (let i = 0; i < b.length; i++) b[i] = rng.uniform(-1, 1);
  const common = {
    a,
    b,
    batch: p.batch,
    m: p.m,
    n: p.n,
    k: p.k,
    transposeA: p.transposeA,
    transposeB: p.transposeB,
    aBatchStride: p.broadcastA ? 0 : p.m * p.k,
    bBatchStride: p.broadcastB ? 0 : p.k * p.n,
  };
  const expected = alloc(p.batch * p.m * p.n, p.f64, false);
  matmulBlockedSerial({ ...common, out: expected });
  const out = alloc(p.batch * p.m * p.n, p.f64, p.sharedOut).fill(NaN); // every element must be written
  return { args: { ...common, out }, expected };
}

/** Index of the first element where x and y differ bit for bit (NaN never equals), or -1. */
function firstDifference(x: FloatArray, y: FloatArray): number {
  for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return i;
  return x.length === y.length ? -1 : x.length;
}

describe('matmulThreaded', () => {
  it('is bit-identical to the single-threaded kernel for any layout, dtype and memory kind', () => {
    const problem = fc.record({
      f64: fc.boolean(),
      batch: fc.integer({ min: 1, max: 3 }),
      m: fc.integer({ min: 1, max: 37 }),
      n: fc.integer({ min: 1, max: 70 }),
      k: fc.integer({ min: 1, max: 300 }),
      transposeA: fc.boolean(),
      transposeB: fc.boolean(),
      broadcastA: fc.boolean(),
      broadcastB: fc.boolean(),
      sharedA: fc.boolean(),
      sharedB: fc.boolean(),
      sharedOut: fc.boolean(),
      seed: fc.integer({ min: 0, max: 1e6 }),
    });
    fc.assert(
      fc.property(problem, (p) => {
        const { args, expected } = build(p);
        matmulThreaded(args);
        expect(firstDifference(args.out, expected)).toBe(-1);
      }),
      { numRuns: 60, seed: 11 },
    );
  });

  it('spreads a big product over the workers, and matmulBlocked hands big products to it', async () => {
    setMinParallelWork(1 << 20);
    const p: Problem = {
      f64: false,
      batch: 1,
      m: 256,
      n: 256,
      k: 256,
      transposeA: false,
      transposeB: true,
      broadcastA: false,
      broadcastB: false,
      sharedA: false,
      sharedB: false,
      sharedOut: false,
      seed: 5,
    };
    const { args, expected } = build(p);
    // Workers boot in the background (the first products may run on the main thread alone): retry a while.
    let byWorkers = 0;
    for (let attempt = 0; attempt < 100 && byWorkers === 0; attempt++) {
      args.out.fill(NaN);
      matmulBlocked(args);
      expect(firstDifference(args.out, expected)).toBe(-1);
      const stats = lastThreadedMatmulStats();
      expect(stats).not.toBeNull();
      expect(stats!.chunks).toBeGreaterThanOrEqual(3);
      byWorkers = stats!.byWorkers;
      if (byWorkers === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(byWorkers).toBeGreaterThan(0);
  });

  it('small products stay on the main thread', () => {
    setMinParallelWork(1 << 20);
    const before = lastThreadedMatmulStats();
    const p: Problem = {
      f64: true,
      batch: 2,
      m: 16,
      n: 16,
      k: 16,
      transposeA: false,
      transposeB: false,
      broadcastA: false,
      broadcastB: false,
      sharedA: false,
      sharedB: false,
      sharedOut: false,
      seed: 1,
    };
    const { args, expected } = build(p);
    matmulBlocked(args);
    expect(firstDifference(args.out, expected)).toBe(-1);
    expect(lastThreadedMatmulStats()).toBe(before); // no threaded call happened
  });
});

describe('thread count', () => {
  it('BERT_THREADS takes a positive integer; unset or empty means one thread per core', () => {
    expect(threadsFromEnv('1')).toBe(1);
    expect(threadsFromEnv(' 6 ')).toBe(6);
    expect(threadsFromEnv(undefined)).toBeGreaterThanOrEqual(1);
    expect(threadsFromEnv('')).toBe(threadsFromEnv(undefined));
    expect(() => threadsFromEnv('0')).toThrow(/BERT_THREADS: expected a positive integer .*found "0"/);
    expect(() => threadsFromEnv('two')).toThrow(/found "two"/);
    expect(() => setCpuThreads(1.5)).toThrow(/setCpuThreads: expected a positive integer, found 1.5/);
  });

  it('a process whose matmul workers are idle exits by itself (the workers are unref-ed)', () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const script = [
      "const { matmulBlocked, setCpuThreads, lastThreadedMatmulStats } = await import('./src/index.ts');",
      'setCpuThreads(2);',
      'const m = 256, a = new Float32Array(m * m).fill(1), out = new Float32Array(m * m);',
      'for (let i = 0; i < 100; i++) {',
      '  matmulBlocked({ a, b: a, out, batch: 1, m, n: m, k: m, transposeA: false, transposeB: true, aBatchStride: 0, bBatchStride: 0 });',
      '  if (lastThreadedMatmulStats().byWorkers > 0) break;',
      '  await new Promise((r) => setTimeout(r, 100));',
      '}',
      'console.log(out[0], lastThreadedMatmulStats().byWorkers > 0);',
    ].join('\n');
    const stdout = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, timeout: 30_000, encoding: 'utf8' });
    expect(stdout.trim()).toBe('256 true');
  });
});
