/**
 * The wasm backend's matmul: MatmulArgs in, the SIMD kernel of matmul.wat in between.
 *
 * Per call: pack op(A) and op(B) of every batch matrix into panels in wasm memory (pack.ts's layout, built
 * by matmul.wat from a copy of the operand: packInWasm; an operand with batch stride 0 is packed once; a
 * weight's panels are packed by the threads when the product is threaded), run the kernel over the row
 * panels of each matrix, copy the valid [m, n] corner of each C into `out`. float64 products go to the cpu
 * kernel unchanged (the kernel computes in float32 only).
 *
 * Memory layout (bytes; 16-aligned since every panel holds a multiple of 4 floats):
 *   [0, 256)   control words for the worker threads (threads-node.ts, threads-browser.ts)
 *   resident   panels of prepacked weights, kept between products (resident.ts, prepacked-weights.ts)
 *   Ap         countA matrices of mPanels x k x 4 floats       } the scratch space of one product,
 *   Bp         countB matrices of nPanels x k x 8 floats       } from scratchBase(); Bp is absent when
 *   C          batch matrices of [4 mPanels, 8 nPanels] floats } op(B) is a prepacked weight
 *   staging    one operand matrix as stored (m k or n k floats) } (copied in to be packed)
 */
import { matmulBlocked } from '../cpu/matmul-blocked.ts';
import type { MatmulArgs } from '../kernels.ts';
import { heapF32, wasmMatmulModule } from './module.ts';
import { packA, packB, TILE_M, TILE_N } from './pack.ts';
import { scratchBase } from './resident.ts';
import { runThreaded, shouldUseWasmThreads } from './threads-node.ts';

/** Where one product's operands lie in wasm memory (byte addresses and strides) and its panel counts. */
export interface WasmMatmulLayout {
  aBase: number;
  /** Bytes from one packed A matrix to the next; 0 when A is broadcast over the batch. */
  aStride: number;
  bBase: number;
  bStride: number;
  cBase: number;
  /** Bytes from one padded C matrix to the next. */
  cStride: number;
  batch: number;
  m: number;
  n: number;
  k: number;
  mPanels: number;
  nPanels: number;
  /**
   * B's full panels still to be packed, from W stored [n, k] copied to `staging`, by the threads that then
   * compute the product (threads-*.ts); null when B's panels are all in place.
   */
  packB: { staging: number; panels: number } | null;
}

/**
 * out = op(A) @ op(B) for every batch (see MatmulArgs), in float32 with wasm SIMD.
 * @param prepackedB the byte address of op(B)'s panels when they are resident already (a prepacked weight
 *   shared by every batch matrix): B is then not packed again
 */
export function matmulWasm(args: MatmulArgs, prepackedB?: number): void {
  const { a, b, out, batch, m, n, k } = args;
  if (!(a instanceof Float32Array && b instanceof Float32Array && out instanceof Float32Array)) {
    matmulBlocked(args); // float64 (or mixed): the cpu kernel computes in the arrays' own precision
    return;
  }
  if (batch === 0 || m === 0 || n === 0) return;
  if (k === 0) {
    out.fill(0, 0, batch * m * n);
    return;
  }
  const threaded = shouldUseWasmThreads({ batch, m, n, k, mPanels: Math.ceil(m / TILE_M) });
  const layout = packOperands(args, prepackedB, threaded);
  if (threaded) runThreaded(layout);
  else runSerial(layout);
  copyOut(layout, out);
}

/** Bytes of wasm memory a product needs (up to the end of its packed A and B and padded C): as packOperands lays it out. */
export function wasmMatmulBytes(args: MatmulArgs, prepackedB?: number): number {
  const { batch, m, n, k, aBatchStride, bBatchStride } = args;
  const mPanels = Math.ceil(m / TILE_M);
  const nPanels = Math.ceil(n / TILE_N);
  const countA = aBatchStride === 0 ? 1 : batch;
  const countB = prepackedB !== undefined ? 0 : bBatchStride === 0 ? 1 : batch;
  return (
    scratchBase() +
    4 * (countA * mPanels * TILE_M * k + countB * nPanels * TILE_N * k + batch * mPanels * TILE_M * nPanels * TILE_N + stagingFloats(m, n, k, countB))
  );
}

/** Floats of the staging region: one operand matrix at a time, as stored (A's, or B's when B is packed). */
function stagingFloats(m: number, n: number, k: number, countB: number): number {
  return Math.max(m * k, countB > 0 ? n * k : 0);
}

/**
 * Lay the product out in wasm memory and pack A and B (the kernel writes all of C without reading it).
 * @param prepackedB the byte address of op(B)'s resident panels, if it has them (then B is not packed)
 * @param sharePackingB for a threaded product whose one B is a weight W stored [n, k]: only copy W into the
 *   staging space and leave its full panels to the threads (layout.packB), which pack them before the product
 */
export function packOperands(args: MatmulArgs, prepackedB?: number, sharePackingB = false): WasmMatmulLayout {
  if (prepackedB !== undefined && args.bBatchStride !== 0) {
    throw new Error(`packOperands: a prepacked B must be shared by the batch (bBatchStride 0), got ${args.bBatchStride}`);
  }
  const { batch, m, n, k, transposeA, transposeB, aBatchStride, bBatchStride } = args;
  const a = args.a as Float32Array;
  const b = args.b as Float32Array;
  const mPanels = Math.ceil(m / TILE_M);
  const nPanels = Math.ceil(n / TILE_N);
  const aFloats = mPanels * TILE_M * k;
  const bFloats = nPanels * TILE_N * k;
  const cFloats = mPanels * TILE_M * nPanels * TILE_N;
  const countA = aBatchStride === 0 ? 1 : batch;
  const countB = prepackedB !== undefined ? 0 : bBatchStride === 0 ? 1 : batch;
  const aBase = scratchBase();
  const bBase = prepackedB ?? aBase + 4 * countA * aFloats;
  const cBase = aBase + 4 * countA * aFloats + 4 * countB * bFloats;
  const stagingBase = cBase + 4 * batch * cFloats;
  const end = stagingBase + 4 * stagingFloats(m, n, k, countB); // = wasmMatmulBytes(args)
  const heap = heapF32(end);
  for (let i = 0; i < countA; i++) packInWasm(a, i * aBatchStride, m, k, !transposeA, TILE_M, heap, aBase + 4 * i * aFloats, stagingBase);
  let deferredB: WasmMatmulLayout['packB'] = null;
  if (sharePackingB && countB === 1 && transposeB && n >= 2 * TILE_N) {
    // W's full panels are the threads' (writePackJob); its last, partial panel is packB's, here.
    const full = Math.floor(n / TILE_N);
    heap.set(b.subarray(0, full * TILE_N * k), stagingBase / 4);
    if (full * TILE_N < n) packB(b, full * TILE_N * k, n - full * TILE_N, k, true, heap, bBase / 4 + full * TILE_N * k);
    deferredB = { staging: stagingBase, panels: full };
  } else {
    for (let i = 0; i < countB; i++) packInWasm(b, i * bBatchStride, n, k, transposeB, TILE_N, heap, bBase + 4 * i * bFloats, stagingBase);
  }
  return {
    aBase,
    aStride: countA === 1 ? 0 : 4 * aFloats,
    bBase,
    bStride: countB <= 1 ? 0 : 4 * bFloats,
    cBase,
    cStride: 4 * cFloats,
    batch,
    m,
    n,
    k,
    mPanels,
    nPanels,
    packB: deferredB,
  };
}

/**
 * pack.ts's panels of width `width` (TILE_M for op(A), TILE_N for op(B)) built in wasm: the operand is
 * copied as it is stored into wasm memory at `stagingAddress` (one memcpy), then matmul.wat's
 * packInterleaved (`rowsStoredAlongK`: stored [rows, k], so each panel interleaves `width` stored rows: A,
 * or B = W^T for a Linear weight W) or packSlices (stored [k, rows]: each panel step is a slice of a stored
 * row) writes the full panels with SIMD loads, shuffles and stores, 1.3-2.5x faster than pack.ts's
 * float-by-float loops (bench/wasm-kernels.ts). A last, partial panel is pack.ts's.
 * @param rows the panel dimension: m for op(A), n for op(B)
 * @param panelsAddress byte address of the first panel
 */
export function packInWasm(
  src: Float32Array,
  off: number,
  rows: number,
  k: number,
  rowsStoredAlongK: boolean,
  width: typeof TILE_M | typeof TILE_N,
  heap: Float32Array,
  panelsAddress: number,
  stagingAddress: number,
): void {
  const full = Math.floor(rows / width);
  const exports = wasmMatmulModule().exports;
  if (full > 0) {
    heap.set(src.subarray(off, off + (rowsStoredAlongK ? full * width * k : rows * k)), stagingAddress / 4);
    if (rowsStoredAlongK) exports.packInterleaved(stagingAddress, panelsAddress, k, full, width);
    else exports.packSlices(stagingAddress, panelsAddress, k, rows, full, width);
  }
  if (full * width === rows) return;
  // The last panel: its rows past `rows` are zeros.
  const left = rows - full * width;
  const base = panelsAddress / 4 + full * width * k;
  if (rowsStoredAlongK) {
    // stored [rows, k]: the left rows are one block of the stored operand (A as stored; B = W^T)
    if (width === TILE_M) packA(src, off + full * width * k, left, k, false, heap, base);
    else packB(src, off + full * width * k, left, k, true, heap, base);
    return;
  }
  heap.fill(0, base, base + width * k);
  for (let p = 0; p < k; p++) {
    const s = off + p * rows + full * width;
    for (let c = 0; c < left; c++) heap[base + p * width + c] = src[s + c];
  }
}

/** Run the kernel over every row panel of every matrix on this thread (B's panels packed first if they are not yet). */
function runSerial(L: WasmMatmulLayout): void {
  const { gemm, packInterleaved } = wasmMatmulModule().exports;
  if (L.packB) packInterleaved(L.packB.staging, L.bBase, L.k, L.packB.panels, TILE_N);
  for (let bi = 0; bi < L.batch; bi++) {
    gemm(L.aBase + bi * L.aStride, L.bBase + bi * L.bStride, L.cBase + bi * L.cStride, L.k, L.nPanels, 0, L.mPanels);
  }
}

/** out[bi, i, j] = C[bi, i, j] for i < m, j < n (C's rows are 8 nPanels long). */
function copyOut(L: WasmMatmulLayout, out: Float32Array): void {
  const heap = heapF32(0);
  const ldc = L.nPanels * TILE_N;
  for (let bi = 0; bi < L.batch; bi++) {
    const c = L.cBase / 4 + (bi * L.cStride) / 4;
    const o = bi * L.m * L.n;
    if (ldc === L.n) {
      out.set(heap.subarray(c, c + L.m * L.n), o);
    } else {
      for (let i = 0; i < L.m; i++) out.set(heap.subarray(c + i * ldc, c + i * ldc + L.n), o + i * L.n);
    }
  }
}
