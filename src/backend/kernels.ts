/**
 * The kernels a backend can provide, with their argument layouts. All arrays are contiguous row-major.
 * `FloatArray` is float32 or float64; kernels compute in the array's own precision.
 */
export type FloatArray = Float32Array | Float64Array;

/**
 * Batched matrix product: for each b < batch, out[b] = op(A[b]) @ op(B[b]) where op transposes when asked.
 * A[b] starts at b * aBatchStride (0 broadcasts one matrix over the batch), likewise B.
 * Without transposes A[b] is [m, k] and B[b] is [k, n]; transposeA means A[b] is stored [k, m], and
 * transposeB means B[b] is stored [n, k]. out is [batch, m, n] and is overwritten.
 */
export interface MatmulArgs {
  a: FloatArray;
  b: FloatArray;
  out: FloatArray;
  batch: number;
  m: number;
  n: number;
  k: number;
  transposeA: boolean;
  transposeB: boolean;
  aBatchStride: number;
  bBatchStride: number;
}

export interface KernelSignatures {
  matmul: (args: MatmulArgs) => void;
  /** Softmax over each contiguous row of length `cols`: out[r, j] = exp(x[r, j] - max_r) / sum_j exp(...). */
  softmaxRows: (x: FloatArray, out: FloatArray, rows: number, cols: number) => void;
}
