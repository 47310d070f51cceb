/**
 * [docs: wasm-pack]
 * Packing the operands of a matmul into the panel layout that matmul.wat reads (see its header):
 *   Ap[ip][p][r] = A[4 ip + r, p]   panels of 4 rows of op(A), p running over the depth k
 *   Bp[jp][p][c] = B[p, 8 jp + c]   panels of 8 columns of op(B)
 * Rows past m and columns past n are zeros, so the kernel only ever sees whole 4x8 tiles.
 * Each function reads its operand in either stored layout (the transpose flags of MatmulArgs).
 * Packing costs O(mk + nk) copies against the O(mnk) product.
 *
 * These loops are the definition of the layout. The products themselves pack in WebAssembly (matmul.ts
 * packInWasm: a memcpy, then matmul.wat's packInterleaved or packSlices, faster), tested to give these
 * panels bit for bit; they use these loops for a last, partial panel, and prepacked weights use packB.
 */

/** Rows per A panel and columns per B panel: the kernel's register tile is 4 x 8. */
export const TILE_M = 4;
export const TILE_N = 8;

/**
 * Pack op(A) ([m, k]) into `dst` from `dstOff` as ceil(m / 4) panels of [k, 4] floats.
 * @param a op(A) is a[aOff + i k + p], or a[aOff + p m + i] when `transposed` (A stored [k, m])
 */
export function packA(a: Float32Array, aOff: number, m: number, k: number, transposed: boolean, dst: Float32Array, dstOff: number): void {
  if (transposed) {
    packATransposed(a, aOff, m, k, dst, dstOff);
    return;
  }
  // A stored [m, k]: a panel interleaves 4 rows, so read the 4 rows side by side along p and write the
  // panel front to back.
  const fullPanels = Math.floor(m / TILE_M);
  for (let ip = 0; ip < fullPanels; ip++) {
    const s0 = aOff + ip * TILE_M * k;
    const s1 = s0 + k;
    const s2 = s1 + k;
    const s3 = s2 + k;
    for (let p = 0, d = dstOff + ip * k * TILE_M; p < k; p++, d += TILE_M) {
      dst[d] = a[s0 + p];
      dst[d + 1] = a[s1 + p];
      dst[d + 2] = a[s2 + p];
      dst[d + 3] = a[s3 + p];
    }
  }
  const rows = m - fullPanels * TILE_M;
  if (rows === 0) return;
  // The last, partial panel: its missing rows are zeros.
  const base = dstOff + fullPanels * k * TILE_M;
  dst.fill(0, base, base + k * TILE_M);
  for (let r = 0; r < rows; r++) {
    const s = aOff + (fullPanels * TILE_M + r) * k;
    for (let p = 0; p < k; p++) dst[base + p * TILE_M + r] = a[s + p];
  }
}

/**
 * packA for A stored [k, m] (op(A) = A^T, as in a weight gradient X^T dY). Row p of the stored A holds depth
 * p of every panel, so the loop runs over p outside and the panels inside: each stored row is read once,
 * front to back. (Panel by panel instead, each panel would read 4 floats from every one of the k rows: a
 * fresh cache line per read, and each line fetched again for the next panels.)
 */
function packATransposed(a: Float32Array, aOff: number, m: number, k: number, dst: Float32Array, dstOff: number): void {
  const fullPanels = Math.floor(m / TILE_M);
  const panelFloats = k * TILE_M;
  for (let p = 0; p < k; p++) {
    const s = aOff + p * m;
    for (let ip = 0, d = dstOff + p * TILE_M; ip < fullPanels; ip++, d += panelFloats) {
      const i = s + ip * TILE_M;
      dst[d] = a[i];
      dst[d + 1] = a[i + 1];
      dst[d + 2] = a[i + 2];
      dst[d + 3] = a[i + 3];
    }
  }
  const rows = m - fullPanels * TILE_M;
  if (rows === 0) return;
  // The last, partial panel: its missing rows are zeros.
  const base = dstOff + fullPanels * panelFloats;
  dst.fill(0, base, base + panelFloats);
  for (let p = 0; p < k; p++) {
    const s = aOff + p * m + fullPanels * TILE_M;
    for (let r = 0; r < rows; r++) dst[base + p * TILE_M + r] = a[s + r];
  }
}

/**
 * Pack op(B) ([k, n]) into `dst` from `dstOff` as ceil(n / 8) panels of [k, 8] floats.
 * @param b op(B) is b[bOff + p n + j], or b[bOff + j k + p] when `transposed` (B stored [n, k])
 */
export function packB(b: Float32Array, bOff: number, n: number, k: number, transposed: boolean, dst: Float32Array, dstOff: number): void {
  const panels = Math.ceil(n / TILE_N);
  // B stored [n, k] (a Linear weight): a full panel interleaves 8 stored rows, so read the 8 rows side by
  // side along p and write the panel front to back, as packA does with 4. (Row by row instead, each write
  // skips 8 floats: 4.6x slower for a [3072, 768] weight, and a batch-1 BERT forward packs every weight.)
  const fullTransposed = transposed ? Math.floor(n / TILE_N) : 0;
  for (let jp = 0; jp < fullTransposed; jp++) {
    const s0 = bOff + jp * TILE_N * k;
    const s1 = s0 + k;
    const s2 = s1 + k;
    const s3 = s2 + k;
    const s4 = s3 + k;
    const s5 = s4 + k;
    const s6 = s5 + k;
    const s7 = s6 + k;
    for (let p = 0, d = dstOff + jp * k * TILE_N; p < k; p++, d += TILE_N) {
      dst[d] = b[s0 + p];
      dst[d + 1] = b[s1 + p];
      dst[d + 2] = b[s2 + p];
      dst[d + 3] = b[s3 + p];
      dst[d + 4] = b[s4 + p];
      dst[d + 5] = b[s5 + p];
      dst[d + 6] = b[s6 + p];
      dst[d + 7] = b[s7 + p];
    }
  }
  for (let jp = fullTransposed; jp < panels; jp++) {
    const base = dstOff + jp * k * TILE_N;
    const j0 = jp * TILE_N;
    const cols = Math.min(TILE_N, n - j0);
    if (cols < TILE_N) dst.fill(0, base, base + k * TILE_N);
    if (transposed) {
      // B stored [n, k], the last, partial panel: read each row j along p, write every 8th float.
      for (let c = 0; c < cols; c++) {
        const s = bOff + (j0 + c) * k;
        for (let p = 0; p < k; p++) dst[base + p * TILE_N + c] = b[s + p];
      }
    } else {
      // B stored [k, n]: the panel's columns j0..j0+7 at depth p are contiguous in b.
      for (let p = 0; p < k; p++) {
        const s = bOff + p * n + j0;
        const d = base + p * TILE_N;
        for (let c = 0; c < cols; c++) dst[d + c] = b[s + c];
      }
    }
  }
}
