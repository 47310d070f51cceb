/**
 * The reference matmul: the textbook triple loop, accumulating each dot product in a JavaScript number
 * (float64). Every faster kernel is tested against this one.
 */
import type { MatmulArgs } from '../kernels.ts';

export function matmulNaive({ a, b, out, batch, m, n, k, transposeA, transposeB, aBatchStride, bBatchStride }: MatmulArgs): void {
  for (let bi = 0; bi < batch; bi++) {
    const aBase = bi * aBatchStride;
    const bBase = bi * bBatchStride;
    const oBase = bi * m * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let p = 0; p < k; p++) {
          const av = transposeA ? a[aBase + p * m + i] : a[aBase + i * k + p];
          const bv = transposeB ? b[bBase + j * k + p] : b[bBase + p * n + j];
          sum += av * bv;
        }
        out[oBase + i * n + j] = sum;
      }
    }
  }
}
