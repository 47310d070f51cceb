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
 * gpu.js bakes sizes and constants into each compiled kernel, so kernels are cached by (op, size,
 * constants): a model multiplies a handful of distinct shapes.
 */
import type { DeviceBinaryLayout, DeviceBinaryOp, DeviceKernelName } from '../device.ts';
import type { GPUInstance } from './gpu.ts';

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
  const aBase = z * this.constants.aBatchStride + i * this.constants.aRowStride;
  const bBase = z * this.constants.bBatchStride + j * this.constants.bColStride;
  let sum = 0;
  for (let p = 0; p < this.constants.k; p++) {
    sum += a[aBase + p * this.constants.aColStride] * b[bBase + p * this.constants.bRowStride];
  }
  return sum;
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
 * coefficients of src/tensor/erf-float32.ts (kernels cannot call TypeScript, so the text repeats them).
 */
const ERF = `
  const ex = Math.min(Math.max(u, -4), 4);
  const z2 = ex * ex;
  let p = -2.72614225801306e-10;
  p = p * z2 + 2.77068142495902e-8;
  p = p * z2 - 2.10102402082508e-6;
  p = p * z2 - 5.69250639462346e-5;
  p = p * z2 - 7.34990630326855e-4;
  p = p * z2 - 2.95459980854025e-3;
  p = p * z2 - 1.60960333262415e-2;
  let q = -1.45660718464996e-5;
  q = q * z2 - 2.13374055278905e-4;
  q = q * z2 - 1.68282697438203e-3;
  q = q * z2 - 7.37332916720468e-3;
  q = q * z2 - 1.42647390514189e-2;
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
};

/** A value on the device: a gpu.js pipeline handle (webgpu) or a Float32Array (webasm, cpu). */
export type DeviceValue = { delete?: () => void; toArray?: () => Promise<Float32Array> } | Float32Array;

type Runner = (...args: unknown[]) => Promise<DeviceValue>;

/** The compiled device kernels of one gpu.js instance, cached per (kernel, output size, constants). */
export class DeviceKernels {
  private readonly cache = new Map<string, Runner>();

  constructor(private readonly gpu: GPUInstance) {}

  /**
   * Run kernel `name` over `size` output elements.
   * @param inputs the kernel's arguments, in the order of its source's parameters
   * @param constants the values its source reads from this.constants
   */
  run(name: DeviceKernelName, inputs: DeviceValue[], size: number, constants: Record<string, number>): Promise<DeviceValue> {
    const entry = DEVICE_KERNELS[name];
    if (!entry) throw new Error(`unknown device kernel "${name}"`);
    const key = `${name}|${size}|${JSON.stringify(constants)}`;
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
    return run(...inputs);
  }

  /** Number of compiled kernels. */
  get size(): number {
    return this.cache.size;
  }
}
