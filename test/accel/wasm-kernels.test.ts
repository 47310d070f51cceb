/**
 * Both binaries of matmul.wat (scripts/build-wasm.ts): the plain kernel (multiply, then add) and the fused
 * one (f32x4.relaxed_madd), each instantiated on a memory of its own and run single-threaded with gemm on
 * panels packed by pack.ts, against the float64 product within float32's rounding bound on random shapes.
 * The backend uses one of the two per process (module.ts), so without this file the other would go untested.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MatmulArgs } from '../../src/accel/kernels.ts';
import { type MatmulExports, kernelBytes, type WasmKernel, wasmMatmulModule } from '../../src/accel/wasm/module.ts';
import { packA, packB, TILE_M, TILE_N } from '../../src/accel/wasm/pack.ts';
import { WebAssemblyApi as WA } from '../../src/accel/wasm/webassembly.ts';
import { expectWithinFloat32Bound, randomMatmulArgs } from './matmul-cases.ts';

/** `kernel`'s binary instantiated on a fresh memory of `pages` pages. */
function instantiate(kernel: WasmKernel, pages: number): { exports: MatmulExports; heap: Float32Array } {
  const { bytes } = kernelBytes(kernel);
  const memory = new WA.Memory({ initial: pages, maximum: 32768, shared: true });
  const instance = new WA.Instance(new WA.Module(bytes), { env: { memory } });
  return { exports: instance.exports as unknown as MatmulExports, heap: new Float32Array(memory.buffer) };
}

/** out = op(A) @ op(B) for every batch matrix with `kernel`'s gemm (one thread, a fresh memory). */
function productWith(kernel: WasmKernel, args: MatmulArgs): void {
  const { batch, m, n, k, transposeA, transposeB, aBatchStride, bBatchStride } = args;
  const mPanels = Math.ceil(m / TILE_M);
  const nPanels = Math.ceil(n / TILE_N);
  const aFloats = mPanels * TILE_M * k;
  const bFloats = nPanels * TILE_N * k;
  const cFloats = mPanels * TILE_M * nPanels * TILE_N;
  const base = 256; // past the control block
  const bytes = base + 4 * (aFloats + bFloats + cFloats);
  const { exports, heap } = instantiate(kernel, Math.ceil(bytes / 65536) + 1);
  const [ap, bp, cp] = [base, base + 4 * aFloats, base + 4 * (aFloats + bFloats)];
  for (let bi = 0; bi < batch; bi++) {
    packA(args.a as Float32Array, bi * aBatchStride, m, k, transposeA, heap, ap / 4);
    packB(args.b as Float32Array, bi * bBatchStride, n, k, transposeB, heap, bp / 4);
    exports.gemm(ap, bp, cp, k, nPanels, 0, mPanels);
    for (let i = 0; i < m; i++) args.out.set(heap.subarray(cp / 4 + i * nPanels * TILE_N, cp / 4 + i * nPanels * TILE_N + n), (bi * m + i) * n);
  }
}

const problem = fc.record({
  batch: fc.integer({ min: 1, max: 3 }),
  m: fc.integer({ min: 1, max: 40 }),
  n: fc.integer({ min: 1, max: 40 }),
  k: fc.integer({ min: 1, max: 600 }),
  transposeA: fc.boolean(),
  transposeB: fc.boolean(),
  broadcastA: fc.boolean(),
  broadcastB: fc.boolean(),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});

describe('the two wasm kernels', () => {
  it('this runtime has relaxed SIMD (Node 20 after host-node.ts sets its flag), so the backend runs the fused kernel', () => {
    expect(kernelBytes('fused').kernel).toBe('fused');
    expect(wasmMatmulModule().kernel).toBe('fused');
  });

  for (const kernel of ['plain', 'fused'] as const) {
    it(`the ${kernel} kernel matches the float64 product within float32 rounding on random shapes (k past one 256-deep block)`, () => {
      fc.assert(
        fc.property(problem, (p) => {
          const args = randomMatmulArgs(p);
          productWith(kernel, args);
          expectWithinFloat32Bound(args);
        }),
        { numRuns: 40, seed: kernel === 'plain' ? 31 : 32 },
      );
    });
  }

  it('the fused kernel rounds once per multiply-add: its results differ from the plain kernel in the last bits', () => {
    const p = { batch: 1, m: 16, n: 16, k: 300, transposeA: false, transposeB: true, broadcastA: false, broadcastB: false, seed: 5 };
    const plain = randomMatmulArgs(p);
    const fused = randomMatmulArgs(p);
    productWith('plain', plain);
    productWith('fused', fused);
    let differ = 0;
    for (let e = 0; e < plain.out.length; e++) if (plain.out[e] !== fused.out[e]) differ++;
    expect(differ).toBeGreaterThan(0);
  });
});
