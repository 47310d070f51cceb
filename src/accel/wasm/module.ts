/**
 * The compiled matmul.wat and the one WebAssembly.Memory it works in, created synchronously on first use.
 *
 * The memory is shared (a SharedArrayBuffer underneath) so that worker threads can run the same kernel on
 * it (threads-node.ts, threads-browser.ts); it starts at one page and grows on demand up to the maximum declared in matmul.wat.
 *
 * Which binary: the fused one (each multiply-add of the tile one f32x4.relaxed_madd; scripts/build-wasm.ts)
 * where the runtime has relaxed SIMD, about 1.3x faster (docs/wasm-kernel.md); else the plain one.
 * BERT_WASM_KERNEL=plain keeps the plain one. The two differ in rounding only (a fused multiply-add rounds
 * once where the plain kernel rounds the product and the sum), and each is deterministic on a given machine.
 */
import { hostEnableWasmRelaxedSimd, hostEnv } from '../host-node.ts';
import { decodeBase64 } from './base64.ts';
import { MATMUL_FMA_WASM_BASE64, MATMUL_WASM_BASE64 } from './matmul-wasm.ts';
import { WebAssemblyApi as WA, type WasmMemory, type WasmModule } from './webassembly.ts';

const PAGE_BYTES = 65536;
/** The maximum matmul.wat declares for its memory: 32768 pages = 2 GiB. */
export const MAX_PAGES = 32768;

/** The kernel's exports (see matmul.wat for the meaning of each parameter). */
export interface MatmulExports {
  gemm(ap: number, bp: number, cp: number, k: number, nPanels: number, ip0: number, ip1: number): void;
  /** `panels` full panels of `width` rows into `dst` from an operand stored [rows, k] at `src` (byte addresses). */
  packInterleaved(src: number, dst: number, k: number, panels: number, width: number): void;
  /** `panels` full panels of `width` columns into `dst` from an operand stored [k, rowFloats] at `src`. */
  packSlices(src: number, dst: number, k: number, rowFloats: number, panels: number, width: number): void;
  /** Claim and compute chunks of the job tagged `tag` in the control block; returns how many it did. */
  runChunks(tag: number): number;
}

export interface WasmMatmulModule {
  module: WasmModule;
  memory: WasmMemory;
  exports: MatmulExports;
  /** Which binary: 'fused' (relaxed_madd) or 'plain' (multiply, then add). */
  kernel: WasmKernel;
}

export const WASM_KERNELS = ['fused', 'plain'] as const;
export type WasmKernel = (typeof WASM_KERNELS)[number];

/** Parse BERT_WASM_KERNEL: unset or empty = 'fused' (used where the runtime has relaxed SIMD). */
export function wasmKernelFromEnv(value: string | undefined): WasmKernel {
  const v = (value ?? '').trim() || 'fused';
  if (!(WASM_KERNELS as readonly string[]).includes(v)) {
    throw new Error(`BERT_WASM_KERNEL: expected one of ${WASM_KERNELS.join(', ')}, found "${value}"`);
  }
  return v as WasmKernel;
}

/**
 * The binary of `kernel`: the fused one only if the runtime validates it, after being asked to allow relaxed
 * SIMD where it can be (Node 20); else the plain one.
 */
export function kernelBytes(kernel: WasmKernel): { kernel: WasmKernel; bytes: Uint8Array } {
  const plain = { kernel: 'plain' as const, bytes: decodeBase64(MATMUL_WASM_BASE64) };
  if (kernel === 'plain') return plain;
  const fused = decodeBase64(MATMUL_FMA_WASM_BASE64);
  if (!WA.validate(fused)) hostEnableWasmRelaxedSimd();
  return WA.validate(fused) ? { kernel: 'fused', bytes: fused } : plain;
}

let loaded: WasmMatmulModule | null = null;

/** The compiled module, its memory and its exports (compiled and instantiated synchronously on first call). */
export function wasmMatmulModule(): WasmMatmulModule {
  if (!loaded) {
    const { kernel, bytes } = kernelBytes(wasmKernelFromEnv(hostEnv('BERT_WASM_KERNEL')));
    const module = new WA.Module(bytes);
    const memory = new WA.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
    const instance = new WA.Instance(module, { env: { memory } });
    loaded = { module, memory, exports: instance.exports as unknown as MatmulExports, kernel };
  }
  return loaded;
}

let heapView: Float32Array | null = null;

/**
 * A float32 view of the whole memory after growing it to at least `bytes` bytes. Views made before a call
 * that grew the memory no longer cover all of it: take a fresh one after each call.
 */
export function heapF32(bytes: number): Float32Array {
  const { memory } = wasmMatmulModule();
  const have = memory.buffer.byteLength;
  if (bytes > have) {
    const pages = Math.ceil((bytes - have) / PAGE_BYTES);
    if (have / PAGE_BYTES + pages > MAX_PAGES) {
      throw new Error(`wasm matmul: the operands need ${bytes} bytes of wasm memory, more than its maximum of ${MAX_PAGES * PAGE_BYTES}`);
    }
    memory.grow(pages);
  }
  if (!heapView || heapView.buffer !== memory.buffer) heapView = new Float32Array(memory.buffer);
  return heapView;
}
