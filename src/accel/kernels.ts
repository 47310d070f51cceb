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
  /**
   * Softmax over each contiguous row of length `cols`: out[r, j] = exp(x[r, j] - max_r) / sum_j exp(...).
   * A row entirely -Infinity gives zeros; one holding +Infinity or NaN gives NaN (tensor/softmax-input.ts).
   */
  softmaxRows: (x: FloatArray, out: FloatArray, rows: number, cols: number) => void;
  /** softmax(scale * x + mask) over rows, in one pass per row (attention probabilities). */
  scaledMaskedSoftmaxRows: (args: ScaledMaskedSoftmaxArgs) => void;
  /** Backward of y = softmax(scale * x + mask) over rows: gradX = scale * y * (gradY - sum_j gradY_j y_j). */
  softmaxRowsBackward: (args: SoftmaxBackwardArgs) => void;
  /** LayerNorm over rows: out = (x - mean) * rstd * weight + bias; writes mean and rstd per row. */
  layerNormForward: (args: LayerNormArgs) => void;
  /** LayerNorm backward from the saved mean and rstd (xhat is recomputed, not stored). */
  layerNormBackward: (args: LayerNormBackwardArgs) => void;
  /** out = gelu(x + bias), exact erf form. */
  gelu: (args: GeluArgs) => void;
  /** gradX = gradOut * gelu'(x + bias); gradBias += column sums of gradX. */
  geluBackward: (args: GeluBackwardArgs) => void;
  /** One AdamW step of one parameter, in place (see optim/adamw.ts for the formula). */
  adamwUpdate: (args: AdamWUpdateArgs) => void;
}

/**
 * y[r, j] = softmax_j(scale * x[r, j] + mask[maskRowOffsets[r] + j]) for rows of length `cols`.
 * The mask (null for none) is indexed through one offset per row, so a [batch, 1, 1, cols] attention mask
 * serves every head and query row without being broadcast into memory.
 */
export interface ScaledMaskedSoftmaxArgs {
  x: FloatArray;
  scale: number;
  mask: FloatArray | null;
  maskRowOffsets: Int32Array | null;
  out: FloatArray;
  rows: number;
  cols: number;
}

/** gradX[r, j] = scale * y[r, j] * (gradY[r, j] - sum_i gradY[r, i] y[r, i]). */
export interface SoftmaxBackwardArgs {
  y: FloatArray;
  gradY: FloatArray;
  gradX: FloatArray;
  scale: number;
  rows: number;
  cols: number;
}

/** x, out [rows, cols]; weight, bias [cols]; mean, rstd [rows] (written, for the backward). */
export interface LayerNormArgs {
  x: FloatArray;
  weight: FloatArray;
  bias: FloatArray;
  out: FloatArray;
  mean: Float64Array;
  rstd: Float64Array;
  rows: number;
  cols: number;
  eps: number;
}

/** gradX [rows, cols] is overwritten; gradWeight and gradBias (float64 [cols]) are added to. */
export interface LayerNormBackwardArgs {
  x: FloatArray;
  weight: FloatArray;
  gradOut: FloatArray;
  mean: Float64Array;
  rstd: Float64Array;
  gradX: FloatArray;
  gradWeight: Float64Array;
  gradBias: Float64Array;
  rows: number;
  cols: number;
}

/** Hyperparameters and state of one AdamW update; param, m and v are updated in place. */
export interface AdamWUpdateArgs {
  param: FloatArray;
  grad: FloatArray;
  m: FloatArray;
  v: FloatArray;
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** 0 for parameters that are not decayed. */
  weightDecay: number;
  /** The step number t, counting from 1. */
  step: number;
  /** true: PyTorch/transformers AdamW; false: the original BERT optimizer. */
  biasCorrection: boolean;
}

/** GELU forward (see cpu/gelu.ts): out[i] = gelu(x[i] + bias[i % cols]); bias null means none. */
export interface GeluArgs {
  x: FloatArray;
  bias: FloatArray | null;
  out: FloatArray;
  /** Length of a row (the bias length; any positive divisor of x.length without a bias). */
  cols: number;
}

/** GELU backward: gradX = gradOut * gelu'(x + bias); gradBias (float64 [cols], when given) += column sums. */
export interface GeluBackwardArgs {
  x: FloatArray;
  bias: FloatArray | null;
  gradOut: FloatArray;
  gradX: FloatArray;
  gradBias: Float64Array | null;
  cols: number;
}
