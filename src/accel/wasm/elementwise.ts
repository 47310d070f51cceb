/**
 * elementwise.wat (GELU, the attention softmax, cross-entropy's softmax, layer norm, arithmetic, permute, dropout) instantiated on the matmul module's shared memory, and the
 * scratch layout its callers (gelu.ts, softmax.ts, cross-entropy.ts, layer-norm.ts, arithmetic.ts, permute.ts, dropout.ts) share: arrays one after another from scratchBase(), the
 * region the products use too (a product and an elementwise kernel never run at the same time: both are
 * synchronous calls of the main thread).
 */
import { decodeBase64 } from './base64.ts';
import { ELEMENTWISE_WASM_BASE64 } from './elementwise-wasm.ts';
import { heapF32, wasmMatmulModule } from './module.ts';
import { scratchBase } from './resident.ts';
import { WebAssemblyApi as WA } from './webassembly.ts';

/** The exports of elementwise.wat (byte addresses; see there for each). */
export interface ElementwiseExports {
  geluForward(x: number, bias: number, hasBias: number, out: number, rows: number, cols: number): void;
  geluBackward(x: number, bias: number, hasBias: number, gradOut: number, gradX: number, work: number, rows: number, cols: number): void;
  scaledMaskedSoftmax(x: number, scale: number, hasMask: number, maskRows: number, out: number, rows: number, cols: number, stats: number): void;
  layerNormForward(x: number, weight: number, bias: number, out: number, stats: number, rows: number, cols: number, eps: number): void;
  layerNormBackward(
    x: number,
    weight: number,
    gradOut: number,
    stats: number,
    gradX: number,
    gradWeight: number,
    gradBias: number,
    rows: number,
    cols: number,
  ): void;
  binaryRows(op: number, a: number, b: number, bRowStride: number, out: number, rows: number, cols: number): void;
  columnSums(x: number, out: number, rows: number, cols: number): void;
  permuteRuns(x: number, out: number, runs: number, inner: number, lead: number, sizes: number, strides: number, counter: number): void;
  dropoutStream(x: number, mask: number, out: number, n: number, s0: number, s1: number, s2: number, s3: number, threshold: number, keepScale: number): void;
}

let exports: ElementwiseExports | null = null;

/** elementwise.wat instantiated on the matmul module's memory (compiled on first use). */
export function elementwiseModule(): ElementwiseExports {
  if (!exports) {
    const { memory } = wasmMatmulModule();
    const instance = new WA.Instance(new WA.Module(decodeBase64(ELEMENTWISE_WASM_BASE64)), { env: { memory } });
    exports = instance.exports as unknown as ElementwiseExports;
  }
  return exports;
}

/**
 * Byte addresses for arrays of `lengths` 4-byte values, one after another from scratchBase(), each
 * 16-aligned and padded to whole 4-value vectors (elementwise.wat computes on whole vectors); and a heap
 * view that covers them.
 */
export function layOut(lengths: readonly number[]): { at: number[]; heap: Float32Array } {
  const at: number[] = [];
  let next = scratchBase();
  for (const n of lengths) {
    at.push(next);
    next += Math.ceil(n / 4) * 16;
  }
  return { at, heap: heapF32(next) };
}
