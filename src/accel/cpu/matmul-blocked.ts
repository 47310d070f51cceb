/**
 * The cpu backend's matmul: cache blocking plus a 4x4 register tile (the loops are in gemm.ts).
 *
 * Every product is first brought to the form C = A @ B^T with A stored [m, k] and B stored [n, k], so that
 * both operands are read along contiguous rows: C[i, j] = sum_p A[i, p] * B[j, p]. The common BERT case
 * x @ W^T (a Linear layer, W stored [out, in]) is already in that form; other layouts are packed once
 * (a transpose copy costs O(mk + nk), the product O(mnk)).
 *
 * Products big enough to pay for it are split over worker threads (matmul-threaded.ts); the split only
 * decides which thread computes which rows of C, so the result is bit-identical to the single-threaded one.
 */
import type { FloatArray, MatmulArgs } from '../kernels.ts';
import { gemmABt, transposeInto } from './gemm.ts';
import { matmulThreaded, shouldUseThreads } from './matmul-threaded.ts';

/**
 * out = op(A) @ op(B) for every batch (see MatmulArgs). Big products are split over worker threads
 * (matmul-threaded.ts) with results bit-identical to this single-threaded loop; small ones run here.
 */
export function matmulBlocked(args: MatmulArgs): void {
  if (shouldUseThreads(args)) {
    matmulThreaded(args);
    return;
  }
  matmulBlockedSerial(args);
}

/** The single-threaded kernel: pack what needs packing, then gemmABt per batch. */
export function matmulBlockedSerial(args: MatmulArgs): void {
  const { a, b, out, batch, m, n, k, transposeA, transposeB, aBatchStride, bBatchStride } = args;
  let packedA: FloatArray | null = null;
  let packedB: FloatArray | null = null;
  let packedBFrom = -1; // which B matrix (offset) packedB holds, to reuse it when B is broadcast
  for (let bi = 0; bi < batch; bi++) {
    const aOffset = bi * aBatchStride;
    const bOffset = bi * bBatchStride;
    let A = a;
    let aOff = aOffset;
    if (transposeA) {
      // A is stored [k, m]: pack its transpose into [m, k].
      packedA ??= new (a.constructor as Float32ArrayConstructor)(m * k) as FloatArray;
      transposeInto(a, aOffset, k, m, packedA);
      A = packedA;
      aOff = 0;
    }
    let B = b;
    let bOff = bOffset;
    if (!transposeB) {
      // B is stored [k, n]: pack its transpose into [n, k] (once when every batch shares the same B).
      packedB ??= new (b.constructor as Float32ArrayConstructor)(n * k) as FloatArray;
      if (packedBFrom !== bOffset) transposeInto(b, bOffset, k, n, packedB);
      packedBFrom = bOffset;
      B = packedB;
      bOff = 0;
    }
    gemmABt(A, aOff, B, bOff, out, bi * m * n, m, n, k);
  }
}
