/**
 * The hand-off of one wasm product to the worker threads, the same in Node (threads-node.ts) and in a page
 * (threads-browser.ts): the job goes into the control block at address 0 of the shared memory (see
 * matmul.wat), and the workers, asleep on its job number, wake and claim chunks with runChunks.
 */
import { getCpuThreads } from '../cpu/threads.ts';
import type { WasmMatmulLayout } from './matmul.ts';

// Word indices of the control block (see matmul.wat).
export const GEN = 0,
  COUNTER = 1,
  DONE = 2,
  FAILED = 3,
  FIELDS = 4,
  KIND = 16,
  STAGING = 17;
/** Words of the control block the jobs use (it has CONTROL_BYTES / 4 = 64; resident.ts). */
export const CONTROL_WORDS = 18;
const MAX_CHUNKS = 0xffff;

/**
 * The body of a worker, for both platforms: wait for the job number to change, run chunks of the new job,
 * repeat. `control` is an Int32Array over the control block (it never moves when the memory grows).
 */
export const WORKER_LOOP = `
let seen = 0;
for (;;) {
  Atomics.wait(control, ${GEN}, seen);
  seen = Atomics.load(control, ${GEN});
  try {
    runChunks(seen & 0x7fff);
  } catch (e) {
    Atomics.store(control, ${FAILED}, 1);
    Atomics.notify(control, ${DONE});
  }
}
`;

/** Matmuls with fewer multiply-adds stay on one thread (2^21 take about 0.3 ms in the SIMD kernel). */
let minParallelWork = 1 << 21;

/** Change the size (batch m n k) from which wasm matmuls are split over threads (tests set 0). */
export function setWasmMinParallelWork(multiplyAdds: number): void {
  minParallelWork = multiplyAdds;
}

/** Whether a product of these sizes should be split over threads. */
export function shouldUseWasmThreads(L: Pick<WasmMatmulLayout, 'batch' | 'm' | 'n' | 'k' | 'mPanels'>): boolean {
  return getCpuThreads() > 1 && L.batch * L.m * L.n * L.k >= minParallelWork && L.batch * L.mPanels > 1;
}

let generation = 0;

/**
 * Write product `L` into the control block for `threads` threads: about four chunks per thread, a chunk
 * being whole row panels of one matrix. The workers are not woken yet (wakeWorkers does that).
 * @returns the chunk count and the job's tag (what runChunks takes)
 */
export function writeJob(control: Int32Array, L: WasmMatmulLayout, threads: number): { chunks: number; tag: number } {
  const total = L.batch * L.mPanels;
  let panelsPerChunk = Math.min(L.mPanels, Math.max(1, Math.ceil(total / (4 * threads))));
  let chunksPerMatrix = Math.ceil(L.mPanels / panelsPerChunk);
  while (L.batch * chunksPerMatrix > MAX_CHUNKS && panelsPerChunk < L.mPanels) {
    panelsPerChunk = Math.min(L.mPanels, 2 * panelsPerChunk);
    chunksPerMatrix = Math.ceil(L.mPanels / panelsPerChunk);
  }
  const chunks = L.batch * chunksPerMatrix;
  if (chunks > MAX_CHUNKS) throw new Error(`wasm matmul: a batch of ${L.batch} matrices needs ${chunks} chunks, more than ${MAX_CHUNKS}`);

  control.set([L.aBase, L.aStride, L.bBase, L.bStride, L.cBase, L.cStride, L.k, L.nPanels, L.mPanels, panelsPerChunk, chunksPerMatrix, chunks, 0, 0], FIELDS);
  return { chunks, tag: publish(control) };
}

/**
 * Write the packing of product `L`'s B panels (L.packB: W stored [n, k] copied to the staging address) into
 * the control block: about four chunks of panels per thread, each packed by matmul.wat's packInterleaved.
 * Run before the product's own job (writeJob), so that the threads share the packing too.
 */
export function writePackJob(control: Int32Array, L: WasmMatmulLayout, threads: number): { chunks: number; tag: number } {
  if (!L.packB) throw new Error('writePackJob: this product has no B panels left to pack');
  const { staging, panels } = L.packB;
  const perChunk = Math.max(1, Math.ceil(panels / (4 * threads)));
  const chunks = Math.ceil(panels / perChunk);
  // The words the packing reads (matmul.wat): [6] bBase, [10] k, [12] panels, [13] per chunk, [15] chunks, [16] kind 1, [17] staging.
  control.set([0, 0, L.bBase, 0, 0, 0, L.k, 0, panels, perChunk, 0, chunks, 1, staging], FIELDS);
  return { chunks, tag: publish(control) };
}

/** A new job number for the words just written: DONE and FAILED cleared, the counter at chunk 0; its tag. */
function publish(control: Int32Array): number {
  generation = (generation + 1) | 0;
  if (generation === 0) generation = 1; // 0 is the workers' initial "seen"
  const tag = generation & 0x7fff;
  Atomics.store(control, DONE, 0);
  Atomics.store(control, FAILED, 0);
  Atomics.store(control, COUNTER, tag << 16);
  return tag;
}

/** Publish the job written by writeJob: the workers wake and claim chunks. */
export function wakeWorkers(control: Int32Array): void {
  Atomics.store(control, GEN, generation);
  Atomics.notify(control, GEN);
}

/** What names a product (or the packing of its B) in errors. */
export function describeProduct(L: WasmMatmulLayout, packing = false): string {
  return `${packing ? 'packing B for the ' : ''}wasm matmul of [${L.batch} x ${L.m} x ${L.k}] @ [${L.k} x ${L.n}]`;
}
