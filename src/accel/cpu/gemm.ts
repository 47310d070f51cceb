/**
 * The loops under the cpu matmul, shared by the main thread and the worker threads (cpu-worker.ts).
 *
 * gemmABt computes C = A @ B^T with A stored [m, k] and B stored [n, k], both read along contiguous rows.
 * The micro-kernel keeps a 4x4 block of C in 16 local variables while it walks p: each step loads 4 values
 * of A and 4 of B and does 16 multiply-adds, so every load is used four times. The loops over p and j are
 * blocked (KC, NC) so that the 4 rows of A and the NC rows of B being reused stay in cache.
 */
import type { FloatArray } from '../kernels.ts';

const KC = 256; // depth of a block of p: 4 rows of A x 256 floats = 4 KiB, L1-resident
const NC = 64; // rows of B per block: 64 x 256 floats = 64 KiB, L2-resident

/** dst[dstOffset + c * rows + r] = src[offset + r * cols + c] for a [rows, cols] matrix. */
export function transposeInto(src: FloatArray, offset: number, rows: number, cols: number, dst: FloatArray, dstOffset = 0): void {
  for (let r = 0; r < rows; r++) {
    const s = offset + r * cols;
    const d = dstOffset + r;
    for (let c = 0; c < cols; c++) dst[d + c * rows] = src[s + c];
  }
}

/**
 * C[i, j] = sum_p A[i, p] B[j, p]; A [m, k] at aOff, B [n, k] at bOff, C [m, n] at cOff (overwritten).
 * Each C[i, j] is the same sequence of additions whichever rows a call covers (the p blocks are the same,
 * and the 4x4 tile and the edge loop add in the same order), so splitting the rows of C between threads
 * gives bit-identical results.
 */
export function gemmABt(A: FloatArray, aOff: number, B: FloatArray, bOff: number, C: FloatArray, cOff: number, m: number, n: number, k: number): void {
  C.fill(0, cOff, cOff + m * n);
  const m4 = m - (m % 4);
  for (let p0 = 0; p0 < k; p0 += KC) {
    const p1 = Math.min(k, p0 + KC);
    for (let j0 = 0; j0 < n; j0 += NC) {
      const j1 = Math.min(n, j0 + NC);
      const j4 = j0 + (j1 - j0) - ((j1 - j0) % 4);
      for (let i = 0; i < m4; i += 4) {
        for (let j = j0; j < j4; j += 4) tile4x4(A, aOff + i * k, B, bOff + j * k, C, cOff + i * n + j, n, k, p0, p1);
        for (let j = j4; j < j1; j++) edge(A, aOff, B, bOff, C, cOff, n, k, i, i + 4, j, p0, p1);
      }
      for (let i = m4; i < m; i++) {
        for (let j = j0; j < j1; j++) edge(A, aOff, B, bOff, C, cOff, n, k, i, i + 1, j, p0, p1);
      }
    }
  }
}

/** The 4x4 register tile: C[0..3, 0..3] += A[0..3, p0..p1] . B[0..3, p0..p1]. [docs: gemm-tile] */
function tile4x4(A: FloatArray, a0: number, B: FloatArray, b0: number, C: FloatArray, c: number, n: number, k: number, p0: number, p1: number): void {
  const a1 = a0 + k,
    a2 = a1 + k,
    a3 = a2 + k;
  const b1 = b0 + k,
    b2 = b1 + k,
    b3 = b2 + k;
  let c00 = 0,
    c01 = 0,
    c02 = 0,
    c03 = 0;
  let c10 = 0,
    c11 = 0,
    c12 = 0,
    c13 = 0;
  let c20 = 0,
    c21 = 0,
    c22 = 0,
    c23 = 0;
  let c30 = 0,
    c31 = 0,
    c32 = 0,
    c33 = 0;
  for (let p = p0; p < p1; p++) {
    const x0 = A[a0 + p],
      x1 = A[a1 + p],
      x2 = A[a2 + p],
      x3 = A[a3 + p];
    const y0 = B[b0 + p],
      y1 = B[b1 + p],
      y2 = B[b2 + p],
      y3 = B[b3 + p];
    c00 += x0 * y0;
    c01 += x0 * y1;
    c02 += x0 * y2;
    c03 += x0 * y3;
    c10 += x1 * y0;
    c11 += x1 * y1;
    c12 += x1 * y2;
    c13 += x1 * y3;
    c20 += x2 * y0;
    c21 += x2 * y1;
    c22 += x2 * y2;
    c23 += x2 * y3;
    c30 += x3 * y0;
    c31 += x3 * y1;
    c32 += x3 * y2;
    c33 += x3 * y3;
  }
  C[c] += c00;
  C[c + 1] += c01;
  C[c + 2] += c02;
  C[c + 3] += c03;
  c += n;
  C[c] += c10;
  C[c + 1] += c11;
  C[c + 2] += c12;
  C[c + 3] += c13;
  c += n;
  C[c] += c20;
  C[c + 1] += c21;
  C[c + 2] += c22;
  C[c + 3] += c23;
  c += n;
  C[c] += c30;
  C[c + 1] += c31;
  C[c + 2] += c32;
  C[c + 3] += c33;
}

/** Leftover rows i0..i1 of column j (when m or n is not a multiple of 4): plain dot products. */
function edge(
  A: FloatArray,
  aOff: number,
  B: FloatArray,
  bOff: number,
  C: FloatArray,
  cOff: number,
  n: number,
  k: number,
  i0: number,
  i1: number,
  j: number,
  p0: number,
  p1: number,
): void {
  const bRow = bOff + j * k;
  for (let i = i0; i < i1; i++) {
    const aRow = aOff + i * k;
    let sum = 0;
    for (let p = p0; p < p1; p++) sum += A[aRow + p] * B[bRow + p];
    C[cOff + i * n + j] += sum;
  }
}
