/**
 * The cpu backend's product (src/accel/cpu/matmul-default.ts): float32 runs the wasm SIMD kernel where it is
 * available (here, Node 20), the TypeScript blocked kernel when chosen and for float64; both paths bit for bit
 * what the kernel they name gives, within float32's bound of the exact product on random shapes, and the
 * `matmul` op on the cpu backend goes through it.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { getBackend, matmul, matmulBlocked, matmulProduct, setBackend, Tensor } from '../../src/index.ts';
import { cpuMatmulFromEnv, getCpuMatmul, matmulCpu, setCpuMatmul, wasmAvailable } from '../../src/accel/cpu/matmul-default.ts';
import { matmulWasm } from '../../src/accel/wasm/matmul.ts';
import { expectWithinFloat32Bound, randomMatmulArgs, type MatmulCase } from './matmul-cases.ts';

afterEach(() => setCpuMatmul('wasm'));

const problem = fc.record({
  batch: fc.integer({ min: 1, max: 3 }),
  m: fc.integer({ min: 1, max: 40 }),
  n: fc.integer({ min: 1, max: 40 }),
  k: fc.integer({ min: 1, max: 300 }),
  transposeA: fc.boolean(),
  transposeB: fc.boolean(),
  broadcastA: fc.boolean(),
  broadcastB: fc.boolean(),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});

/** The product of `kernel` on a fresh copy of the case's operands. */
function run(kernel: typeof matmulCpu, p: MatmulCase, dtype: 'float32' | 'float64' = 'float32'): Float32Array | Float64Array {
  const args = randomMatmulArgs(p, dtype);
  kernel(args);
  return args.out;
}

describe('the cpu backend product', () => {
  it('is the wasm kernel for float32 here (WebAssembly SIMD is available in Node 20), and the registered cpu product', () => {
    expect(wasmAvailable()).toBe(true);
    expect(getCpuMatmul()).toBe('wasm');
    expect(matmulProduct('cpu')).toBe(matmulCpu);
  });

  it('gives the wasm kernel bits by default and the TypeScript kernel bits when chosen, both within float32 bound', () => {
    fc.assert(
      fc.property(problem, (p) => {
        setCpuMatmul('wasm');
        const args = randomMatmulArgs(p);
        matmulCpu(args);
        expectWithinFloat32Bound(args);
        expect(args.out).toEqual(run(matmulWasm, p));
        setCpuMatmul('typescript');
        expect(getCpuMatmul()).toBe('typescript');
        const ts = randomMatmulArgs(p);
        matmulCpu(ts);
        expectWithinFloat32Bound(ts);
        expect(ts.out).toEqual(run(matmulBlocked, p));
      }),
      { numRuns: 25, seed: 17 },
    );
  });

  it('sends float64 to the TypeScript kernel whatever the choice', () => {
    const p = { batch: 2, m: 9, n: 13, k: 70, transposeA: true, transposeB: false, seed: 3 };
    expect(run(matmulCpu, p, 'float64')).toEqual(run(matmulBlocked, p, 'float64'));
  });

  it('is what the matmul op runs on the cpu backend', () => {
    const before = getBackend();
    setBackend('cpu');
    try {
      const p = { batch: 1, m: 20, n: 24, k: 33, transposeA: false, transposeB: false, seed: 5 };
      const args = randomMatmulArgs(p);
      const c = matmul(new Tensor(args.a as Float32Array, [20, 33]), new Tensor(args.b as Float32Array, [33, 24]));
      expect(c.data).toEqual(run(matmulWasm, p));
      setCpuMatmul('typescript');
      const d = matmul(new Tensor(args.a as Float32Array, [20, 33]), new Tensor(args.b as Float32Array, [33, 24]));
      expect(d.data).toEqual(run(matmulBlocked, p));
    } finally {
      setBackend(before);
    }
  });

  it('refuses an unknown BERT_CPU_MATMUL, naming the choices', () => {
    expect(cpuMatmulFromEnv(undefined)).toBe('wasm');
    expect(cpuMatmulFromEnv(' typescript ')).toBe('typescript');
    expect(() => cpuMatmulFromEnv('blas')).toThrow(/expected one of wasm, typescript, found "blas"/);
  });
});
