/**
 * The gpu.js kernels of device-resident tensors: what the device worker runs when an op's inputs are on
 * the device (device-worker.ts). Every kernel reads and writes flat float32 buffers, one thread per output
 * element (`this.thread.x` is the flat index), and is compiled with `pipeline: true, immutable: true`: in
 * webgpu mode its result stays on the GPU as a buffer handle that the next kernel takes as an argument,
 * and every call gets a buffer of its own (a tensor's values never change after the op made them).
 * In gpu.js's webasm and cpu modes the "handle" is a plain Float32Array, which is how the same code is
 * tested without a GPU.
 *
 * Index arithmetic must be exact integer arithmetic, and gpu.js computes in float32 unless told otherwise:
 * a float32 holds every integer only up to 2^24, while BERT-Base's word embeddings alone have 23.4M
 * values. So, in every kernel here:
 *   - kernels are compiled with `strictIntegers`, which makes integer constants (sizes, strides) 32-bit
 *     integers; arithmetic between integers stays integer (WGSL i32), exact below 2^31;
 *   - a variable declared from an integer expression becomes a float32 in gpu.js, so the flat index
 *     `this.thread.x` is never copied into a variable: it is written where it is used;
 *   - a loop counter is an integer in WGSL but a float32 in the scalar code of gpu.js's webasm mode, so in
 *     index arithmetic it is written `(p | 0)` too;
 *   - the variables that remain are row numbers and other quotients, exact integers in float32 while below
 *     2^24; `(q | 0)` turns one back into an integer for index arithmetic (a bitwise operator is integer
 *     typed in gpu.js), and every array subscript is integer arithmetic;
 *   - a quotient floor(idx / d) starts from a float32 division (WGSL's is not even correctly rounded) that
 *     is off by at most one while the quotient is below 2^21 (relative error under 6 2^-24), and is then
 *     corrected with exact integer comparisons. Each kernel names the constant it divides the flat index
 *     by (`rowLength`), and the device checks size / rowLength < 2^21 before running it (checkQuotients).
 * Values read from buffers and used as indices (token ids, targets, positions) are float32: exact below 2^24.
 *
 * gpu.js bakes sizes and constants into each compiled kernel, so kernels are cached by (op, output and
 * input sizes, constants): a model has a handful of distinct shapes.
 */
import { ADAMW_GROUP, BIASED_PRODUCT_GROUP, SUM_SQUARES_GROUP, type DeviceBinaryLayout, type DeviceBinaryOp, type DeviceKernelName } from '../device.ts';
import { ERF_FLOAT32_P, ERF_FLOAT32_Q } from '../../ops/erf-float32.ts';
import type { GPUInstance } from './gpu.ts';

/**
 * [docs: device-exact-quotient]
 * q = floor(num / den) for non-negative integers num < 2^31 and q < 2^21, exactly (see the header): num
 * and den are integer expressions, q becomes a float32 variable. Inlined into kernel text.
 */
function quotient(q: string, num: string, den: string): string {
  return `let ${q} = Math.floor(${num} / ${den});
  if ((${q} | 0) * ${den} > ${num}) { ${q} = ${q} - 1; }
  if (((${q} | 0) + 1) * ${den} <= ${num}) { ${q} = ${q} + 1; }`;
}

/** The largest quotient quotient() computes exactly. */
export const MAX_DEVICE_QUOTIENT = 2 ** 21;

/**
 * The dot product of the device's products, C[z, i, j] = sum_p A[z, i, p] B[z, p, j], for i, j, z set
 * before it. The strides say how A and B are stored (transposes and a broadcast operand are strides, as in
 * matmul.ts); the batch index has two levels, so that an operand may be a permuted view of another buffer
 * (attention's heads: [batch, seq, heads, dim] read as [batch heads, seq, dim], device.ts
 * deviceDeferredPermute): batch z starts at floor(z / inner) outerStride + (z mod inner) innerStride, with
 * inner = 1 and innerStride = 0 for a plain operand.
 */
const MATMUL_BATCH_OFFSETS = `${quotient('za', '(z | 0)', 'this.constants.aBatchInner')}
  ${quotient('zb', '(z | 0)', 'this.constants.bBatchInner')}
  const zai = z - za * this.constants.aBatchInner;
  const zbi = z - zb * this.constants.bBatchInner;`;

/** sum += A[z, i, p] B[z, p, j] over p, with B read from the input named `b`. */
function accumulateProduct(b: string): string {
  return `for (let p = 0; p < this.constants.k; p++) {
    sum += a[(za | 0) * this.constants.aBatchStride + (zai | 0) * this.constants.aInnerStride + (i | 0) * this.constants.aRowStride + (p | 0) * this.constants.aColStride] *
      ${b}[(zb | 0) * this.constants.bBatchStride + (zbi | 0) * this.constants.bInnerStride + (j | 0) * this.constants.bColStride + (p | 0) * this.constants.bRowStride];
  }`;
}

const DEVICE_MATMUL_DOT_PRODUCT = `${MATMUL_BATCH_OFFSETS}
  let sum = 0;
  ${accumulateProduct('b')}
  return sum;`;

/** C[z, i, j] flat: thread idx = (z m + i) n + j. */
const MATMUL = `function (a, b) {
  ${quotient('row', 'this.thread.x', 'this.constants.n')}
  ${quotient('z', '(row | 0)', 'this.constants.m')}
  const i = row - z * this.constants.m;
  const j = this.thread.x - (row | 0) * this.constants.n;
  ${DEVICE_MATMUL_DOT_PRODUCT}
}`;

/**
 * C written in a permuted order (attention's context [batch heads, seq, dim] straight into [batch, seq,
 * heads, dim], and the heads' gradients back): thread t is output (i0, i1, i2, i3) of sizes (., o1, o2, o3),
 * which is C's flat index i0 s0 + i1 s1 + i2 s2 + i3 s3 (as the permute kernel reads its input).
 */
const PERMUTED_C_INDEX =
  '((i0 | 0) * this.constants.s0 + (i1 | 0) * this.constants.s1 + (i2 | 0) * this.constants.s2 + (this.thread.x - (q3 | 0) * this.constants.o3) * this.constants.s3)';
const MATMUL_PERMUTED = `function (a, b) {
  ${quotient('q3', 'this.thread.x', 'this.constants.o3')}
  ${quotient('q2', '(q3 | 0)', 'this.constants.o2')}
  const i2 = q3 - q2 * this.constants.o2;
  ${quotient('i0', '(q2 | 0)', 'this.constants.o1')}
  const i1 = q2 - i0 * this.constants.o1;
  ${quotient('row', PERMUTED_C_INDEX, 'this.constants.n')}
  ${quotient('z', '(row | 0)', 'this.constants.m')}
  const i = row - z * this.constants.m;
  const j = ${PERMUTED_C_INDEX} - (row | 0) * this.constants.n;
  ${DEVICE_MATMUL_DOT_PRODUCT}
}`;

/** The product plus a bias row (a Linear layer's output in one launch): C[z, i, j] + bias[j]. */
const MATMUL_BIAS = MATMUL.replace('function (a, b) {', 'function (a, b, bias) {').replace('return sum;', 'return sum + bias[j];');

/**
 * Up to BIASED_PRODUCT_GROUP products of one A, each with its bias (attention's query, key and value),
 * one after the other: thread idx is value idx - t size of product t, whose B and bias are b_t and bias_t.
 * Each product's values are MATMUL_BIAS's (the same sum in the same order).
 */
const MATMUL_BIAS_MANY = (() => {
  const parts = Array.from({ length: BIASED_PRODUCT_GROUP }, (_, t) => t);
  const productT = (t: number): string => `if ((t | 0) == ${t}) {
    ${accumulateProduct(`b${t}`)}
    sum = sum + bias${t}[j];
  }`;
  return `function (a, ${parts.map((t) => `b${t}`).join(', ')}, ${parts.map((t) => `bias${t}`).join(', ')}) {
  ${quotient('t', 'this.thread.x', 'this.constants.size')}
  ${quotient('row', '(this.thread.x - (t | 0) * this.constants.size)', 'this.constants.n')}
  ${quotient('z', '(row | 0)', 'this.constants.m')}
  const i = row - z * this.constants.m;
  const j = this.thread.x - (t | 0) * this.constants.size - (row | 0) * this.constants.n;
  ${MATMUL_BATCH_OFFSETS}
  let sum = 0;
  ${parts.map(productT).join(' else ')}
  return sum;
}`;
})();

/**
 * The product [m, n] of one batch followed by m row sums of op(A), sum_p A[i, p], at mn + i: a Linear
 * layer's weight gradient G^T X and its bias's gradient, the column sums of G (in sumRows's order), in
 * one launch.
 */
const MATMUL_ROW_SUMS = MATMUL.replace(
  'function (a, b) {',
  `function (a, b) {
  if (this.thread.x >= this.constants.mn) {
    let rowSum = 0;
    for (let p = 0; p < this.constants.k; p++) {
      rowSum += a[(this.thread.x - this.constants.mn) * this.constants.aRowStride + (p | 0) * this.constants.aColStride];
    }
    return rowSum;
  }`,
);

/** The arithmetic of the binary ops, as kernel expressions of x (from a) and y (from b). */
const BINARY_EXPRESSIONS: Record<DeviceBinaryOp, string> = { add: 'x + y', sub: 'x - y', mul: 'x * y', div: 'x / y' };

/** The kernel of `a op b` for a layout (DeviceBinaryLayout): x from a, y from b. */
function binarySource(op: DeviceBinaryOp, layout: DeviceBinaryLayout): string {
  const expr = BINARY_EXPRESSIONS[op];
  switch (layout) {
    case 'same':
      return `function (a, b) { const x = a[this.thread.x]; const y = b[this.thread.x]; return ${expr}; }`;
    case 'row':
      return `function (a, b) {
  ${quotient('r', 'this.thread.x', 'this.constants.n')}
  const x = a[this.thread.x];
  const y = b[this.thread.x - (r | 0) * this.constants.n];
  return ${expr};
}`;
    case 'scalarB':
      return `function (a, b) { const x = a[this.thread.x]; const y = b[0]; return ${expr}; }`;
    case 'scalarA':
      return `function (a, b) { const x = a[0]; const y = b[this.thread.x]; return ${expr}; }`;
  }
}

/** out[j] = sum over rows r of g[r, j] for g [rows, n]: a bias gradient (the backward of a row broadcast). */
const SUM_ROWS = `function (g) {
  let sum = 0;
  for (let r = 0; r < this.constants.rows; r++) {
    sum += g[(r | 0) * this.constants.n + this.thread.x];
  }
  return sum;
}`;

/**
 * erf(x) to float32 accuracy, x P(x^2) / Q(x^2) with x clamped to [-4, 4]: the Eigen/XLA float32
 * coefficients of src/ops/erf-float32.ts, written into the kernel text (kernels cannot call TypeScript).
 */
const horner = (v: string, coefficients: readonly number[]) =>
  coefficients
    .slice(1)
    .map((c) => `\n  ${v} = ${v} * z2 + ${c};`)
    .join('');
const ERF = `
  const ex = Math.min(Math.max(u, -4), 4);
  const z2 = ex * ex;
  let p = ${ERF_FLOAT32_P[0]};${horner('p', ERF_FLOAT32_P)}
  let q = ${ERF_FLOAT32_Q[0]};${horner('q', ERF_FLOAT32_Q)}
  const erfU = (ex * p) / q;`;

/** gelu(x) = x/2 (1 + erf(x / sqrt 2)). */
const GELU = `function (x) {
  const v = x[this.thread.x];
  const u = v * 0.7071067811865476;${ERF}
  return 0.5 * v * (1 + erfU);
}`;

/** dx = g gelu'(x), gelu'(x) = (1 + erf(x / sqrt 2)) / 2 + x exp(-x^2 / 2) / sqrt(2 pi). */
const GELU_BACKWARD = `function (x, g) {
  const v = x[this.thread.x];
  const u = v * 0.7071067811865476;${ERF}
  return g[this.thread.x] * (0.5 * (1 + erfU) + v * 0.3989422804014327 * Math.exp(-0.5 * v * v));
}`;

/**
 * gelu(x + b) for a bias row b (constant n, its length) and its backward g gelu'(x + b): the bias add of a
 * Linear layer and the activation in one pass, x + b rounded to float32 first as the unfused ops do.
 */
const BIAS_GELU = `function (x, b) {
  ${quotient('r', 'this.thread.x', 'this.constants.n')}
  const v = x[this.thread.x] + b[this.thread.x - (r | 0) * this.constants.n];
  const u = v * 0.7071067811865476;${ERF}
  return 0.5 * v * (1 + erfU);
}`;

const BIAS_GELU_BACKWARD = `function (x, b, g) {
  ${quotient('r', 'this.thread.x', 'this.constants.n')}
  const v = x[this.thread.x] + b[this.thread.x - (r | 0) * this.constants.n];
  const u = v * 0.7071067811865476;${ERF}
  return g[this.thread.x] * (0.5 * (1 + erfU) + v * 0.3989422804014327 * Math.exp(-0.5 * v * v));
}`;

/** gelu(C + bias) (an intermediate layer's activation of its product): biasGelu's formula after the product. */
const MATMUL_BIAS_GELU = MATMUL.replace('function (a, b) {', 'function (a, b, bias) {').replace(
  'return sum;',
  `const v = sum + bias[j];
  const u = v * 0.7071067811865476;${ERF}
  return 0.5 * v * (1 + erfU);`,
);

/**
 * out[i0, i1, i2, i3] = x[i0 s0 + i1 s1 + i2 s2 + i3 s3]: a permutation of up to four dimensions (leading
 * dimensions of size 1 pad a smaller rank). o1..o3 are the output's sizes, s0..s3 the input's stride of
 * the dimension that became each output dimension.
 */
const PERMUTE = `function (x) {
  ${quotient('q3', 'this.thread.x', 'this.constants.o3')}
  ${quotient('q2', '(q3 | 0)', 'this.constants.o2')}
  const i2 = q3 - q2 * this.constants.o2;
  ${quotient('i0', '(q2 | 0)', 'this.constants.o1')}
  const i1 = q2 - i0 * this.constants.o1;
  return x[(i0 | 0) * this.constants.s0 + (i1 | 0) * this.constants.s1 + (i2 | 0) * this.constants.s2 +
    (this.thread.x - (q3 | 0) * this.constants.o3) * this.constants.s3];
}`;

/*
 * Softmax of z = scale * x + mask over rows of `cols`, the attention probabilities. The mask row of score
 * row r starts at maskRow[r] (an offset into mask, so any broadcast of the mask is a table of offsets); an
 * op without a mask passes a row of zeros. Two passes, one thread per row (twice) or per element:
 *   softmaxRowStats   [2 rows]: m_r = max_j z_rj at r; s_r = sum_j exp(z_rj - m_r) at rows + r (the
 *                     thread of s_r finds m_r again: a thread computes one number)
 *   softmaxNormalize  y_rj = exp(z_rj - m_r) / s_r
 * (A row of only -Infinity gives NaN here, where the host gives zeros; BERT's mask uses the most negative
 * float32 instead of -Infinity, so its rows are finite.)
 */
const SOFTMAX_ROW_STATS = `function (x, mask, maskRow) {
  let r = this.thread.x;
  if (this.thread.x >= this.constants.rows) { r = this.thread.x - this.constants.rows; }
  const mbase = maskRow[r];
  let m = x[(r | 0) * this.constants.cols] * this.constants.scale + mask[mbase];
  for (let j = 1; j < this.constants.cols; j++) {
    m = Math.max(m, x[(r | 0) * this.constants.cols + (j | 0)] * this.constants.scale + mask[(mbase | 0) + (j | 0)]);
  }
  if (this.thread.x < this.constants.rows) { return m; }
  let sum = 0;
  for (let j = 0; j < this.constants.cols; j++) {
    sum += Math.exp(x[(r | 0) * this.constants.cols + (j | 0)] * this.constants.scale + mask[(mbase | 0) + (j | 0)] - m);
  }
  return sum;
}`;

const SOFTMAX_NORMALIZE = `function (x, mask, maskRow, stats) {
  ${quotient('r', 'this.thread.x', 'this.constants.cols')}
  const j = this.thread.x - (r | 0) * this.constants.cols;
  return Math.exp(x[this.thread.x] * this.constants.scale + mask[(maskRow[r] | 0) + (j | 0)] - stats[r]) / stats[this.constants.rows + (r | 0)];
}`;

/**
 * softmaxRows: the two passes in one kernel, for few rows: each thread finds its row's m_r and s_r itself
 * (cols times the reads of softmaxNormalize, one launch instead of two; TensorDevice.rowKernelWork).
 */
const SOFTMAX_ROWS = `function (x, mask, maskRow) {
  ${quotient('r', 'this.thread.x', 'this.constants.cols')}
  const j = this.thread.x - (r | 0) * this.constants.cols;
  const mbase = maskRow[r];
  let m = x[(r | 0) * this.constants.cols] * this.constants.scale + mask[mbase];
  for (let c = 1; c < this.constants.cols; c++) {
    m = Math.max(m, x[(r | 0) * this.constants.cols + (c | 0)] * this.constants.scale + mask[(mbase | 0) + (c | 0)]);
  }
  let sum = 0;
  for (let c = 0; c < this.constants.cols; c++) {
    sum += Math.exp(x[(r | 0) * this.constants.cols + (c | 0)] * this.constants.scale + mask[(mbase | 0) + (c | 0)] - m);
  }
  return Math.exp(x[this.thread.x] * this.constants.scale + mask[(mbase | 0) + (j | 0)] - m) / sum;
}`;

/** d_r = sum_j g_rj y_rj, for the softmax backward. */
const ROW_DOT = `function (y, g) {
  let sum = 0;
  for (let j = 0; j < this.constants.cols; j++) {
    sum += y[this.thread.x * this.constants.cols + (j | 0)] * g[this.thread.x * this.constants.cols + (j | 0)];
  }
  return sum;
}`;

/** dx_rj = scale y_rj (g_rj - d_r): the backward of y = softmax(scale x + mask) with respect to x. */
const SOFTMAX_BACKWARD = `function (y, g, rowDot) {
  ${quotient('r', 'this.thread.x', 'this.constants.cols')}
  return this.constants.scale * y[this.thread.x] * (g[this.thread.x] - rowDot[r]);
}`;

/*
 * LayerNorm over rows of `cols`: y = (x - mean_r) rstd_r w + b, rstd_r = 1 / sqrt(var_r + eps).
 *   layerNormStats      [2 rows]: mean_r for t < rows, rstd_r at t = rows + r (the mean recomputed: a
 *                       thread computes one number)
 *   layerNormApply      y
 * Backward, with xhat = (x - mean) rstd and gw = g w:
 *   layerNormRowSums    [2 rows]: sum_j gw_rj, then sum_j gw_rj xhat_rj
 *   layerNormBackward   dx = rstd (gw - sum1 / cols - xhat sum2 / cols)
 *   layerNormParamGrads [2 cols]: dw_j = sum_r g_rj xhat_rj at j, db_j = sum_r g_rj at cols + j (one launch
 *                       for both: the weight's and the bias's gradient are views of its output)
 */
const LAYER_NORM_STATS = `function (x) {
  let r = this.thread.x;
  if (this.thread.x >= this.constants.rows) { r = this.thread.x - this.constants.rows; }
  let mean = 0;
  for (let j = 0; j < this.constants.cols; j++) {
    mean += x[(r | 0) * this.constants.cols + (j | 0)];
  }
  mean = mean / this.constants.cols;
  if (this.thread.x < this.constants.rows) { return mean; }
  let v = 0;
  for (let j = 0; j < this.constants.cols; j++) {
    const d = x[(r | 0) * this.constants.cols + (j | 0)] - mean;
    v += d * d;
  }
  return 1 / Math.sqrt(v / this.constants.cols + this.constants.eps);
}`;

const LAYER_NORM_APPLY = `function (x, stats, w, b) {
  ${quotient('r', 'this.thread.x', 'this.constants.cols')}
  const j = this.thread.x - (r | 0) * this.constants.cols;
  return (x[this.thread.x] - stats[r]) * stats[this.constants.rows + (r | 0)] * w[j] + b[j];
}`;

/**
 * layerNormRows: layerNormStats and layerNormApply in one kernel, for few rows: each thread finds its row's
 * mean and rstd itself (cols times the reads, one launch instead of two; TensorDevice.rowKernelWork).
 */
const LAYER_NORM_ROWS = `function (x, w, b) {
  ${quotient('r', 'this.thread.x', 'this.constants.cols')}
  const j = this.thread.x - (r | 0) * this.constants.cols;
  let mean = 0;
  for (let c = 0; c < this.constants.cols; c++) {
    mean += x[(r | 0) * this.constants.cols + (c | 0)];
  }
  mean = mean / this.constants.cols;
  let v = 0;
  for (let c = 0; c < this.constants.cols; c++) {
    const d = x[(r | 0) * this.constants.cols + (c | 0)] - mean;
    v += d * d;
  }
  return (x[this.thread.x] - mean) * (1 / Math.sqrt(v / this.constants.cols + this.constants.eps)) * w[j] + b[j];
}`;

const LAYER_NORM_ROW_SUMS = `function (x, stats, w, g) {
  let r = this.thread.x;
  if (this.thread.x >= this.constants.rows) { r = this.thread.x - this.constants.rows; }
  const mean = stats[r];
  const rstd = stats[this.constants.rows + (r | 0)];
  let sum = 0;
  for (let j = 0; j < this.constants.cols; j++) {
    let term = g[(r | 0) * this.constants.cols + (j | 0)] * w[j];
    if (this.thread.x >= this.constants.rows) { term = term * (x[(r | 0) * this.constants.cols + (j | 0)] - mean) * rstd; }
    sum += term;
  }
  return sum;
}`;

const LAYER_NORM_BACKWARD = `function (x, stats, w, g, sums) {
  ${quotient('r', 'this.thread.x', 'this.constants.cols')}
  const j = this.thread.x - (r | 0) * this.constants.cols;
  const rstd = stats[this.constants.rows + (r | 0)];
  const xhat = (x[this.thread.x] - stats[r]) * rstd;
  const n = this.constants.cols;
  return rstd * (g[this.thread.x] * w[j] - sums[r] / n - xhat * sums[this.constants.rows + (r | 0)] / n);
}`;

const LAYER_NORM_PARAM_GRADS = `function (x, stats, g) {
  let c = this.thread.x;
  if (this.thread.x >= this.constants.cols) { c = this.thread.x - this.constants.cols; }
  let sum = 0;
  for (let r = 0; r < this.constants.rows; r++) {
    let term = g[(r | 0) * this.constants.cols + (c | 0)];
    if (this.thread.x < this.constants.cols) {
      term = term * (x[(r | 0) * this.constants.cols + (c | 0)] - stats[r]) * stats[this.constants.rows + (r | 0)];
    }
    sum += term;
  }
  return sum;
}`;

/*
 * Sums of squares for the gradient norm, in two passes so that no thread loops over a whole tensor:
 *   sumSquaresPartial  [chunks]: the sum of x^2 over elements [c chunk, (c + 1) chunk) of n
 *   sumAll             [1]: the sum of its n inputs
 */
const SUM_SQUARES_PARTIAL = `function (x) {
  let sum = 0;
  for (let i = 0; i < this.constants.chunk; i++) {
    if (this.thread.x * this.constants.chunk + (i | 0) < this.constants.n) {
      const v = x[this.thread.x * this.constants.chunk + (i | 0)];
      sum += v * v;
    }
  }
  return sum;
}`;

const SUM_ALL = `function (x) {
  let sum = 0;
  for (let i = 0; i < this.constants.n; i++) {
    sum += x[i];
  }
  return sum;
}`;

/*
 * The same over up to SUM_SQUARES_GROUP tensors in one launch (the gradient norm over every parameter):
 *   sumSquaresPartialMany  [c_G]: thread t of input k (c_k <= t < c_{k+1}) sums x_k^2 over its chunk
 *                          [(t - c_k) chunk, (t - c_k + 1) chunk) of input k's n_k values
 *   sumAllMany             [1]: the sum of the values of up to SUM_SQUARES_GROUP partial sums x_k (n_k values
 *                          each), plus total[0] when plusTotal is 1 (a running total over launches)
 * The index within an input is never stored in a variable (it may exceed 2^24): it is written out.
 */
function sumSquaresPartialManySource(): string {
  const params = Array.from({ length: SUM_SQUARES_GROUP }, (_, k) => `x${k}`).join(', ');
  const branches = Array.from({ length: SUM_SQUARES_GROUP }, (_, k) => {
    const index = `(this.thread.x - this.constants.c${k}) * this.constants.chunk + (i | 0)`;
    return `${k > 0 ? ' else ' : '    '}if (this.thread.x < this.constants.c${k + 1}) {
      if (${index} < this.constants.n${k}) {
        const v${k} = x${k}[${index}];
        sum += v${k} * v${k};
      }
    }`;
  }).join('');
  return `function (${params}) {
  let sum = 0;
  for (let i = 0; i < this.constants.chunk; i++) {
${branches}
  }
  return sum;
}`;
}

function sumAllManySource(): string {
  const params = Array.from({ length: SUM_SQUARES_GROUP }, (_, k) => `x${k}`).join(', ');
  const loops = Array.from(
    { length: SUM_SQUARES_GROUP },
    (_, k) => `  for (let i = 0; i < this.constants.n${k}; i++) {
    sum += x${k}[i];
  }`,
  ).join('\n');
  return `function (total, ${params}) {
  let sum = 0;
  if (this.constants.plusTotal == 1) { sum = total[0]; }
${loops}
  return sum;
}`;
}

/*
 * AdamW, one kernel per output (a gpu.js kernel writes one buffer): the moments, then the parameter from
 * the new moments. The step's numbers are kernel arguments, not constants, so that the learning-rate
 * schedule does not recompile the kernels every step.
 *   adamMoment   m' = beta m + (1 - beta) g      (with g^2 for the second moment: adamMoment2)
 *   adamParam    p' = p decay - stepSize m' / (sqrt(v') / sqrtC2 + eps)   (transformers' bias correction)
 *   adamParamBert p' = p - lr (m' / (sqrt(v') + eps) + wd p)              (the original BERT optimizer)
 */
const ADAM_MOMENT = `function (m, g, beta) {
  return beta * m[this.thread.x] + (1 - beta) * g[this.thread.x];
}`;

const ADAM_MOMENT2 = `function (v, g, beta) {
  const gi = g[this.thread.x];
  return beta * v[this.thread.x] + (1 - beta) * gi * gi;
}`;

const ADAM_PARAM = `function (p, m, v, decay, stepSize, sqrtC2, eps) {
  return p[this.thread.x] * decay - (stepSize * m[this.thread.x]) / (Math.sqrt(v[this.thread.x]) / sqrtC2 + eps);
}`;

const ADAM_PARAM_BERT = `function (p, m, v, lr, eps, wd) {
  const pi = p[this.thread.x];
  return pi - lr * (m[this.thread.x] / (Math.sqrt(v[this.thread.x]) + eps) + wd * pi);
}`;

/*
 * The whole update of one parameter of n values in one kernel, its output [3n] = [p', m', v'] (the
 * parameter and its moments are views of it): threads [n, 2n) compute m', [2n, 3n) v', and [0, n) compute
 * m' and v' again for p' (three multiply-adds, cheaper than a launch). The first update of a parameter
 * reads p, m and v from buffers of their own; later ones update it with others in one launch (adamwGroup).
 *   adamw  p, m, v, g; scalars beta1, beta2, a, b, c, eps, gScale
 * The gradient is read times gScale (gradient clipping's factor, 1 without). Constant bert: 0 p' = p a -
 * b m' / (sqrt(v') / c + eps) (bias correction), 1 p' = p - a (m' / (sqrt(v') + eps) + b p) (the original
 * BERT optimizer).
 */
const ADAMW = `function (p, m, v, g, beta1, beta2, a, b, c, eps, gScale) {
  if (this.thread.x >= 2 * this.constants.n) {
    const gv = g[this.thread.x - 2 * this.constants.n] * gScale;
    return beta2 * v[this.thread.x - 2 * this.constants.n] + (1 - beta2) * gv * gv;
  }
  if (this.thread.x >= this.constants.n) {
    const gm = g[this.thread.x - this.constants.n] * gScale;
    return beta1 * m[this.thread.x - this.constants.n] + (1 - beta1) * gm;
  }
  const gi = g[this.thread.x] * gScale;
  const mi = beta1 * m[this.thread.x] + (1 - beta1) * gi;
  const vi = beta2 * v[this.thread.x] + (1 - beta2) * gi * gi;
  const pi = p[this.thread.x];
  if (this.constants.bert == 1) {
    return pi - a * (mi / (Math.sqrt(vi) + eps) + b * pi);
  }
  return pi * a - (b * mi) / (Math.sqrt(vi) / c + eps);
}`;

/*
 * The update of up to ADAMW_GROUP parameters in one launch (device.ts deviceAdamwGrouped). Their values and
 * moments live in one buffer s, parameter k's segment [o_k, e_k) holding [p, m, v] (n_k values each) and,
 * for a matrix [r_k, c_k] when t_k = 1, its transpose [c_k, r_k] after them (what a product that reads the
 * matrix as B^T reads, instead of a copy made before each product). The output has the same layout:
 *   adamwGroup   s, g0..g5; scalars beta1, beta2, c, eps, then a_k, b_k, gScale_k per parameter (the
 *                formulas of adamw; a and b differ between decayed and not decayed parameters)
 *   adamwGather  x0..x5: parameter k's [p, m, v] from x_k (a view of wherever they are) into the layout
 *                (zeros in the transpose's place), when the group's parameters are not yet in one buffer
 * A thread finds its parameter by comparing with the segments' ends (unused slots have n_k = 0 and sit at
 * the end). Indices within a parameter may pass 2^24, so none is stored in a variable: each is written out.
 * In the transpose, thread o_k + 3 n_k + q holds p'[q mod r_k, floor(q / r_k)] (a column number below 2^21).
 */
function adamwGroupSource(): string {
  const c = (name: string, k: number) => `this.constants.${name}${k}`;
  const update = (k: number, index: string, suffix: string) => {
    const [o, n] = [c('o', k), c('n', k)];
    return `const g${suffix} = g${k}[${index}] * gScale${k};
      const m${suffix} = beta1 * s[${o} + ${n} + ${index}] + (1 - beta1) * g${suffix};
      const v${suffix} = beta2 * s[${o} + 2 * ${n} + ${index}] + (1 - beta2) * g${suffix} * g${suffix};
      const p${suffix} = s[${o} + ${index}];
      if (this.constants.bert == 1) {
        return p${suffix} - a${k} * (m${suffix} / (Math.sqrt(v${suffix}) + eps) + b${k} * p${suffix});
      }
      return p${suffix} * a${k} - (b${k} * m${suffix}) / (Math.sqrt(v${suffix}) / c + eps);`;
  };
  const branches = Array.from({ length: ADAMW_GROUP }, (_, k) => {
    const [o, n, r, cols] = [c('o', k), c('n', k), c('r', k), c('c', k)];
    const local = `(this.thread.x - ${o} - 3 * ${n})`;
    return `${k > 0 ? ' else ' : '  '}if (this.thread.x < ${c('e', k)}) {
    if (this.thread.x >= ${o} + 3 * ${n}) {
      ${quotient(`col${k}`, local, r)}
      ${update(k, `(${local} - (col${k} | 0) * ${r}) * ${cols} + (col${k} | 0)`, `t${k}`)}
    }
    if (this.thread.x >= ${o} + 2 * ${n}) {
      const gv${k} = g${k}[this.thread.x - ${o} - 2 * ${n}] * gScale${k};
      return beta2 * s[this.thread.x] + (1 - beta2) * gv${k} * gv${k};
    }
    if (this.thread.x >= ${o} + ${n}) {
      return beta1 * s[this.thread.x] + (1 - beta1) * g${k}[this.thread.x - ${o} - ${n}] * gScale${k};
    }
    ${update(k, `this.thread.x - ${o}`, `p${k}`)}
  }`;
  }).join('');
  const grads = Array.from({ length: ADAMW_GROUP }, (_, k) => `g${k}`).join(', ');
  const scalars = Array.from({ length: ADAMW_GROUP }, (_, k) => `a${k}, b${k}, gScale${k}`).join(', ');
  return `function (s, ${grads}, beta1, beta2, c, eps, ${scalars}) {
${branches}
  return 0;
}`;
}

function adamwGatherSource(): string {
  const c = (name: string, k: number) => `this.constants.${name}${k}`;
  const branches = Array.from(
    { length: ADAMW_GROUP },
    (_, k) => `${k > 0 ? ' else ' : '  '}if (this.thread.x < ${c('e', k)}) {
    if (this.thread.x < ${c('o', k)} + 3 * ${c('n', k)}) { return x${k}[this.thread.x - ${c('o', k)}]; }
  }`,
  ).join('');
  return `function (${Array.from({ length: ADAMW_GROUP }, (_, k) => `x${k}`).join(', ')}) {
${branches}
  return 0;
}`;
}

/*
 * Rows of a table picked by index (an embedding lookup, the masked positions of the MLM head), and the
 * backward, which adds each output row's gradient into its table row. Without atomic adds the backward
 * is a gather too: the host sorts the positions by table row (it has the indices), and thread (v, j)
 * sums the gradients of the positions of row v, listed in positions[rowStart[v] .. rowStart[v + 1]).
 *   gatherRows   out[r, j] = table[ids[r], j]                      (ids as floats: exact below 2^24)
 *   scatterRows  grad[v, j] = sum over k of g[positions[k], j]      constants inner, maxCount
 * maxCount (the most positions of any row, rounded up to a power of two so that few kernels compile) only
 * bounds the loop for gpu.js; each thread stops after its own row's count. Without the break, every thread
 * of BERT-Base's 23.4M-value word-embedding gradient would run the most frequent token's count.
 */
const GATHER_ROWS = `function (table, ids) {
  ${quotient('r', 'this.thread.x', 'this.constants.inner')}
  return table[(ids[r] | 0) * this.constants.inner + this.thread.x - (r | 0) * this.constants.inner];
}`;

const SCATTER_ROWS = `function (g, rowStart, positions) {
  ${quotient('v', 'this.thread.x', 'this.constants.inner')}
  const j = this.thread.x - (v | 0) * this.constants.inner;
  const start = rowStart[v];
  const count = rowStart[(v | 0) + 1] - start;
  let sum = 0;
  for (let k = 0; k < this.constants.maxCount; k++) {
    if (k >= count) { break; }
    sum += g[(positions[(start | 0) + (k | 0)] | 0) * this.constants.inner + (j | 0)];
  }
  return sum;
}`;

/*
 * x viewed as [outer, n, inner]: slice keeps [start, start + len) of the middle axis; unslice is its
 * backward, the gradient placed back with zeros around it.
 */
const SLICE = `function (x) {
  ${quotient('row', 'this.thread.x', 'this.constants.inner')}
  ${quotient('o', '(row | 0)', 'this.constants.len')}
  const i = row - o * this.constants.len;
  const j = this.thread.x - (row | 0) * this.constants.inner;
  return x[((o | 0) * this.constants.n + this.constants.start + (i | 0)) * this.constants.inner + (j | 0)];
}`;

const UNSLICE = `function (g) {
  ${quotient('row', 'this.thread.x', 'this.constants.inner')}
  ${quotient('o', '(row | 0)', 'this.constants.n')}
  const k = row - o * this.constants.n - this.constants.start;
  if (k < 0 || k >= this.constants.len) { return 0; }
  const j = this.thread.x - (row | 0) * this.constants.inner;
  return g[((o | 0) * this.constants.len + (k | 0)) * this.constants.inner + (j | 0)];
}`;

/*
 * Inverted dropout with the mask made on the device by a counter-based generator (accel/speck.ts, the
 * plain reference): thread i encrypts its counter (hi, lo) = (floor(i / 2^16), i mod 2^16) with Speck32/64
 * under the call's 22 round keys and keeps its element when the word hi 2^16 + lo is at least the threshold
 * (thresholdHi 2^16 + thresholdLo = ceil(p 2^32)):
 *   dropout  y = x / keep if kept, else 0      (keep = 1 - p; the backward is the same kernel on g)
 * Every value stays below 2^17 (16-bit words, additions mod 2^16): exact whether gpu.js types a variable
 * as an integer or as a float32.
 */
const DROPOUT = `function (x, roundKeys) {
  let hi = this.thread.x >> 16;
  let lo = this.thread.x & 65535;
  for (let r = 0; r < 22; r++) {
    hi = (((((hi | 0) >> 7) | ((hi | 0) << 9)) & 65535) + (lo | 0)) & 65535;
    hi = (hi | 0) ^ (roundKeys[(r | 0)] | 0);
    lo = ((((lo | 0) << 2) | ((lo | 0) >> 14)) & 65535) ^ (hi | 0);
  }
  if ((hi | 0) > this.constants.thresholdHi || ((hi | 0) === this.constants.thresholdHi && (lo | 0) >= this.constants.thresholdLo)) {
    return x[this.thread.x] / this.constants.keep;
  }
  return 0;
}`;

/** tanh and its backward from the output: dx = g (1 - y^2). */
const TANH = `function (x) { return Math.tanh(x[this.thread.x]); }`;
const TANH_BACKWARD = `function (y, g) { const v = y[this.thread.x]; return g[this.thread.x] * (1 - v * v); }`;

/*
 * Cross-entropy of rows of `cols` logits against integer targets (as floats; a target equal to the
 * ignore index contributes nothing). With stats = [m_r (rows), s_r (rows)] from softmaxRowStats (scale 1,
 * a zero mask; constant rows):
 *   crossEntropyRows     loss_r = m_r + log s_r - x[r, target_r], or 0 for an ignored row
 *   crossEntropyBackward dx[r, j] = (exp(x_rj - m_r) / s_r - [j = target_r]) w_r, w_r = gScale[0] / count
 *                        (or 0 for an ignored row); gScale is the loss's gradient, count a constant
 */
const CROSS_ENTROPY_ROWS = `function (x, stats, targets) {
  const t = targets[this.thread.x];
  if (t == this.constants.ignoreIndex) { return 0; }
  return stats[this.thread.x] + Math.log(stats[this.constants.rows + this.thread.x]) - x[this.thread.x * this.constants.cols + (t | 0)];
}`;

const CROSS_ENTROPY_BACKWARD = `function (x, stats, targets, gScale) {
  ${quotient('r', 'this.thread.x', 'this.constants.cols')}
  const j = this.thread.x - (r | 0) * this.constants.cols;
  const t = targets[r];
  if (t == this.constants.ignoreIndex) { return 0; }
  let p = Math.exp(x[this.thread.x] - stats[r]) / stats[this.constants.rows + (r | 0)];
  if (j == t) { p = p - 1; }
  return p * gScale[0] / this.constants.count;
}`;

/** A copy of the argument (how host values become a device buffer in webgpu mode). */
const COPY = `function (x) { return x[this.thread.x]; }`;

/** A device kernel: its source and the constants that matter outside it. */
interface KernelEntry {
  source: string;
  /** The constant that bounds its loop (gpu.js caps a loop it cannot prove bounded at 1000 iterations). */
  loopBound?: string;
  /** The constants it divides the flat index by (quotient()): size / rowLength must stay below 2^21. */
  rowLength?: string | string[];
}

function binaryEntries(): Record<`${DeviceBinaryOp}-${DeviceBinaryLayout}`, KernelEntry> {
  const out = {} as Record<`${DeviceBinaryOp}-${DeviceBinaryLayout}`, KernelEntry>;
  for (const op of ['add', 'sub', 'mul', 'div'] as const) {
    for (const layout of ['same', 'row', 'scalarB', 'scalarA'] as const) {
      out[`${op}-${layout}`] = { source: binarySource(op, layout), ...(layout === 'row' ? { rowLength: 'n' } : {}) };
    }
  }
  return out;
}

/** Every device kernel by name (DeviceKernelName in ../device.ts lists the names and their constants). */
export const DEVICE_KERNELS: Record<DeviceKernelName, KernelEntry> = {
  copy: { source: COPY },
  matmul: { source: MATMUL, loopBound: 'k', rowLength: 'n' },
  matmulBias: { source: MATMUL_BIAS, loopBound: 'k', rowLength: 'n' },
  matmulBiasGelu: { source: MATMUL_BIAS_GELU, loopBound: 'k', rowLength: 'n' },
  matmulBiasMany: { source: MATMUL_BIAS_MANY, loopBound: 'k', rowLength: ['size', 'n'] },
  matmulRowSums: { source: MATMUL_ROW_SUMS, loopBound: 'k', rowLength: 'n' },
  matmulPermuted: { source: MATMUL_PERMUTED, loopBound: 'k', rowLength: ['o3', 'n'] },
  ...binaryEntries(),
  sumRows: { source: SUM_ROWS, loopBound: 'rows' },
  gelu: { source: GELU },
  geluBackward: { source: GELU_BACKWARD },
  biasGelu: { source: BIAS_GELU, rowLength: 'n' },
  biasGeluBackward: { source: BIAS_GELU_BACKWARD, rowLength: 'n' },
  permute: { source: PERMUTE, rowLength: 'o3' },
  softmaxRowStats: { source: SOFTMAX_ROW_STATS, loopBound: 'cols' },
  softmaxNormalize: { source: SOFTMAX_NORMALIZE, rowLength: 'cols' },
  softmaxRows: { source: SOFTMAX_ROWS, loopBound: 'cols', rowLength: 'cols' },
  rowDot: { source: ROW_DOT, loopBound: 'cols' },
  softmaxBackward: { source: SOFTMAX_BACKWARD, rowLength: 'cols' },
  layerNormStats: { source: LAYER_NORM_STATS, loopBound: 'cols' },
  layerNormApply: { source: LAYER_NORM_APPLY, rowLength: 'cols' },
  layerNormRows: { source: LAYER_NORM_ROWS, loopBound: 'cols', rowLength: 'cols' },
  layerNormRowSums: { source: LAYER_NORM_ROW_SUMS, loopBound: 'cols' },
  layerNormBackward: { source: LAYER_NORM_BACKWARD, rowLength: 'cols' },
  layerNormParamGrads: { source: LAYER_NORM_PARAM_GRADS, loopBound: 'rows' },
  sumSquaresPartial: { source: SUM_SQUARES_PARTIAL, loopBound: 'chunk' },
  sumAll: { source: SUM_ALL, loopBound: 'n' },
  sumSquaresPartialMany: { source: sumSquaresPartialManySource(), loopBound: 'chunk' },
  sumAllMany: { source: sumAllManySource(), loopBound: 'nMax' },
  adamw: { source: ADAMW },
  adamwGroup: { source: adamwGroupSource() },
  adamwGather: { source: adamwGatherSource() },
  adamMoment: { source: ADAM_MOMENT },
  adamMoment2: { source: ADAM_MOMENT2 },
  adamParam: { source: ADAM_PARAM },
  adamParamBert: { source: ADAM_PARAM_BERT },
  gatherRows: { source: GATHER_ROWS, rowLength: 'inner' },
  scatterRows: { source: SCATTER_ROWS, loopBound: 'maxCount', rowLength: 'inner' },
  slice: { source: SLICE, rowLength: 'inner' },
  unslice: { source: UNSLICE, rowLength: 'inner' },
  tanh: { source: TANH },
  dropout: { source: DROPOUT },
  tanhBackward: { source: TANH_BACKWARD },
  crossEntropyRows: { source: CROSS_ENTROPY_ROWS },
  crossEntropyBackward: { source: CROSS_ENTROPY_BACKWARD, rowLength: 'cols' },
};

/**
 * Check that kernel `name` over `size` outputs divides its flat index only into quotients that
 * quotient() computes exactly (below MAX_DEVICE_QUOTIENT): a matrix of more than 2^21 rows would be
 * indexed wrongly, so it is refused with an error instead.
 */
export function checkQuotients(name: DeviceKernelName, size: number, constants: Record<string, number>): void {
  const rowLengths = DEVICE_KERNELS[name]?.rowLength;
  if (rowLengths === undefined) return;
  for (const rowLength of typeof rowLengths === 'string' ? [rowLengths] : rowLengths) {
    const d = constants[rowLength];
    if (!(d > 0) || size / d >= MAX_DEVICE_QUOTIENT) {
      throw new Error(
        `device kernel "${name}": ${size} values in rows of ${rowLength} = ${d} make ${Math.ceil(size / d)} rows; ` +
          `its index arithmetic is exact for fewer than ${MAX_DEVICE_QUOTIENT} rows`,
      );
    }
  }
}

/**
 * The constant `${INPUT_OFFSET}k` gives where input k's values start in the buffer passed (a view of part of
 * a buffer, device.ts TensorDevice.view): the kernel is compiled with every subscript of that input moved
 * by it, so a view is read in place instead of copied out first.
 */
export const INPUT_OFFSET = 'inputOffset';

/**
 * `source` with every subscript of input k, `x[e]`, rewritten `x[this.constants.inputOffsetk + (e | 0)]` for
 * the inputs that have an offset constant. (e | 0) keeps the index an integer when e is a float32 variable
 * holding one (a row number); the subscripts are found by matching brackets, so e may hold brackets itself.
 */
export function withInputOffsets(source: string, constants: Record<string, number>): string {
  const header = /^function\s*\(([^)]*)\)/.exec(source);
  if (!header) throw new Error('device kernel source: expected "function (args) { ... }"');
  let out = source;
  header[1]
    .split(',')
    .map((p) => p.trim())
    .forEach((name, k) => {
      const offset = `${INPUT_OFFSET}${k}`;
      if (offset in constants) out = rewriteSubscripts(out, name, (e) => `${name}[this.constants.${offset} + ((${e}) | 0)]`);
    });
  return out;
}

/**
 * The constant `${INPUT_SUM}k` = j says that input k is a sum read as two parts: its first part is input k,
 * its second input j (after the kernel's own inputs). The kernel is compiled with a parameter for it and
 * every subscript of input k, `x[e]`, rewritten `(x[e] + s[e])`.
 */
export const INPUT_SUM = 'inputSum';

/** `source` with the sum inputs of `constants` expanded (see INPUT_SUM); `inputs` counts the job's inputs. */
export function withInputSums(source: string, constants: Record<string, number>, inputs: number): string {
  const header = /^function\s*\(([^)]*)\)/.exec(source);
  if (!header) throw new Error('device kernel source: expected "function (args) { ... }"');
  const params = header[1].split(',').map((p) => p.trim());
  const sums = Object.keys(constants)
    .filter((c) => c.startsWith(INPUT_SUM))
    .map((c) => ({ k: Number(c.slice(INPUT_SUM.length)), j: constants[c] }))
    .sort((x, y) => x.j - y.j);
  const own = inputs - sums.length;
  const names = [...params.slice(0, own), ...sums.map(({ k }) => `${params[k]}SumPart`), ...params.slice(own)];
  let out = `function (${names.join(', ')})${source.slice(header[0].length)}`;
  for (const { k } of sums) out = rewriteSubscripts(out, params[k], (e) => `(${params[k]}[${e}] + ${params[k]}SumPart[${e}])`);
  return out;
}

/** Every subscript `name[e]` of `source` replaced by replace(e) (brackets matched, so e may hold brackets). */
function rewriteSubscripts(source: string, name: string, replace: (e: string) => string): string {
  const subscript = new RegExp(`(?<![\\w.$])${name}\\[`, 'g');
  let result = '';
  let last = 0;
  for (let m = subscript.exec(source); m !== null; m = subscript.exec(source)) {
    const open = m.index + m[0].length;
    let depth = 1;
    let close = open;
    for (; depth > 0; close++) {
      if (close >= source.length) throw new Error(`device kernel source: unbalanced subscript of ${name}`);
      if (source[close] === '[') depth++;
      else if (source[close] === ']') depth--;
    }
    // close is one past the matching ']'.
    result += source.slice(last, m.index) + replace(source.slice(open, close - 1));
    last = close;
    subscript.lastIndex = close;
  }
  return result + source.slice(last);
}

/** A value on the device: a gpu.js pipeline handle (webgpu) or a Float32Array (webasm, cpu). */
export type DeviceValue = { delete?: () => void; toArray?: () => Promise<Float32Array> } | Float32Array;

type Runner = (...args: unknown[]) => Promise<DeviceValue>;

/** Number of values in a device value (a handle knows its output dimensions). */
function lengthOf(value: DeviceValue): number {
  if (value instanceof Float32Array) return value.length;
  const output = (value as { output?: number[] }).output;
  return output ? output.reduce((a, b) => a * b, 1) : -1;
}

/** The product kernels that also have a tiled WGSL version on WebGPU (tiled-products.ts). */
export const TILED_PRODUCT_KERNELS: ReadonlySet<DeviceKernelName> = new Set<DeviceKernelName>([
  'matmul',
  'matmulBias',
  'matmulBiasGelu',
  'matmulRowSums',
  'matmulPermuted',
  'matmulBiasMany',
]);

/** The constant a job of a product kernel carries to ask for its tiled version (1) where there is one. */
export const TILED_CONSTANT = 'tiled';

/** What runs a tiled product (tiled-products.ts TiledProducts; null where it does not apply). */
export interface TiledRunner {
  run(name: DeviceKernelName, inputs: readonly DeviceValue[], size: number, constants: Record<string, number>): Promise<DeviceValue | null>;
}

/** The compiled device kernels of one gpu.js instance, cached per (kernel, output and input sizes, constants). */
export class DeviceKernels {
  private readonly cache = new Map<string, Runner>();

  /** @param tiled the tiled products (WebGPU only), for jobs that ask for them */
  constructor(
    private readonly gpu: GPUInstance,
    private readonly tiled: TiledRunner | null = null,
  ) {}

  /**
   * Run kernel `name` over `size` output elements.
   * @param inputs the kernel's arguments, in the order of its source's parameters
   * @param constants the values its source reads from this.constants (compiled in)
   * @param scalars numbers passed after the buffers (arguments: they may change from call to call)
   */
  async run(name: DeviceKernelName, inputs: DeviceValue[], size: number, jobConstants: Record<string, number>, scalars: number[] = []): Promise<DeviceValue> {
    const entry = DEVICE_KERNELS[name];
    if (!entry) throw new Error(`unknown device kernel "${name}"`);
    const { [TILED_CONSTANT]: tiled, ...constants } = jobConstants;
    if (tiled === 1 && this.tiled) {
      const result = await this.tiled.run(name, inputs, size, constants);
      if (result !== null) return result;
    }
    // gpu.js also fixes each argument's size at compile time: the same kernel and output size with other
    // input sizes (an embedding lookup in tables of different lengths) is another compiled kernel.
    const key = `${name}|${size}|${inputs.map(lengthOf).join(',')}|${JSON.stringify(constants)}`;
    let run = this.cache.get(key);
    if (!run) {
      const keys = Object.keys(constants);
      let source = keys.some((c) => c.startsWith(INPUT_SUM)) ? withInputSums(entry.source, constants, inputs.length) : entry.source;
      if (keys.some((c) => c.startsWith(INPUT_OFFSET))) source = withInputOffsets(source, constants);
      const compiled = this.gpu.createKernel(source, {
        output: [size],
        constants,
        pipeline: true,
        immutable: true,
        asyncMode: true,
        tactic: 'precision',
        precision: 'single',
        strictIntegers: true, // integer constants are integers in the kernel (see the header)
      });
      if (entry.loopBound !== undefined) {
        const bound = constants[entry.loopBound];
        if (!(bound > 0)) throw new Error(`device kernel "${name}": constant ${entry.loopBound} (its loop bound) is ${bound}`);
        compiled.setLoopMaxIterations(bound);
      }
      run = compiled as unknown as Runner;
      this.cache.set(key, run);
    }
    return run(...inputs, ...scalars);
  }

  /** Number of compiled kernels. */
  get size(): number {
    return this.cache.size;
  }
}
