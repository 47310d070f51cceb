/**
 * Matmul as a gpu.js kernel: one thread per element of C, the textbook dot product (the shape every GPU
 * tutorial starts from; no tiling, which gpu.js's kernel language cannot express).
 *
 * Thread (x, y, z) = (j, i, batch index) computes
 *   C[z, i, j] = sum_p A[z, i, p] * B[z, p, j]
 * with A[z, i, p] = a[z * aBatchStride + i * aRowStride + p * aColStride] and likewise B, so one kernel
 * serves every transpose and broadcast of MatmulArgs through its strides:
 *   A stored [m, k]: aRowStride = k, aColStride = 1;   transposeA (stored [k, m]): 1, m
 *   B stored [k, n]: bRowStride = n, bColStride = 1;   transposeB (stored [n, k]): 1, k
 * gpu.js computes in float32 and accumulates the sum in float32, so results differ from the cpu kernel
 * (which accumulates in float64) by float32 rounding: at most about (k + 1) * 2^-24 * sum_p |A[i,p] B[p,j]|.
 *
 * gpu.js bakes sizes and constants into each compiled kernel, so kernels are cached per shape signature
 * (BERT multiplies a handful of distinct shapes).
 */
import type { MatmulArgs } from '../kernels.ts';
import type { GPUInstance } from './gpu.ts';

/**
 * The dot product of element (z, i, j) of C through the strides (kernel text; z, i, j defined before it):
 * shared by this kernel, which gets z, i, j from a 3-D thread grid, and device-kernels.ts's flat one.
 * The subscripts are integer arithmetic (`(z | 0)` makes a float32 variable or loop counter an integer, and the kernels
 * are compiled with strictIntegers so that the strides are integers): an offset such as j * bColStride
 * can pass 2^24, where float32 stops holding every integer (see device-kernels.ts).
 */
export const MATMUL_DOT_PRODUCT = `let sum = 0;
  for (let p = 0; p < this.constants.k; p++) {
    sum += a[(z | 0) * this.constants.aBatchStride + (i | 0) * this.constants.aRowStride + (p | 0) * this.constants.aColStride] *
      b[(z | 0) * this.constants.bBatchStride + (j | 0) * this.constants.bColStride + (p | 0) * this.constants.bRowStride];
  }
  return sum;`;

/**
 * The kernel body, given to gpu.js as source text: gpu.js parses the function, so it must be exactly this
 * JavaScript (a TypeScript function could reach it altered by the transpiler).
 */
const MATMUL_SOURCE = `function (a, b) {
  const j = this.thread.x;
  const i = this.thread.y;
  const z = this.thread.z;
  ${MATMUL_DOT_PRODUCT}
}`;

/** What a compiled matmul kernel returns: [batch][m] rows of n floats (or a Promise of that in async modes). */
export type MatmulResult = Float32Array[][];

/** Run a compiled kernel: a synchronous result, or a Promise of one (asyncMode / webgpu). */
export type MatmulRunner = (a: Float32Array, b: Float32Array) => MatmulResult | Promise<MatmulResult>;

/**
 * The largest operand or result the host-array kernel here takes. Indices above 2^24 cannot all be
 * represented in float32, where gpu.js does its arithmetic unless told otherwise. The dot product's
 * subscripts are integer arithmetic now (see MATMUL_DOT_PRODUCT), as are the device kernels, which are
 * tested past 2^24 (device-tensors.test.ts); this path is not, so it keeps the cap and leaves bigger
 * operands to the cpu backend (under gpujs-webgpu, to the WebAssembly kernel).
 */
export const MAX_GPUJS_INDEX = 2 ** 24;

/** Whether a product fits the gpujs kernel: float32 and every index below MAX_GPUJS_INDEX. */
export function gpujsCanMultiply(args: MatmulArgs): boolean {
  return (
    args.a instanceof Float32Array &&
    args.b instanceof Float32Array &&
    args.out instanceof Float32Array &&
    args.a.length <= MAX_GPUJS_INDEX &&
    args.b.length <= MAX_GPUJS_INDEX &&
    args.out.length <= MAX_GPUJS_INDEX &&
    args.m > 0 &&
    args.n > 0 &&
    args.k > 0 &&
    args.batch > 0
  );
}

/** Compiled matmul kernels for one gpu.js instance, one per shape signature. */
export class GpujsMatmul {
  private readonly kernels = new Map<string, MatmulRunner>();

  /** @param asyncMode whether kernel calls return Promises (required by webgpu) */
  constructor(
    private readonly gpu: GPUInstance,
    private readonly asyncMode = false,
  ) {}

  /** The kernel for this product's shape and layout (compiled on first use). */
  kernelFor(args: MatmulArgs): MatmulRunner {
    const { batch, m, n, k, transposeA, transposeB, aBatchStride, bBatchStride } = args;
    const constants = {
      k,
      aBatchStride,
      bBatchStride,
      aRowStride: transposeA ? 1 : k,
      aColStride: transposeA ? m : 1,
      bRowStride: transposeB ? 1 : n,
      bColStride: transposeB ? k : 1,
    };
    const key = JSON.stringify([batch, m, n, args.a.length, args.b.length, constants]);
    let run = this.kernels.get(key);
    if (!run) {
      const compiled = this.gpu.createKernel(MATMUL_SOURCE, {
        output: [n, m, batch],
        constants,
        asyncMode: this.asyncMode,
        tactic: 'precision',
        precision: 'single',
        strictIntegers: true,
      });
      // gpu.js caps a loop it cannot prove bounded at loopMaxIterations (default 1000). A bound read from the
      // constants is accepted as it is in the cpu and webasm modes (tested with k > 1000); the webgpu mode,
      // which cannot be tested here, gets the cap raised to k so that it never cuts the dot product short.
      compiled.setLoopMaxIterations(k);
      run = compiled as unknown as MatmulRunner;
      this.kernels.set(key, run);
    }
    return run;
  }

  /** Number of compiled kernels (one per shape signature seen). */
  get size(): number {
    return this.kernels.size;
  }
}

/** Copy a kernel result ([batch][m] rows of n) into the contiguous out [batch, m, n]. */
export function copyResult(result: MatmulResult, out: Float32Array, batch: number, m: number, n: number): void {
  for (let z = 0; z < batch; z++) {
    const plane = result[z];
    for (let i = 0; i < m; i++) out.set(plane[i], (z * m + i) * n);
  }
}
