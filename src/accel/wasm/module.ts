/**
 * The compiled matmul.wat and the one WebAssembly.Memory it works in, created synchronously on first use.
 *
 * The memory is shared (a SharedArrayBuffer underneath) so that worker threads can run the same kernel on
 * it (threads-node.ts, threads-browser.ts); it starts at one page and grows on demand up to the maximum declared in matmul.wat.
 */
import { decodeBase64 } from './base64.ts';
import { MATMUL_WASM_BASE64 } from './matmul-wasm.ts';
import { WebAssemblyApi as WA, type WasmMemory, type WasmModule } from './webassembly.ts';

const PAGE_BYTES = 65536;
/** The maximum matmul.wat declares for its memory: 32768 pages = 2 GiB. */
export const MAX_PAGES = 32768;

/** The kernel's exports (see matmul.wat for the meaning of each parameter). */
export interface MatmulExports {
  gemm(ap: number, bp: number, cp: number, k: number, nPanels: number, ip0: number, ip1: number): void;
  /** Claim and compute chunks of the job tagged `tag` in the control block; returns how many it did. */
  runChunks(tag: number): number;
}

export interface WasmMatmulModule {
  module: WasmModule;
  memory: WasmMemory;
  exports: MatmulExports;
}

let loaded: WasmMatmulModule | null = null;

/** The compiled module, its memory and its exports (compiled and instantiated synchronously on first call). */
export function wasmMatmulModule(): WasmMatmulModule {
  if (!loaded) {
    const module = new WA.Module(decodeBase64(MATMUL_WASM_BASE64));
    const memory = new WA.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
    const instance = new WA.Instance(module, { env: { memory } });
    loaded = { module, memory, exports: instance.exports as unknown as MatmulExports };
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
