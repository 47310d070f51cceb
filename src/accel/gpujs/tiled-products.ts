/**
 * The device's products as tiled WGSL compute shaders, run on gpu.js's own WebGPU device (webgpu mode
 * only). gpu.js computes one output value per thread and has no workgroup memory, so each thread reads its
 * whole row of A and column of B from global memory: k reads of each operand per output. Here a workgroup
 * of 16 x 16 threads computes a 64 x 64 tile of C: it copies 64 x 16 values of A and 16 x 64 of B into
 * workgroup memory at a time (each value read from global memory once per tile, neighbouring threads
 * reading neighbouring addresses whichever way the operand is stored), and each thread then computes
 * 4 x 4 outputs from there. Each output is still sum_p A[i, p] B[p, j] added up from p = 0 in order, as in
 * gpu.js's kernels (device-kernels.ts), so the two agree to float32 rounding.
 *
 * They take the same inputs and constants as the gpu.js kernels of the same names (device.ts
 * deviceMatmul: sizes, strides, the two-level batch of a permuted operand, views' offsets) and give the
 * same buffers, as gpu.js WebGPUBufferResults, so that every other kernel reads them as gpu.js outputs.
 * Used when a job carries the constant `tiled` = 1 (GpujsTensorDevice.tiledProducts).
 */
import gpujs from 'gpu.js';
import type { DeviceKernelName } from '../device.ts';
import { ERF_FLOAT32_P, ERF_FLOAT32_Q } from '../../ops/erf-float32.ts';
import { TILED_PRODUCT_KERNELS, type DeviceValue, type TiledRunner } from './device-kernels.ts';
import { WebGPUContext } from './gpu.ts';

/** Rows and columns of C a workgroup computes, and the depth of the tiles of A and B it copies at once. */
const TILE = 64;
const DEPTH = 16;
/** A workgroup is THREADS x THREADS threads; each computes (TILE / THREADS)^2 outputs. */
const THREADS = 16;
const PER_THREAD = TILE / THREADS;
/** Row length of a tile in workgroup memory: one more than TILE, so that a column's values fall in different banks. */
const TILE_ROW = TILE + 1;

// The few WebGPU names used here (the DOM's WebGPU types are not part of this project's TypeScript setup).
interface GPUBufferLike {
  destroy(): void;
  mapAsync(mode: number, offset: number, size: number): Promise<void>;
  getMappedRange(offset: number, size: number): ArrayBuffer;
  unmap(): void;
}
interface GPUDeviceLike {
  createShaderModule(d: { code: string }): unknown;
  createBindGroupLayout(d: { entries: unknown[] }): unknown;
  createPipelineLayout(d: { bindGroupLayouts: unknown[] }): unknown;
  createComputePipeline(d: { layout: unknown; compute: { module: unknown; entryPoint: string } }): unknown;
  pushErrorScope(filter: 'validation'): void;
  popErrorScope(): Promise<{ message: string } | null>;
  createBuffer(d: { size: number; usage: number }): GPUBufferLike;
  createBindGroup(d: { layout: unknown; entries: unknown[] }): unknown;
  createCommandEncoder(): {
    beginComputePass(): {
      setPipeline(p: unknown): void;
      setBindGroup(i: number, g: unknown): void;
      dispatchWorkgroups(x: number, y: number, z: number): void;
      end(): void;
    };
    copyBufferToBuffer(a: GPUBufferLike, ao: number, b: GPUBufferLike, bo: number, size: number): void;
    finish(): unknown;
  };
  queue: { submit(buffers: unknown[]): void };
  limits: Record<string, number>;
}
interface WebGPUContextLike {
  device: GPUDeviceLike;
  /** Set by gpu.js when the device is lost: then every submit does nothing. */
  isLost?: boolean;
}
/** A gpu.js pipeline result on WebGPU: what every device kernel takes and gives. */
interface BufferResult {
  buffer: GPUBufferLike;
  output: number[];
}

const { WebGPUBufferResult } = gpujs as unknown as {
  WebGPUBufferResult: new (settings: {
    buffer: GPUBufferLike;
    output: number[];
    componentCount: number;
    context: WebGPUContextLike;
    kernel: unknown;
  }) => BufferResult;
};

/** GPUBufferUsage and GPUShaderStage (the globals webgpu-setup.ts installs). */
function webgpuFlags(): { storage: number; copySrc: number; copyDst: number; mapRead: number; compute: number; mapModeRead: number } {
  const g = globalThis as unknown as {
    GPUBufferUsage: Record<string, number>;
    GPUShaderStage: Record<string, number>;
    GPUMapMode: Record<string, number>;
  };
  return {
    storage: g.GPUBufferUsage.STORAGE,
    copySrc: g.GPUBufferUsage.COPY_SRC,
    copyDst: g.GPUBufferUsage.COPY_DST,
    mapRead: g.GPUBufferUsage.MAP_READ,
    compute: g.GPUShaderStage.COMPUTE,
    mapModeRead: g.GPUMapMode.READ,
  };
}

const DEVICE_LOST =
  'WebGPU device was lost: the values of its buffers are gone (release the device backend and register it again, then move the tensors to it again)';

/** A compiled product: its pipelines (the product, and the row sums after it for matmulRowSums) and how to dispatch it. */
interface CompiledProduct {
  layout: unknown;
  product: unknown;
  rowSums: unknown | null;
  groups: [number, number, number];
  rowSumGroups: number;
  inputs: number;
}

/** An integer constant of a job, or `fallback` when absent. */
function integer(constants: Record<string, number>, name: string, fallback?: number): number {
  const v = constants[name] ?? fallback;
  if (v === undefined || !Number.isInteger(v)) throw new Error(`tiled product: constant ${name} is ${v}, expected an integer`);
  return v;
}

/**
 * For matmulPermuted: C's flat index c goes to output (i0, i1, i2, i3) with i_d = floor(c / s_d) mod o_d
 * when the strides are those of a permutation of C's values laid out [o_d] in some order (then each
 * output position holds exactly one value of C). The WGSL expression of the output index, or null when
 * the strides are not such a permutation (the gpu.js kernel is used then).
 */
function permutedOutputIndex(constants: Record<string, number>, size: number): string | null {
  const o = [size / (constants.o1 * constants.o2 * constants.o3), constants.o1, constants.o2, constants.o3];
  const s = [constants.s0, constants.s1, constants.s2, constants.s3];
  if (!o.every((x) => Number.isInteger(x) && x > 0)) return null;
  // The dimensions of more than one value, by stride: each stride must be the product of the sizes below it.
  const dims = [0, 1, 2, 3].filter((d) => o[d] > 1).sort((x, y) => s[x] - s[y]);
  let expected = 1;
  for (const d of dims) {
    if (s[d] !== expected) return null;
    expected *= o[d];
  }
  if (expected !== size) return null;
  // t = ((i0 o1 + i1) o2 + i2) o3 + i3, each i_d from c.
  const index = (d: number) => (o[d] > 1 ? `((c / ${s[d]}) % ${o[d]})` : '0');
  return `((${index(0)} * ${o[1]} + ${index(1)}) * ${o[2]} + ${index(2)}) * ${o[3]} + ${index(3)}`;
}

/** The WGSL of erf(u) to float32 accuracy, as the gpu.js kernels compute it (ops/erf-float32.ts). */
function erfWgsl(): string {
  const horner = (v: string, coefficients: readonly number[]) =>
    coefficients
      .slice(1)
      .map((c) => `\n    ${v} = ${v} * z2 + ${c.toExponential()};`)
      .join('');
  return `fn erf32(u: f32) -> f32 {
    let ex = min(max(u, -4.0), 4.0);
    let z2 = ex * ex;
    var p: f32 = ${ERF_FLOAT32_P[0].toExponential()};${horner('p', ERF_FLOAT32_P)}
    var q: f32 = ${ERF_FLOAT32_Q[0].toExponential()};${horner('q', ERF_FLOAT32_Q)}
    return (ex * p) / q;
  }`;
}

/** matmulRowSums's second entry point: the m row sums of op(A) after C, sum_p A[i, p] in order (one batch). */
const ROW_SUMS_ENTRY = `@compute @workgroup_size(64, 1, 1)
fn rowSums(@builtin(global_invocation_id) id: vec3<u32>) {
  let i = i32(id.x);
  if (i < M) {
    var sum: f32 = 0.0;
    for (var p: i32 = 0; p < K; p = p + 1) { sum = sum + a[A_OFFSET + i * A_ROW + p * A_COL]; }
    result[M * N + i] = sum;
  }
}`;

/** A product kernel's WGSL at one shape, its workgroup grid and its number of inputs. */
export interface ProductShader {
  code: string;
  groups: [number, number, number];
  inputs: number;
}

/**
 * The shader of one product kernel at one shape, or null where the tiled version does not apply. Every
 * size, stride and offset is a constant, so the compiler sees the whole index arithmetic (as gpu.js
 * compiles its constants in).
 */
export function productShader(name: DeviceKernelName, constants: Record<string, number>, size: number): ProductShader | null {
  const c = (key: string, fallback?: number) => integer(constants, key, fallback);
  const [m, n, k] = [c('m'), c('n'), c('k')];
  const many = name === 'matmulBiasMany';
  const partSize = many ? c('size') : name === 'matmulRowSums' ? m * n : size;
  const parts = many ? size / partSize : 1;
  const batch = partSize / (m * n);
  if (!Number.isInteger(batch) || !Number.isInteger(parts) || batch < 1) return null;
  // Where C[z, i, j] (flat index c) goes in the output.
  let outIndex = 'c';
  if (name === 'matmulPermuted') {
    const permuted = permutedOutputIndex(constants, size);
    if (permuted === null) return null;
    outIndex = permuted;
  }
  const bs = many ? ['b0', 'b1', 'b2'] : ['b'];
  const biases = many ? ['bias0', 'bias1', 'bias2'] : name === 'matmulBias' || name === 'matmulBiasGelu' ? ['bias'] : [];
  const inputNames = ['a', ...bs, ...biases];
  const offset = (i: number) => c(`inputOffset${i}`, 0);
  const bindings = inputNames.map((v, i) => `@group(0) @binding(${i}) var<storage, read> ${v}: array<f32>;`).join('\n');
  const outBinding = inputNames.length;
  const consts = Object.entries({
    M: m,
    N: n,
    K: k,
    BATCH: batch,
    A_INNER: c('aBatchInner'),
    A_OUTER: c('aBatchStride'),
    A_INNER_STRIDE: c('aInnerStride'),
    A_ROW: c('aRowStride'),
    A_COL: c('aColStride'),
    B_INNER: c('bBatchInner'),
    B_OUTER: c('bBatchStride'),
    B_INNER_STRIDE: c('bInnerStride'),
    B_ROW: c('bRowStride'),
    B_COL: c('bColStride'),
    A_OFFSET: offset(0),
    PART_SIZE: partSize,
  })
    .map(([key, v]) => `const ${key}: i32 = ${v};`)
    .join('\n');
  // B's value at index e of part `part` (one B per part for matmulBiasMany).
  const readB = (e: string) =>
    many
      ? bs.map((b, t) => `${t < bs.length - 1 ? `if (part == ${t}) ` : ''}{ v = ${b}[${offset(1 + t)} + ${e}]; }`).join(' else ')
      : `v = b[${offset(1)} + ${e}];`;
  const biasOf = (j: string) =>
    many
      ? biases.map((b, t) => `${t < biases.length - 1 ? `if (part == ${t}) ` : ''}{ bj = ${b}[${offset(1 + bs.length + t)} + ${j}]; }`).join(' else ')
      : `bj = bias[${offset(2)} + ${j}];`;
  // Load mappings: neighbouring threads read neighbouring addresses of whichever index is contiguous.
  const aAlongP = c('aColStride') === 1 || c('aRowStride') !== 1;
  const bAlongJ = c('bColStride') === 1 || c('bRowStride') !== 1;
  const epilogue =
    name === 'matmulBias' || name === 'matmulBiasMany'
      ? 'var bj: f32 = 0.0;\n        ' + biasOf('j') + '\n        value = value + bj;'
      : name === 'matmulBiasGelu'
        ? 'var bj: f32 = 0.0;\n        ' + biasOf('j') + '\n        let x = value + bj;\n        value = 0.5 * x * (1.0 + erf32(x * 0.7071067811865476));'
        : '';
  const code = `${bindings}
@group(0) @binding(${outBinding}) var<storage, read_write> result: array<f32>;
${consts}
var<workgroup> tileA: array<f32, ${DEPTH * TILE_ROW}>;
var<workgroup> tileB: array<f32, ${DEPTH * TILE_ROW}>;
${name === 'matmulBiasGelu' ? erfWgsl() : ''}

@compute @workgroup_size(${THREADS}, ${THREADS}, 1)
fn product(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let part = i32(wg.z) / BATCH;
  let z = i32(wg.z) - part * BATCH;
  let rowBase = i32(wg.y) * ${TILE};
  let colBase = i32(wg.x) * ${TILE};
  let tx = i32(lid.x);
  let ty = i32(lid.y);
  let thread = ty * ${THREADS} + tx;
  let aBase = A_OFFSET + (z / A_INNER) * A_OUTER + (z % A_INNER) * A_INNER_STRIDE;
  let bBase = (z / B_INNER) * B_OUTER + (z % B_INNER) * B_INNER_STRIDE;
  var acc: array<f32, ${PER_THREAD * PER_THREAD}>;
  for (var p0: i32 = 0; p0 < K; p0 = p0 + ${DEPTH}) {
    for (var l: i32 = 0; l < ${(TILE * DEPTH) / (THREADS * THREADS)}; l = l + 1) {
      let e = thread + l * ${THREADS * THREADS};
      let ai = ${aAlongP ? `e / ${DEPTH}` : `e % ${TILE}`};
      let ap = ${aAlongP ? `e % ${DEPTH}` : `e / ${TILE}`};
      var va: f32 = 0.0;
      if (rowBase + ai < M && p0 + ap < K) { va = a[aBase + (rowBase + ai) * A_ROW + (p0 + ap) * A_COL]; }
      tileA[ap * ${TILE_ROW} + ai] = va;
      let lj = ${bAlongJ ? `e % ${TILE}` : `e / ${DEPTH}`};
      let lp = ${bAlongJ ? `e / ${TILE}` : `e % ${DEPTH}`};
      var v: f32 = 0.0;
      if (colBase + lj < N && p0 + lp < K) { ${readB(`bBase + (p0 + lp) * B_ROW + (colBase + lj) * B_COL`)} }
      tileB[lp * ${TILE_ROW} + lj] = v;
    }
    workgroupBarrier();
    let depth = min(${DEPTH}, K - p0);
    for (var p: i32 = 0; p < depth; p = p + 1) {
      for (var r: i32 = 0; r < ${PER_THREAD}; r = r + 1) {
        let av = tileA[p * ${TILE_ROW} + ty + r * ${THREADS}];
        for (var q: i32 = 0; q < ${PER_THREAD}; q = q + 1) {
          acc[r * ${PER_THREAD} + q] = acc[r * ${PER_THREAD} + q] + av * tileB[p * ${TILE_ROW} + tx + q * ${THREADS}];
        }
      }
    }
    workgroupBarrier();
  }
  for (var r: i32 = 0; r < ${PER_THREAD}; r = r + 1) {
    let i = rowBase + ty + r * ${THREADS};
    for (var q: i32 = 0; q < ${PER_THREAD}; q = q + 1) {
      let j = colBase + tx + q * ${THREADS};
      if (i < M && j < N) {
        var value = acc[r * ${PER_THREAD} + q];
        ${epilogue}
        let c = (z * M + i) * N + j;
        result[part * PART_SIZE + ${outIndex}] = value;
      }
    }
  }
}

${name === 'matmulRowSums' ? ROW_SUMS_ENTRY : ''}
`;
  return { code, groups: [Math.ceil(n / TILE), Math.ceil(m / TILE), batch * parts], inputs: inputNames.length };
}

/** The tiled products of one WebGPU device (gpu.js's, shared by every kernel of this thread). */
export class TiledProducts implements TiledRunner {
  private readonly cache = new Map<string, CompiledProduct | null>();
  private readonly flags = webgpuFlags();
  /** What WebGPUBufferResult.toArray() calls to read a result back. */
  private readonly reader = { readBufferResult: (handle: BufferResult) => this.read(handle) };

  private constructor(
    private readonly context: WebGPUContextLike,
    private readonly shaderOf: typeof productShader,
  ) {}

  /**
   * The tiled products of this thread's gpu.js WebGPU device.
   * @param shaderOf where the shaders come from (productShader; a test gives a broken one to check the
   *   fallback to gpu.js's kernels)
   */
  static async create(shaderOf: typeof productShader = productShader): Promise<TiledProducts> {
    return new TiledProducts((await WebGPUContext.acquire()) as unknown as WebGPUContextLike, shaderOf);
  }

  /**
   * The pipelines of a kernel at a shape, compiled once. WebGPU reports a shader or pipeline that fails
   * validation only asynchronously (its dispatches then do nothing, leaving zeros), so the first compile
   * of each shape waits for the verdict: a failure is reported on stderr once and the shape falls back to
   * gpu.js's kernel, never a silent wrong result.
   */
  private async compile(name: DeviceKernelName, constants: Record<string, number>, size: number): Promise<CompiledProduct | null> {
    const key = `${name}|${size}|${JSON.stringify(constants)}`;
    if (this.cache.has(key)) return this.cache.get(key) ?? null;
    const shader = this.shaderOf(name, constants, size);
    let compiled: CompiledProduct | null = null;
    if (shader) {
      const device = this.context.device;
      device.pushErrorScope('validation');
      const module = device.createShaderModule({ code: shader.code });
      const entries = Array.from({ length: shader.inputs + 1 }, (_, binding) => ({
        binding,
        visibility: this.flags.compute,
        buffer: { type: binding < shader.inputs ? 'read-only-storage' : 'storage' },
      }));
      const layout = device.createBindGroupLayout({ entries });
      const pipelineLayout = device.createPipelineLayout({ bindGroupLayouts: [layout] });
      const pipeline = (entryPoint: string) => device.createComputePipeline({ layout: pipelineLayout, compute: { module, entryPoint } });
      const maxGroups = device.limits.maxComputeWorkgroupsPerDimension ?? 65535;
      if (shader.groups.every((g) => g <= maxGroups)) {
        compiled = {
          layout,
          product: pipeline('product'),
          rowSums: name === 'matmulRowSums' ? pipeline('rowSums') : null,
          groups: shader.groups,
          rowSumGroups: Math.ceil(integer(constants, 'm') / 64),
          inputs: shader.inputs,
        };
      }
      const error = await device.popErrorScope();
      if (error) {
        console.error(`tiled product ${name} (${JSON.stringify(constants)}): WebGPU rejected the shader (${error.message}); using gpu.js's kernel`);
        compiled = null;
      }
    }
    this.cache.set(key, compiled);
    return compiled;
  }

  /**
   * Run product kernel `name` into a new buffer of `size` values, or return null where the tiled version
   * does not apply (a permuted output that is not a permutation, too many workgroups): then the caller runs
   * gpu.js's kernel.
   */
  async run(name: DeviceKernelName, inputs: readonly DeviceValue[], size: number, constants: Record<string, number>): Promise<DeviceValue | null> {
    if (!TILED_PRODUCT_KERNELS.has(name)) return null;
    // On a lost device every submit does nothing, and the result would read as zeros.
    if (this.context.isLost) throw new Error(DEVICE_LOST);
    const compiled = this.cache.get(`${name}|${size}|${JSON.stringify(constants)}`) ?? (await this.compile(name, constants, size));
    if (!compiled) return null;
    if (inputs.length !== compiled.inputs || !inputs.every((x) => (x as unknown) instanceof WebGPUBufferResult)) return null;
    const device = this.context.device;
    const out = device.createBuffer({ size: Math.max(4, size * 4), usage: this.flags.storage | this.flags.copySrc | this.flags.copyDst });
    const bindGroup = device.createBindGroup({
      layout: compiled.layout,
      entries: [
        ...(inputs as unknown as BufferResult[]).map((x, binding) => ({ binding, resource: { buffer: x.buffer } })),
        { binding: inputs.length, resource: { buffer: out } },
      ],
    });
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setBindGroup(0, bindGroup);
    pass.setPipeline(compiled.product);
    pass.dispatchWorkgroups(...compiled.groups);
    if (compiled.rowSums) {
      pass.setPipeline(compiled.rowSums);
      pass.dispatchWorkgroups(compiled.rowSumGroups, 1, 1);
    }
    pass.end();
    device.queue.submit([encoder.finish()]);
    return new WebGPUBufferResult({ buffer: out, output: [size], componentCount: 1, context: this.context, kernel: this.reader }) as unknown as DeviceValue;
  }

  /** A result's values (WebGPUBufferResult.toArray). */
  private async read(handle: BufferResult): Promise<Float32Array> {
    if (this.context.isLost) throw new Error(DEVICE_LOST);
    const device = this.context.device;
    const bytes = handle.output[0] * 4;
    const staging = device.createBuffer({ size: Math.max(4, bytes), usage: this.flags.mapRead | this.flags.copyDst });
    try {
      const encoder = device.createCommandEncoder();
      encoder.copyBufferToBuffer(handle.buffer, 0, staging, 0, bytes);
      device.queue.submit([encoder.finish()]);
      await staging.mapAsync(this.flags.mapModeRead, 0, bytes);
      const values = new Float32Array(staging.getMappedRange(0, bytes).slice(0));
      staging.unmap();
      return values;
    } finally {
      staging.destroy();
    }
  }
}
