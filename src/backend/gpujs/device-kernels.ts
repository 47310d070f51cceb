/**
 * The gpu.js kernels of device-resident tensors: what the device worker runs when an op's inputs are on
 * the device (device-worker.ts). Every kernel reads and writes flat float32 buffers, one thread per output
 * element (`this.thread.x` is the flat index), and is compiled with `pipeline: true, immutable: true`: in
 * webgpu mode its result stays on the GPU as a buffer handle that the next kernel takes as an argument,
 * and every call gets a buffer of its own (a tensor's values never change after the op made them).
 * In gpu.js's webasm and cpu modes the "handle" is a plain Float32Array, which is how the same code is
 * tested without a GPU.
 *
 * Index arithmetic: gpu.js divides in float32 (WGSL f32 division is not even correctly rounded), so
 * floor(idx / d) can be off by one next to a multiple of d. Each quotient is therefore corrected with two
 * exact integer comparisons (exact while the products stay below 2^24, which MAX_GPUJS_INDEX ensures).
 *
 * gpu.js bakes sizes and constants into each compiled kernel, so kernels are cached by (op, output and
 * input sizes, constants): a model has a handful of distinct shapes.
 */
import type { DeviceBinaryLayout, DeviceBinaryOp, DeviceKernelName } from '../device.ts';
import { ERF_FLOAT32_P, ERF_FLOAT32_Q } from '../../tensor/erf-float32.ts';
import type { GPUInstance } from './gpu.ts';
import { MATMUL_DOT_PRODUCT } from './matmul.ts';

/** q = floor(num / den) for non-negative integers, exactly (see the header). Inlined into kernel text. */
function quotient(q: string, num: string, den: string): string {
  return `let ${q} = Math.floor(${num} / ${den});
  if (${q} * ${den} > ${num}) { ${q} = ${q} - 1; }
  if ((${q} + 1) * ${den} <= ${num}) { ${q} = ${q} + 1; }`;
}

/**
 * C[z, i, j] = sum_p A[z, i, p] B[z, p, j], flat: thread idx = (z m + i) n + j. The strides say how A and
 * B are stored (as in matmul.ts: transposes and a broadcast operand are strides, nothing is copied).
 */
const MATMUL = `function (a, b) {
  const idx = this.thread.x;
  const mn = this.constants.m * this.constants.n;
  ${quotient('z', 'idx', 'mn')}
  const rem = idx - z * mn;
  ${quotient('i', 'rem', 'this.constants.n')}
  const j = rem - i * this.constants.n;
  ${MATMUL_DOT_PRODUCT}
}`;

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
  const idx = this.thread.x;
  ${quotient('r', 'idx', 'this.constants.n')}
  const x = a[idx];
  const y = b[idx - r * this.constants.n];
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
  const j = this.thread.x;
  let sum = 0;
  for (let r = 0; r < this.constants.rows; r++) {
    sum += g[r * this.constants.n + j];
  }
  return sum;
}`;

/**
 * erf(x) to float32 accuracy, x P(x^2) / Q(x^2) with x clamped to [-4, 4]: the Eigen/XLA float32
 * coefficients of src/tensor/erf-float32.ts, written into the kernel text (kernels cannot call TypeScript).
 */
const horner = (v: string, coefficients: readonly number[]) =>
  coefficients.slice(1).map((c) => `\n  ${v} = ${v} * z2 + ${c};`).join('');
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
 * out[i0, i1, i2, i3] = x[i0 s0 + i1 s1 + i2 s2 + i3 s3]: a permutation of up to four dimensions (leading
 * dimensions of size 1 pad a smaller rank). o1..o3 are the output's sizes, s0..s3 the input's stride of
 * the dimension that became each output dimension.
 */
const PERMUTE = `function (x) {
  const idx = this.thread.x;
  ${quotient('q3', 'idx', 'this.constants.o3')}
  const i3 = idx - q3 * this.constants.o3;
  ${quotient('q2', 'q3', 'this.constants.o2')}
  const i2 = q3 - q2 * this.constants.o2;
  ${quotient('i0', 'q2', 'this.constants.o1')}
  const i1 = q2 - i0 * this.constants.o1;
  return x[i0 * this.constants.s0 + i1 * this.constants.s1 + i2 * this.constants.s2 + i3 * this.constants.s3];
}`;

/*
 * Softmax of z = scale * x + mask over rows of `cols`, the attention probabilities. The mask row of score
 * row r starts at maskRow[r] (an offset into mask, so any broadcast of the mask is a table of offsets); an
 * op without a mask passes a row of zeros. Three passes, each one thread per row or per element:
 *   softmaxRowMax     m_r = max_j z_rj
 *   softmaxRowSum     s_r = sum_j exp(z_rj - m_r)
 *   softmaxNormalize  y_rj = exp(z_rj - m_r) / s_r
 * (A row of only -Infinity gives NaN here, where the host gives zeros; BERT's mask uses the most negative
 * float32 instead of -Infinity, so its rows are finite.)
 */
const SOFTMAX_ROW_MAX = `function (x, mask, maskRow) {
  const r = this.thread.x;
  const base = r * this.constants.cols;
  const mbase = maskRow[r];
  let m = x[base] * this.constants.scale + mask[mbase];
  for (let j = 1; j < this.constants.cols; j++) {
    m = Math.max(m, x[base + j] * this.constants.scale + mask[mbase + j]);
  }
  return m;
}`;

const SOFTMAX_ROW_SUM = `function (x, mask, maskRow, rowMax) {
  const r = this.thread.x;
  const base = r * this.constants.cols;
  const mbase = maskRow[r];
  const m = rowMax[r];
  let sum = 0;
  for (let j = 0; j < this.constants.cols; j++) {
    sum += Math.exp(x[base + j] * this.constants.scale + mask[mbase + j] - m);
  }
  return sum;
}`;

const SOFTMAX_NORMALIZE = `function (x, mask, maskRow, rowMax, rowSum) {
  const idx = this.thread.x;
  ${quotient('r', 'idx', 'this.constants.cols')}
  const j = idx - r * this.constants.cols;
  return Math.exp(x[idx] * this.constants.scale + mask[maskRow[r] + j] - rowMax[r]) / rowSum[r];
}`;

/** d_r = sum_j g_rj y_rj, for the softmax backward. */
const ROW_DOT = `function (y, g) {
  const base = this.thread.x * this.constants.cols;
  let sum = 0;
  for (let j = 0; j < this.constants.cols; j++) {
    sum += y[base + j] * g[base + j];
  }
  return sum;
}`;

/** dx_rj = scale y_rj (g_rj - d_r): the backward of y = softmax(scale x + mask) with respect to x. */
const SOFTMAX_BACKWARD = `function (y, g, rowDot) {
  const idx = this.thread.x;
  ${quotient('r', 'idx', 'this.constants.cols')}
  return this.constants.scale * y[idx] * (g[idx] - rowDot[r]);
}`;

/*
 * LayerNorm over rows of `cols`: y = (x - mean_r) rstd_r w + b, rstd_r = 1 / sqrt(var_r + eps).
 *   layerNormStats      [2 rows]: mean_r for t < rows, rstd_r at t = rows + r (the mean recomputed: a
 *                       thread computes one number)
 *   layerNormApply      y
 * Backward, with xhat = (x - mean) rstd and gw = g w:
 *   layerNormRowSums    [2 rows]: sum_j gw_rj, then sum_j gw_rj xhat_rj
 *   layerNormBackward   dx = rstd (gw - sum1 / cols - xhat sum2 / cols)
 *   layerNormWeightGrad dw_j = sum_r g_rj xhat_rj   (db_j = sum_r g_rj is sumRows)
 */
const LAYER_NORM_MEAN = `
  let mean = 0;
  for (let j = 0; j < this.constants.cols; j++) {
    mean += x[base + j];
  }
  mean = mean / this.constants.cols;`;

const LAYER_NORM_STATS = `function (x) {
  const t = this.thread.x;
  let r = t;
  if (t >= this.constants.rows) { r = t - this.constants.rows; }
  const base = r * this.constants.cols;${LAYER_NORM_MEAN}
  if (t < this.constants.rows) { return mean; }
  let v = 0;
  for (let j = 0; j < this.constants.cols; j++) {
    const d = x[base + j] - mean;
    v += d * d;
  }
  return 1 / Math.sqrt(v / this.constants.cols + this.constants.eps);
}`;

const LAYER_NORM_APPLY = `function (x, stats, w, b) {
  const idx = this.thread.x;
  ${quotient('r', 'idx', 'this.constants.cols')}
  const j = idx - r * this.constants.cols;
  return (x[idx] - stats[r]) * stats[this.constants.rows + r] * w[j] + b[j];
}`;

const LAYER_NORM_ROW_SUMS = `function (x, stats, w, g) {
  const t = this.thread.x;
  let r = t;
  if (t >= this.constants.rows) { r = t - this.constants.rows; }
  const base = r * this.constants.cols;
  const mean = stats[r];
  const rstd = stats[this.constants.rows + r];
  let sum = 0;
  for (let j = 0; j < this.constants.cols; j++) {
    let term = g[base + j] * w[j];
    if (t >= this.constants.rows) { term = term * (x[base + j] - mean) * rstd; }
    sum += term;
  }
  return sum;
}`;

const LAYER_NORM_BACKWARD = `function (x, stats, w, g, sums) {
  const idx = this.thread.x;
  ${quotient('r', 'idx', 'this.constants.cols')}
  const j = idx - r * this.constants.cols;
  const rstd = stats[this.constants.rows + r];
  const xhat = (x[idx] - stats[r]) * rstd;
  const n = this.constants.cols;
  return rstd * (g[idx] * w[j] - sums[r] / n - xhat * sums[this.constants.rows + r] / n);
}`;

const LAYER_NORM_WEIGHT_GRAD = `function (x, stats, g) {
  const j = this.thread.x;
  let sum = 0;
  for (let r = 0; r < this.constants.rows; r++) {
    const i = r * this.constants.cols + j;
    sum += g[i] * (x[i] - stats[r]) * stats[this.constants.rows + r];
  }
  return sum;
}`;

/*
 * Sums of squares for the gradient norm, in two passes so that no thread loops over a whole tensor:
 *   sumSquaresPartial  [chunks]: the sum of x^2 over elements [c chunk, (c + 1) chunk) of n
 *   sumAll             [1]: the sum of its n inputs
 */
const SUM_SQUARES_PARTIAL = `function (x) {
  const start = this.thread.x * this.constants.chunk;
  let sum = 0;
  for (let i = 0; i < this.constants.chunk; i++) {
    const k = start + i;
    if (k < this.constants.n) { sum += x[k] * x[k]; }
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
 * AdamW, one kernel per output (a gpu.js kernel writes one buffer): the moments, then the parameter from
 * the new moments. The step's numbers are kernel arguments, not constants, so that the learning-rate
 * schedule does not recompile the kernels every step.
 *   adamMoment   m' = beta m + (1 - beta) g      (with g^2 for the second moment: adamMoment2)
 *   adamParam    p' = p decay - stepSize m' / (sqrt(v') / sqrtC2 + eps)   (transformers' bias correction)
 *   adamParamBert p' = p - lr (m' / (sqrt(v') + eps) + wd p)              (the original BERT optimizer)
 */
const ADAM_MOMENT = `function (m, g, beta) {
  const i = this.thread.x;
  return beta * m[i] + (1 - beta) * g[i];
}`;

const ADAM_MOMENT2 = `function (v, g, beta) {
  const i = this.thread.x;
  return beta * v[i] + (1 - beta) * g[i] * g[i];
}`;

const ADAM_PARAM = `function (p, m, v, decay, stepSize, sqrtC2, eps) {
  const i = this.thread.x;
  return p[i] * decay - (stepSize * m[i]) / (Math.sqrt(v[i]) / sqrtC2 + eps);
}`;

const ADAM_PARAM_BERT = `function (p, m, v, lr, eps, wd) {
  const i = this.thread.x;
  return p[i] - lr * (m[i] / (Math.sqrt(v[i]) + eps) + wd * p[i]);
}`;

/*
 * Rows of a table picked by index (an embedding lookup, the masked positions of the MLM head), and the
 * backward, which adds each output row's gradient into its table row. Without atomic adds the backward
 * is a gather too: the host sorts the positions by table row (it has the indices), and thread (v, j)
 * sums the gradients of the positions of row v, listed in positions[rowStart[v] .. rowStart[v + 1]).
 *   gatherRows   out[r, j] = table[ids[r], j]                      (ids as floats: exact below 2^24)
 *   scatterRows  grad[v, j] = sum over k of g[positions[k], j]      constants inner, maxCount
 */
const GATHER_ROWS = `function (table, ids) {
  const idx = this.thread.x;
  ${quotient('r', 'idx', 'this.constants.inner')}
  const j = idx - r * this.constants.inner;
  return table[ids[r] * this.constants.inner + j];
}`;

const SCATTER_ROWS = `function (g, rowStart, positions) {
  const idx = this.thread.x;
  ${quotient('v', 'idx', 'this.constants.inner')}
  const j = idx - v * this.constants.inner;
  const start = rowStart[v];
  const count = rowStart[v + 1] - start;
  let sum = 0;
  for (let k = 0; k < this.constants.maxCount; k++) {
    if (k < count) { sum += g[positions[start + k] * this.constants.inner + j]; }
  }
  return sum;
}`;

/*
 * x viewed as [outer, n, inner]: slice keeps [start, start + len) of the middle axis; unslice is its
 * backward, the gradient placed back with zeros around it.
 */
const SLICE = `function (x) {
  const idx = this.thread.x;
  const block = this.constants.len * this.constants.inner;
  ${quotient('o', 'idx', 'block')}
  const rem = idx - o * block;
  ${quotient('i', 'rem', 'this.constants.inner')}
  const j = rem - i * this.constants.inner;
  return x[(o * this.constants.n + this.constants.start + i) * this.constants.inner + j];
}`;

const UNSLICE = `function (g) {
  const idx = this.thread.x;
  const block = this.constants.n * this.constants.inner;
  ${quotient('o', 'idx', 'block')}
  const rem = idx - o * block;
  ${quotient('i', 'rem', 'this.constants.inner')}
  const j = rem - i * this.constants.inner;
  const k = i - this.constants.start;
  if (k < 0 || k >= this.constants.len) { return 0; }
  return g[(o * this.constants.len + k) * this.constants.inner + j];
}`;

/** tanh and its backward from the output: dx = g (1 - y^2). */
const TANH = `function (x) { return Math.tanh(x[this.thread.x]); }`;
const TANH_BACKWARD = `function (y, g) { const v = y[this.thread.x]; return g[this.thread.x] * (1 - v * v); }`;

/*
 * Cross-entropy of rows of `cols` logits against integer targets (as floats; a target equal to the
 * ignore index contributes nothing). With m_r and s_r from softmaxRowMax / softmaxRowSum (scale 1, a zero
 * mask):
 *   crossEntropyRows     loss_r = m_r + log s_r - x[r, target_r], or 0 for an ignored row
 *   crossEntropyBackward dx[r, j] = (exp(x_rj - m_r) / s_r - [j = target_r]) w_r, w_r = gScale[0] / count
 *                        (or 0 for an ignored row); gScale is the loss's gradient, count a constant
 */
const CROSS_ENTROPY_ROWS = `function (x, rowMax, rowSum, targets) {
  const r = this.thread.x;
  const t = targets[r];
  if (t == this.constants.ignoreIndex) { return 0; }
  return rowMax[r] + Math.log(rowSum[r]) - x[r * this.constants.cols + t];
}`;

const CROSS_ENTROPY_BACKWARD = `function (x, rowMax, rowSum, targets, gScale) {
  const idx = this.thread.x;
  ${quotient('r', 'idx', 'this.constants.cols')}
  const j = idx - r * this.constants.cols;
  const t = targets[r];
  if (t == this.constants.ignoreIndex) { return 0; }
  let p = Math.exp(x[idx] - rowMax[r]) / rowSum[r];
  if (j == t) { p = p - 1; }
  return p * gScale[0] / this.constants.count;
}`;

/** A copy of the argument (how host values become a device buffer in webgpu mode). */
const COPY = `function (x) { return x[this.thread.x]; }`;

/** A device kernel: its source, and the constant that bounds its loop (gpu.js caps unproven loops at 1000). */
interface KernelEntry {
  source: string;
  loopBound?: string;
}

function binaryEntries(): Record<`${DeviceBinaryOp}-${DeviceBinaryLayout}`, KernelEntry> {
  const out = {} as Record<`${DeviceBinaryOp}-${DeviceBinaryLayout}`, KernelEntry>;
  for (const op of ['add', 'sub', 'mul', 'div'] as const) {
    for (const layout of ['same', 'row', 'scalarB', 'scalarA'] as const) out[`${op}-${layout}`] = { source: binarySource(op, layout) };
  }
  return out;
}

/** Every device kernel by name (DeviceKernelName in ../device.ts lists the names and their constants). */
export const DEVICE_KERNELS: Record<DeviceKernelName, KernelEntry> = {
  copy: { source: COPY },
  matmul: { source: MATMUL, loopBound: 'k' },
  ...binaryEntries(),
  sumRows: { source: SUM_ROWS, loopBound: 'rows' },
  gelu: { source: GELU },
  geluBackward: { source: GELU_BACKWARD },
  permute: { source: PERMUTE },
  softmaxRowMax: { source: SOFTMAX_ROW_MAX, loopBound: 'cols' },
  softmaxRowSum: { source: SOFTMAX_ROW_SUM, loopBound: 'cols' },
  softmaxNormalize: { source: SOFTMAX_NORMALIZE },
  rowDot: { source: ROW_DOT, loopBound: 'cols' },
  softmaxBackward: { source: SOFTMAX_BACKWARD },
  layerNormStats: { source: LAYER_NORM_STATS, loopBound: 'cols' },
  layerNormApply: { source: LAYER_NORM_APPLY },
  layerNormRowSums: { source: LAYER_NORM_ROW_SUMS, loopBound: 'cols' },
  layerNormBackward: { source: LAYER_NORM_BACKWARD },
  layerNormWeightGrad: { source: LAYER_NORM_WEIGHT_GRAD, loopBound: 'rows' },
  sumSquaresPartial: { source: SUM_SQUARES_PARTIAL, loopBound: 'chunk' },
  sumAll: { source: SUM_ALL, loopBound: 'n' },
  adamMoment: { source: ADAM_MOMENT },
  adamMoment2: { source: ADAM_MOMENT2 },
  adamParam: { source: ADAM_PARAM },
  adamParamBert: { source: ADAM_PARAM_BERT },
  gatherRows: { source: GATHER_ROWS },
  scatterRows: { source: SCATTER_ROWS, loopBound: 'maxCount' },
  slice: { source: SLICE },
  unslice: { source: UNSLICE },
  tanh: { source: TANH },
  tanhBackward: { source: TANH_BACKWARD },
  crossEntropyRows: { source: CROSS_ENTROPY_ROWS },
  crossEntropyBackward: { source: CROSS_ENTROPY_BACKWARD },
};

/** A value on the device: a gpu.js pipeline handle (webgpu) or a Float32Array (webasm, cpu). */
export type DeviceValue = { delete?: () => void; toArray?: () => Promise<Float32Array> } | Float32Array;

type Runner = (...args: unknown[]) => Promise<DeviceValue>;

/** Number of values in a device value (a handle knows its output dimensions). */
function lengthOf(value: DeviceValue): number {
  if (value instanceof Float32Array) return value.length;
  const output = (value as { output?: number[] }).output;
  return output ? output.reduce((a, b) => a * b, 1) : -1;
}

/** The compiled device kernels of one gpu.js instance, cached per (kernel, output and input sizes, constants). */
export class DeviceKernels {
  private readonly cache = new Map<string, Runner>();

  constructor(private readonly gpu: GPUInstance) {}

  /**
   * Run kernel `name` over `size` output elements.
   * @param inputs the kernel's arguments, in the order of its source's parameters
   * @param constants the values its source reads from this.constants (compiled in)
   * @param scalars numbers passed after the buffers (arguments: they may change from call to call)
   */
  run(name: DeviceKernelName, inputs: DeviceValue[], size: number, constants: Record<string, number>, scalars: number[] = []): Promise<DeviceValue> {
    const entry = DEVICE_KERNELS[name];
    if (!entry) throw new Error(`unknown device kernel "${name}"`);
    // gpu.js also fixes each argument's size at compile time: the same kernel and output size with other
    // input sizes (an embedding lookup in tables of different lengths) is another compiled kernel.
    const key = `${name}|${size}|${inputs.map(lengthOf).join(',')}|${JSON.stringify(constants)}`;
    let run = this.cache.get(key);
    if (!run) {
      const compiled = this.gpu.createKernel(entry.source, {
        output: [size],
        constants,
        pipeline: true,
        immutable: true,
        asyncMode: true,
        tactic: 'precision',
        precision: 'single',
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
