/**
 * Device-resident tensors: what a device (a GPU) must offer so that ops can keep their values there.
 *
 * A kernel that takes host arrays and fills host arrays is fine on a CPU, but a GPU that works that way
 * copies every operand up and every result back, for every op. A TensorDevice instead holds buffers and
 * computes from buffers to buffers. A tensor whose values are on a device holds them as its `external`
 * values (a DeviceStorage), so the core's dispatch sends its ops to the device backend's kernels
 * (device-ops.ts), which compute there and give tensors whose values stay there (Tensor.fromExternal). Host
 * values an op needs on the device are uploaded once and the copy is kept on the tensor, so a weight used
 * by many ops, or an attention mask used by every layer, goes up once.
 *
 * Ops the device does not offer still work: their reference reads `data`, which copies the values back
 * (once per tensor), and their result is a host tensor again. The set of device ops can therefore grow one
 * op at a time, each tested against its reference, and a model runs correctly at every stage.
 *
 * The implementation is src/accel/gpujs/device-tensors.ts (gpu.js kernels on the device worker).
 */
import { getBackend } from '../autograd/dispatch.ts';
import type { ExternalValues } from '../tensor/external-values.ts';
import type { MatmulArgs } from './kernels.ts';
import type { TypedArray } from '../tensor/dtype.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { speckKeepThreshold } from './speck.ts';

/** A device buffer holding a tensor's values: the tensor's `external` values, read back by `download`. */
export interface DeviceStorage extends ExternalValues {
  /** The device that holds the buffer. */
  readonly device: TensorDevice;
  /** The buffer's number on its device. */
  readonly id: number;
  readonly dtype: 'float32';
  /** Copy the values to the host; waits until the device has computed them. */
  download(): Float32Array;
  /**
   * Set for a view (TensorDevice.view): the values are `size` values of another buffer from `offset` on.
   * A kernel given a view reads the other buffer in place, its subscripts of that input moved by the offset.
   */
  readonly viewOf: { readonly storage: DeviceStorage; readonly offset: number } | null;
  /**
   * Set for a scaled buffer not computed yet (TensorDevice.scaled): the values are storage's times factor.
   * A kernel that can take the factor itself (AdamW takes the clipped gradient) reads storage; any other
   * use computes the product first, once.
   */
  readonly scaledFrom?: { readonly storage: DeviceStorage; readonly factor: number } | null;
}

/** Whether a tensor's external values are a device buffer. */
export function isDeviceStorage(values: ExternalValues | null): values is DeviceStorage {
  return values !== null && (values as DeviceStorage).device !== undefined;
}

/** The layout of a batched product: MatmulArgs (kernels.ts) without the arrays. */
export type DeviceMatmulShape = Omit<MatmulArgs, 'a' | 'b' | 'out'>;

export type DeviceBinaryOp = 'add' | 'sub' | 'mul' | 'div';

/**
 * How b lines up with a in a binary op (the output has the larger size):
 *   same     b has the output's shape
 *   row      b repeats along leading dimensions, y = b[idx mod n] (a bias added to every row)
 *   scalarB  b has one element
 *   scalarA  a has one element
 */
export type DeviceBinaryLayout = 'same' | 'row' | 'scalarB' | 'scalarA';

/**
 * The device kernels, by name (their gpu.js sources are in gpujs/device-kernels.ts). Each computes a flat
 * float32 output of a given size from its input buffers and a few constants (sizes and strides; softmax's
 * scale, LayerNorm's eps) compiled into it:
 *   copy                         x                     out = x
 *   matmul                       a, b                  [batch, m, n] products; constants m, n, k and the
 *                                                      strides (see deviceMatmul)
 *   matmulBias, matmulBiasGelu, matmulRowSums, matmulPermuted
 *                                a, b (, bias)         the same with a bias row added (and gelu applied), with
 *                                                      the row sums of op(A) after it, or written permuted
 *                                                      (DeviceMatmulEpilogue)
 *   matmulBiasMany               a, b0..b2, bias0..bias2
 *                                                      up to three biased products of one A, one after the
 *                                                      other; constants as matmul's and size (one
 *                                                      product's values) (deviceMatmulBiasMany)
 *   <op>-<layout>                a, b                  a op b, op add|sub|mul|div, layout as DeviceBinaryLayout
 *                                                      (constant n for 'row')
 *   sumRows                      g                     column sums of g [rows, n]; constants rows, n
 *   gelu, geluBackward           x (, g)               gelu(x); g * gelu'(x)
 *   biasGelu, biasGeluBackward   x, b (, g)            gelu(x + b) for a bias row b; g * gelu'(x + b)
 *   permute                      x                     up to 4 dimensions (devicePermute)
 *   softmaxRowStats, softmaxNormalize, softmaxRows, rowDot, softmaxBackward
 *                                                      softmax(scale x + mask) over rows and its backward
 *                                                      (deviceScaledMaskedSoftmax, deviceSoftmaxBackward)
 *   layerNormStats, layerNormApply, layerNormRows, layerNormRowSums, layerNormBackward, layerNormParamGrads
 *                                                      LayerNorm over rows and its backward (deviceLayerNorm)
 *   sumSquaresPartial, sumAll                          sum of squares of a tensor (deviceSumOfSquares)
 *   sumSquaresPartialMany, sumAllMany                  the same over up to SUM_SQUARES_GROUP tensors in one
 *                                                      launch, the partial sums of up to SUM_SQUARES_GROUP
 *                                                      launches added in one (deviceSumOfSquaresMany)
 *   adamMoment, adamMoment2, adamParam, adamParamBert  the AdamW update (optim/adamw.ts), one kernel per output
 *   adamw                        p, m, v, g            the whole AdamW update of one parameter in one kernel,
 *                                                      into one buffer [p', m', v'] (deviceAdamw)
 *   adamwGroup, adamwGather      s, g0..g5 | x0..x5    the update of up to ADAMW_GROUP parameters kept in one
 *                                                      buffer, in one kernel (deviceAdamwGrouped)
 *   gatherRows, scatterRows                            rows by index and the backward (deviceGatherRows)
 *   slice, unslice                                     a range of one axis and the backward
 *   tanh, tanhBackward                                 tanh
 *   crossEntropyRows, crossEntropyBackward             cross-entropy against targets (ops/loss.ts)
 *   dropout                      x, roundKeys          inverted dropout, the mask made by a counter-based
 *                                                      generator on the device (deviceDropout)
 * The sources, with the formulas, are in gpujs/device-kernels.ts.
 */
export type DeviceKernelName =
  | 'copy'
  | 'matmul'
  | 'matmulBias'
  | 'matmulBiasGelu'
  | 'matmulBiasMany'
  | 'matmulRowSums'
  | 'matmulPermuted'
  | `${DeviceBinaryOp}-${DeviceBinaryLayout}`
  | 'sumRows'
  | 'gelu'
  | 'geluBackward'
  | 'biasGelu'
  | 'biasGeluBackward'
  | 'permute'
  | 'softmaxRowStats'
  | 'softmaxNormalize'
  | 'softmaxRows'
  | 'rowDot'
  | 'softmaxBackward'
  | 'layerNormStats'
  | 'layerNormApply'
  | 'layerNormRows'
  | 'layerNormRowSums'
  | 'layerNormBackward'
  | 'layerNormParamGrads'
  | 'sumSquaresPartial'
  | 'sumAll'
  | 'sumSquaresPartialMany'
  | 'sumAllMany'
  | 'adamMoment'
  | 'adamMoment2'
  | 'adamParam'
  | 'adamParamBert'
  | 'adamw'
  | 'adamwGroup'
  | 'adamwGather'
  | 'gatherRows'
  | 'scatterRows'
  | 'slice'
  | 'unslice'
  | 'tanh'
  | 'tanhBackward'
  | 'crossEntropyRows'
  | 'crossEntropyBackward'
  | 'dropout';

/** A device that holds float32 buffers and computes from buffers to buffers. Calls do not wait. */
export interface TensorDevice {
  readonly name: string;
  /** The most elements one buffer may hold; an op with a bigger input or output runs on the host. */
  readonly maxElements: number;
  /**
   * Whether deviceMatmul first copies a B stored transposed into row-major order. A thread computes one
   * output value and neighbouring threads compute neighbouring columns, so B^T read in place puts k values
   * between the addresses neighbouring threads read; a GPU then cannot combine their reads (coalescing).
   * On an H100 copying first made the BERT-Base products 2.6 to 6 times faster (docs/performance.md); on
   * gpu.js's CPU modes reading in place is faster.
   */
  readonly transposeBFirst: boolean;
  /**
   * Up to how much row work (rows x cols x cols) LayerNorm and softmax run as one kernel whose every thread
   * finds its row's statistics itself (layerNormRows, softmaxRows), instead of a statistics kernel and then
   * the output's: one launch instead of two, for cols times the reads. Small batches (inference) are where
   * a launch may cost more than the reads; 0 (the gpu.js device's default) turns it off.
   */
  readonly rowKernelWork: number;
  /** Copy host values to a new device buffer. */
  upload(values: TypedArray): DeviceStorage;
  /**
   * `size` values of buffer `s` from `offset` on, as a storage of their own that shares s's buffer (and
   * keeps it alive): how one kernel's output holds several tensors (AdamW's parameter and moments).
   */
  view(s: DeviceStorage, offset: number, size: number): DeviceStorage;
  /** s times c, computed only when some use needs the values (see DeviceStorage.scaledFrom). */
  scaled(s: DeviceStorage, c: number): DeviceStorage;
  /**
   * A storage of `size` values that `compute` gives when first needed (a kernel input, a view, a read):
   * kernels posted late can still be merged into one launch (deviceAdamwGrouped).
   */
  deferred(size: number, compute: () => DeviceStorage): DeviceStorage;
  /**
   * a + b (same size), computed when first used; a kernel that reads its inputs element by element reads
   * the two parts instead (a residual connection's sum read by the LayerNorm after it), with no launch.
   */
  deferredSum(a: DeviceStorage, b: DeviceStorage): DeviceStorage;
  /**
   * Run a device kernel into a new buffer of `size` values.
   * @param inputs its arguments, in the kernel's order
   * @param constants the constants it reads (compiled into the kernel: sizes, strides)
   * @param scalars numbers passed as arguments after the buffers (values that change between calls)
   */
  run(kernel: DeviceKernelName, inputs: DeviceStorage[], size: number, constants?: Record<string, number>, scalars?: number[]): DeviceStorage;
  /**
   * Free the buffers of tensors that are gone. Buffers are freed when their JavaScript objects are
   * garbage-collected, but those objects are small: the host heap may not be collected for a long time
   * while device memory fills up. This collects when enough was allocated since the last time, then
   * yields to the event loop so that the frees are posted.
   */
  releaseUnused(): Promise<void>;
}

/**
 * Free the device buffers of tensors that are gone, on the active backend's device (a no-op without one).
 * Training loops call it once per step: a step's activations are garbage by then.
 */
export async function releaseUnusedDeviceMemory(): Promise<void> {
  await activeDevice()?.releaseUnused();
}

/**
 * What a product computes besides C in the same launch:
 *   bias          C + bias, a row of n added to every row (a Linear layer's bias: matmulBias)
 *   gelu          with a bias, gelu(C + bias) (matmulBiasGelu)
 *   rowSumsOfA    for one batch, m values after C: sum_p op(A)[i, p], the column sums of the gradient a
 *                 Linear layer's weight gradient G^T X reads, which are its bias's gradient (matmulRowSums)
 *   outputPermute C written permuted, as devicePermute(C, shape, strides) would (matmulPermuted)
 */
export interface DeviceMatmulEpilogue {
  bias?: DeviceStorage;
  /** With a bias: gelu(C + bias) instead (an intermediate layer's activation: matmulBiasGelu). */
  gelu?: boolean;
  rowSumsOfA?: boolean;
  outputPermute?: { shape: readonly number[]; strides: readonly number[] };
}

/**
 * How a product reads an operand stored [batch, rows, cols]: batch z starts at floor(z / inner) outer +
 * (z mod inner) innerStride, and (r, c) of it at r rowStride + c colStride. A plain operand has inner 1,
 * outer the batch stride, rowStride cols and colStride 1; a pending permute's source gives the others.
 */
interface OperandLayout {
  values: DeviceStorage;
  inner: number;
  outer: number;
  innerStride: number;
  rowStride: number;
  colStride: number;
}

function operandLayout(x: DeviceStorage, batch: number, batchStride: number, rows: number, cols: number): OperandLayout {
  const permuted = pendingPermutes.get(x);
  if (permuted && !permuted.launched) {
    const [s0, s1, s2, s3] = permuted.shape;
    const [t0, t1, t2, t3] = permuted.strides;
    // Read in place when its last two dimensions are the operand's rows and columns and its first two its batch.
    if (s2 === rows && s3 === cols && s0 * s1 === batch && (batchStride === rows * cols || batch === 1)) {
      return { values: permuted.x, inner: s1, outer: t0, innerStride: t1, rowStride: t2, colStride: t3 };
    }
  }
  return { values: x, inner: 1, outer: batchStride, innerStride: 0, rowStride: cols, colStride: 1 };
}

/**
 * The row-major copies deviceMatmul made of single matrices read as B^T, kept as long as the storage they
 * copy. A storage's values never change (every kernel writes a new buffer), so the copy stays right: an
 * inference loop copies each Linear weight once instead of once per forward (72 of the 274 launches of a
 * BERT-Base forward). A weight that training replaces each step takes its copy with it.
 */
const rowMajorCopies = new WeakMap<DeviceStorage, { n: number; k: number; copy: DeviceStorage }>();

/**
 * B of a product as the device reads it best: when the device asks for it (`transposeBFirst`), a
 * transposed B ([n, k], or [batch, n, k]) is read from the transpose a grouped AdamW keeps beside it, or
 * from a copy made before, or else first copied to [k, n] by the permute kernel: k n values moved once,
 * against m k n reads by the product. Otherwise B and the shape as they are.
 */
function rowMajorB(device: TensorDevice, b: DeviceStorage, s: DeviceMatmulShape): { b: DeviceStorage; s: DeviceMatmulShape } {
  if (!s.transposeB || !device.transposeBFirst) return { b, s };
  // A weight updated by a grouped AdamW has its transpose beside it, and one copied before is kept: no copy.
  // (A copy is kept with the shape it was made for: the same values reshaped are another matrix.)
  const copied = rowMajorCopies.get(b);
  const kept = s.bBatchStride === 0 ? (transposedCopyOf(device, b, s.n, s.k) ?? (copied?.n === s.n && copied.k === s.k ? copied.copy : null)) : null;
  if (kept) return { b: kept, s: { ...s, transposeB: false } };
  const batches = s.bBatchStride === 0 ? 1 : s.batch;
  if ((s.bBatchStride !== 0 && s.bBatchStride !== s.k * s.n) || b.size !== batches * s.k * s.n) return { b, s };
  // [batches, n, k] -> [batches, k, n]: output (i, p, j) reads input (i, j, p); from a pending permute's
  // source, [s0, s1, n, k] -> [s0, s1, k, n] in one permute.
  const permuted = pendingPermutes.get(b);
  const [s0, s1, s2, s3] = permuted?.shape ?? [];
  const bRowMajor =
    permuted && !permuted.launched && s0 * s1 === batches && s2 === s.n && s3 === s.k
      ? devicePermute(device, permuted.x, [s0, s1, s.k, s.n], [permuted.strides[0], permuted.strides[1], permuted.strides[3], permuted.strides[2]])
      : devicePermute(device, b, [batches, s.k, s.n], [s.k * s.n, 1, s.k]);
  if (s.bBatchStride === 0) rowMajorCopies.set(b, { n: s.n, k: s.k, copy: bRowMajor });
  return { b: bRowMajor, s: { ...s, transposeB: false } };
}

/** The operands of a product as the kernels read them: buffers, and the sizes and strides as constants. */
function productOperands(a: DeviceStorage, b: DeviceStorage, s: DeviceMatmulShape): { inputs: DeviceStorage[]; constants: Record<string, number> } {
  const A = operandLayout(a, s.batch, s.aBatchStride, s.transposeA ? s.k : s.m, s.transposeA ? s.m : s.k);
  const B = operandLayout(b, s.batch, s.bBatchStride, s.transposeB ? s.n : s.k, s.transposeB ? s.k : s.n);
  const constants: Record<string, number> = {
    m: s.m,
    n: s.n,
    k: s.k,
    aBatchInner: A.inner,
    aBatchStride: A.outer,
    aInnerStride: A.innerStride,
    bBatchInner: B.inner,
    bBatchStride: B.outer,
    bInnerStride: B.innerStride,
    // The stride of i and p in A, of p and j in B.
    aRowStride: s.transposeA ? A.colStride : A.rowStride,
    aColStride: s.transposeA ? A.rowStride : A.colStride,
    bRowStride: s.transposeB ? B.colStride : B.rowStride,
    bColStride: s.transposeB ? B.rowStride : B.colStride,
  };
  return { inputs: [A.values, B.values], constants };
}

/**
 * op(A) @ op(B) for every batch: [batch, m, n] (the strides of MatmulArgs become kernel constants), with
 * an epilogue's extra work in the same launch. An operand that is a pending permute (deviceDeferredPermute)
 * is read from its source with the permute's strides, so that the permute is never computed. A transposed
 * B is read as rowMajorB gives it.
 */
export function deviceMatmul(
  device: TensorDevice,
  a: DeviceStorage,
  b: DeviceStorage,
  shape: DeviceMatmulShape,
  epilogue: DeviceMatmulEpilogue = {},
): DeviceStorage {
  const B = rowMajorB(device, b, shape);
  const s = B.s;
  const { inputs, constants } = productOperands(a, B.b, s);
  const size = s.batch * s.m * s.n;
  if (epilogue.bias) return device.run(epilogue.gelu ? 'matmulBiasGelu' : 'matmulBias', [...inputs, epilogue.bias], size, constants);
  if (epilogue.rowSumsOfA) {
    if (s.batch !== 1) throw new Error(`deviceMatmul: row sums of A need one batch, got ${s.batch}`);
    return device.run('matmulRowSums', inputs, size + s.m, { ...constants, mn: size });
  }
  if (epilogue.outputPermute) {
    const { o, st } = padPermute(epilogue.outputPermute.shape, epilogue.outputPermute.strides);
    return device.run('matmulPermuted', inputs, size, { ...constants, o1: o[1], o2: o[2], o3: o[3], s0: st[0], s1: st[1], s2: st[2], s3: st[3] });
  }
  return device.run('matmul', inputs, size, constants);
}

/** How many products of one A one matmulBiasMany launch computes (its 7 inputs and output: WebGPU's 8 storage buffers). */
export const BIASED_PRODUCT_GROUP = 3;

/**
 * op(A) @ op(B_t) + bias_t for up to BIASED_PRODUCT_GROUP pairs (B_t, bias_t) of one shape, in one launch
 * (attention's query, key and value read the same hidden states): one buffer [t, batch, m, n] whose part t
 * is what deviceMatmul(a, B_t, s, { bias: bias_t }) gives. Falls back to a launch each when the Bs are not
 * stored alike (then their strides differ).
 * @returns one storage per pair, in order (views of the one output)
 */
export function deviceMatmulBiasMany(
  device: TensorDevice,
  a: DeviceStorage,
  parts: readonly { b: DeviceStorage; bias: DeviceStorage }[],
  shape: DeviceMatmulShape,
): DeviceStorage[] {
  const size = shape.batch * shape.m * shape.n;
  if (parts.length > BIASED_PRODUCT_GROUP) throw new Error(`deviceMatmulBiasMany: at most ${BIASED_PRODUCT_GROUP} products a launch, got ${parts.length}`);
  const operands = parts.map(({ b }) => {
    const B = rowMajorB(device, b, shape);
    return productOperands(a, B.b, B.s);
  });
  const first = operands[0];
  const alike = operands.every(
    (o) => o.inputs[0] === first.inputs[0] && Object.keys(first.constants).every((key) => o.constants[key] === first.constants[key]),
  );
  if (parts.length === 1 || !alike) return operands.map((o, t) => device.run('matmulBias', [...o.inputs, parts[t].bias], size, o.constants));
  // Unused slots repeat the first product's B and bias (no thread reads them: the output holds parts.length products).
  const bs = Array.from({ length: BIASED_PRODUCT_GROUP }, (_, t) => operands[t]?.inputs[1] ?? first.inputs[1]);
  const biases = Array.from({ length: BIASED_PRODUCT_GROUP }, (_, t) => parts[t]?.bias ?? parts[0].bias);
  const out = device.run('matmulBiasMany', [first.inputs[0], ...bs, ...biases], parts.length * size, { ...first.constants, size });
  return parts.map((_, t) => device.view(out, t * size, size));
}

/** a op b elementwise; `size` is the output's, `n` the row length of layout 'row'. */
export function deviceBinary(
  device: TensorDevice,
  op: DeviceBinaryOp,
  layout: DeviceBinaryLayout,
  a: DeviceStorage,
  b: DeviceStorage,
  size: number,
  n: number,
): DeviceStorage {
  return device.run(`${op}-${layout}`, [a, b], size, layout === 'row' ? { n } : {});
}

/** A permutation of up to four dimensions as four: leading dimensions of size 1 (stride 0) pad it. */
function padPermute(shape: readonly number[], strides: readonly number[]): { o: number[]; st: number[] } {
  if (shape.length > 4) throw new Error(`devicePermute: at most 4 dimensions, got ${shape.length}`);
  const pad = 4 - shape.length;
  return { o: [...new Array<number>(pad).fill(1), ...shape], st: [...new Array<number>(pad).fill(0), ...strides] };
}

/**
 * Permute up to four dimensions: `shape` is the output's, `strides[i]` the input's stride of the dimension
 * that became output dimension i.
 */
export function devicePermute(device: TensorDevice, x: DeviceStorage, shape: readonly number[], strides: readonly number[]): DeviceStorage {
  const { o, st } = padPermute(shape, strides);
  return device.run('permute', [x], x.size, { o1: o[1], o2: o[2], o3: o[3], s0: st[0], s1: st[1], s2: st[2], s3: st[3] });
}

/** A permute not computed yet: its source, and its shape and strides padded to four dimensions. */
interface PendingPermute {
  x: DeviceStorage;
  shape: number[];
  strides: number[];
  launched: boolean;
}

const pendingPermutes = new WeakMap<DeviceStorage, PendingPermute>();

/**
 * devicePermute, computed only when first used: a product that takes it as an operand reads its source
 * with its strides instead (deviceMatmul), so attention's heads are split without a copy.
 */
export function deviceDeferredPermute(device: TensorDevice, x: DeviceStorage, shape: readonly number[], strides: readonly number[]): DeviceStorage {
  const { o, st } = padPermute(shape, strides);
  const pending: PendingPermute = { x, shape: o, strides: st, launched: false };
  const out = device.deferred(x.size, () => {
    pending.launched = true;
    return devicePermute(device, x, shape, strides);
  });
  pendingPermutes.set(out, pending);
  return out;
}

/**
 * Inverted dropout of x (or its backward, on g: the same product by the same mask), the mask made on the
 * device from Speck32/64 round keys (speck.ts): element i is kept when its counter's word is at least
 * speckKeepThreshold(p) = ceil(p 2^32), and then divided by 1 - p.
 * @param roundKeys a device buffer of the 22 round keys (16-bit integers as floats)
 */
export function deviceDropout(device: TensorDevice, x: DeviceStorage, roundKeys: DeviceStorage, p: number): DeviceStorage {
  const threshold = speckKeepThreshold(p);
  return device.run('dropout', [x, roundKeys], x.size, { thresholdHi: Math.floor(threshold / 65536), thresholdLo: threshold % 65536, keep: 1 - p });
}

/**
 * y = softmax(scale x + mask) over rows of `cols`; the mask row of score row r starts at maskRow[r] (both
 * device buffers; maskRow holds integer offsets as floats).
 */
export function deviceScaledMaskedSoftmax(
  device: TensorDevice,
  x: DeviceStorage,
  mask: DeviceStorage,
  maskRow: DeviceStorage,
  rows: number,
  cols: number,
  scale: number,
): DeviceStorage {
  if (rows * cols * cols <= device.rowKernelWork) return device.run('softmaxRows', [x, mask, maskRow], rows * cols, { rows, cols, scale });
  const stats = deviceSoftmaxRowStats(device, x, mask, maskRow, rows, cols, scale);
  return device.run('softmaxNormalize', [x, mask, maskRow, stats], rows * cols, { rows, cols, scale });
}

/**
 * Per row of z = scale x + mask, in one kernel: [2 rows], m_r = max_j z_rj at r and s_r = sum_j exp(z_rj - m_r)
 * at rows + r (softmax, cross-entropy).
 */
export function deviceSoftmaxRowStats(
  device: TensorDevice,
  x: DeviceStorage,
  mask: DeviceStorage,
  maskRow: DeviceStorage,
  rows: number,
  cols: number,
  scale: number,
): DeviceStorage {
  return device.run('softmaxRowStats', [x, mask, maskRow], 2 * rows, { rows, cols, scale });
}

/** The mask arguments of a softmax without a mask: one row of zeros, and every row pointing at it. */
export function deviceNoMask(device: TensorDevice, rows: number, cols: number): { mask: DeviceStorage; maskRow: DeviceStorage } {
  return { mask: device.upload(new Float32Array(cols)), maskRow: device.upload(new Float32Array(rows)) };
}

/** dx = scale y (g - sum_j g_j y_j) per row: the backward of deviceScaledMaskedSoftmax. */
export function deviceSoftmaxBackward(device: TensorDevice, y: DeviceStorage, g: DeviceStorage, rows: number, cols: number, scale: number): DeviceStorage {
  const rowDot = device.run('rowDot', [y, g], rows, { cols });
  return device.run('softmaxBackward', [y, g, rowDot], rows * cols, { cols, scale });
}

/** LayerNorm over rows of `cols`: the output, and the row statistics [mean (rows), rstd (rows)] for the backward. */
export function deviceLayerNorm(
  device: TensorDevice,
  x: DeviceStorage,
  w: DeviceStorage,
  b: DeviceStorage,
  rows: number,
  cols: number,
  eps: number,
): { y: DeviceStorage; stats: DeviceStorage } {
  if (rows * cols * cols <= device.rowKernelWork) {
    // One launch; the statistics kernel runs only if a backward reads them.
    const stats = device.deferred(2 * rows, () => device.run('layerNormStats', [x], 2 * rows, { rows, cols, eps }));
    return { y: device.run('layerNormRows', [x, w, b], rows * cols, { rows, cols, eps }), stats };
  }
  const stats = device.run('layerNormStats', [x], 2 * rows, { rows, cols, eps });
  return { y: device.run('layerNormApply', [x, stats, w, b], rows * cols, { rows, cols }), stats };
}

/** The backward of deviceLayerNorm: dx, and the gradients of the weight and the bias. */
export function deviceLayerNormBackward(
  device: TensorDevice,
  x: DeviceStorage,
  w: DeviceStorage,
  g: DeviceStorage,
  stats: DeviceStorage,
  rows: number,
  cols: number,
): { dx: DeviceStorage; dw: DeviceStorage; db: DeviceStorage } {
  const sums = device.run('layerNormRowSums', [x, stats, w, g], 2 * rows, { rows, cols });
  const dx = device.run('layerNormBackward', [x, stats, w, g, sums], rows * cols, { rows, cols });
  const grads = device.run('layerNormParamGrads', [x, stats, g], 2 * cols, { rows, cols });
  return { dx, dw: device.view(grads, 0, cols), db: device.view(grads, cols, cols) };
}

/** sum of x^2 over a buffer, as a one-value buffer (two passes of about sqrt(n) each). */
export function deviceSumOfSquares(device: TensorDevice, x: DeviceStorage): DeviceStorage {
  const n = x.size;
  const chunk = Math.max(1, Math.ceil(Math.sqrt(n)));
  const chunks = Math.ceil(n / chunk);
  const partial = device.run('sumSquaresPartial', [x], chunks, { chunk, n });
  return device.run('sumAll', [partial], 1, { n: chunks });
}

/** How many tensors one sumSquaresPartialMany launch reads (WebGPU grants 8 storage buffers a kernel by default). */
export const SUM_SQUARES_GROUP = 6;

/**
 * The sum of x^2 over every element of every buffer in `xs` (plus `start`, a one-value buffer, when given),
 * as a one-value buffer: one kernel per SUM_SQUARES_GROUP buffers, and one per SUM_SQUARES_GROUP of those
 * to add up their partial sums, where deviceSumOfSquares takes two per buffer and an addition to combine
 * them. Each launch cuts its buffers into chunks of one length (about the square root of the largest), one
 * thread per chunk; sumAllMany adds the chunks' sums of several launches to the running total.
 */
export function deviceSumOfSquaresMany(device: TensorDevice, xs: readonly DeviceStorage[], start: DeviceStorage | null = null): DeviceStorage | null {
  const partials: DeviceStorage[] = [];
  for (let g = 0; g < xs.length; g += SUM_SQUARES_GROUP) {
    const group = xs.slice(g, g + SUM_SQUARES_GROUP);
    const chunk = Math.max(1, Math.ceil(Math.sqrt(Math.max(...group.map((x) => x.size)))));
    // Input k's chunks are threads [c_k, c_{k+1}); unused inputs have no chunks (and repeat the first buffer).
    const constants: Record<string, number> = { chunk };
    let chunks = 0;
    for (let k = 0; k < SUM_SQUARES_GROUP; k++) {
      constants[`c${k}`] = chunks;
      constants[`n${k}`] = k < group.length ? group[k].size : 0;
      if (k < group.length) chunks += Math.ceil(group[k].size / chunk);
    }
    constants[`c${SUM_SQUARES_GROUP}`] = chunks;
    const inputs = Array.from({ length: SUM_SQUARES_GROUP }, (_, k) => group[k] ?? group[0]);
    partials.push(device.run('sumSquaresPartialMany', inputs, chunks, constants));
  }
  let total = start;
  for (let g = 0; g < partials.length; g += SUM_SQUARES_GROUP) {
    const group = partials.slice(g, g + SUM_SQUARES_GROUP);
    // Unused inputs repeat the first partial and add nothing (n_k = 0); without a total, the first stands in.
    const constants: Record<string, number> = { plusTotal: total === null ? 0 : 1, nMax: Math.max(...group.map((p) => p.size)) };
    for (let k = 0; k < SUM_SQUARES_GROUP; k++) constants[`n${k}`] = k < group.length ? group[k].size : 0;
    const inputs = Array.from({ length: SUM_SQUARES_GROUP }, (_, k) => group[k] ?? group[0]);
    total = device.run('sumAllMany', [total ?? group[0], ...inputs], 1, constants);
  }
  return total;
}

/**
 * The first AdamW update of one parameter in one kernel (the formulas of optim/adamw.ts in float32), from
 * p, m and v in buffers of their own: a buffer [3n] holding p', m', v' one after the other. Later updates
 * find them there and update several parameters a launch (deviceAdamwGrouped).
 * @param scalars [beta1, beta2, a, b, c, eps, gScale] (g is read times gScale: a clipped gradient): with
 *   bias correction a = 1 - lr wd, b = lr / (1 - beta1^t), c = sqrt(1 - beta2^t); for the original BERT
 *   optimizer (bert) a = lr, b = wd
 */
export function deviceAdamw(
  device: TensorDevice,
  n: number,
  bert: boolean,
  g: DeviceStorage,
  p: DeviceStorage,
  m: DeviceStorage,
  v: DeviceStorage,
  scalars: number[],
): DeviceStorage {
  return device.run('adamw', [p, m, v, g], 3 * n, { n, bert: bert ? 1 : 0 }, scalars);
}

/** How many parameters one adamwGroup launch updates: its buffer and their gradients are 7 inputs, its output the 8th storage buffer. */
export const ADAMW_GROUP = 6;

/** The numbers every parameter of one grouped update shares: [beta1, beta2, c, eps] and the convention. */
export interface AdamwShared {
  bert: boolean;
  beta1: number;
  beta2: number;
  /** sqrt(1 - beta2^t) with bias correction, 1 without. */
  c: number;
  eps: number;
}

/** One parameter of a grouped update. */
export interface AdamwGroupMember {
  /** Where its [p, m, v] are now (3n values from offset on; the previous update's output). */
  source: { storage: DeviceStorage; offset: number };
  n: number;
  /** [rows, cols] of a matrix whose transpose the group keeps next to it (transposedCopyOf), or null. */
  matrix: readonly [number, number] | null;
  /** The gradient, read times gScale (gradient clipping's factor). */
  g: DeviceStorage;
  gScale: number;
  /** a and b of deviceAdamw's scalars (they depend on the parameter's weight decay). */
  a: number;
  b: number;
}

/** A parameter's place in a group buffer: [p, m, v] from offset on, and the transpose of a matrix after them. */
interface AdamwSlot {
  offset: number;
  n: number;
  matrix: readonly [number, number] | null;
}

/** The layout of each grouped update's output buffer (kept while the buffer lives). */
const groupLayouts = new WeakMap<DeviceStorage, readonly AdamwSlot[]>();

/** The group an optimizer step is filling on each device; launched when full or when one of its values is needed. */
const openGroups = new WeakMap<TensorDevice, AdamwGroup>();

class AdamwGroup {
  readonly members: (AdamwGroupMember & AdamwSlot)[] = [];
  size = 0;
  private out: DeviceStorage | null = null;

  constructor(
    readonly device: TensorDevice,
    readonly shared: AdamwShared,
  ) {}

  get launched(): boolean {
    return this.out !== null;
  }

  /** Post the update of every member (once) and give its output: [p', m', v' (, p'^T)] per member. */
  launch(): DeviceStorage {
    if (this.out) return this.out;
    const device = this.device;
    if (openGroups.get(device) === this) openGroups.delete(device);
    const { members, size } = this;
    const layout: AdamwSlot[] = members.map(({ offset, n, matrix }) => ({ offset, n, matrix }));
    const constants: Record<string, number> = { bert: this.shared.bert ? 1 : 0 };
    for (let k = 0; k < ADAMW_GROUP; k++) {
      const m = members[k];
      const end = m ? m.offset + (m.matrix ? 4 : 3) * m.n : size;
      Object.assign(constants, { [`o${k}`]: m ? m.offset : size, [`n${k}`]: m ? m.n : 0, [`e${k}`]: end });
      Object.assign(constants, { [`r${k}`]: m?.matrix?.[0] ?? 1, [`c${k}`]: m?.matrix?.[1] ?? 1 });
    }
    // Already in one buffer of this layout (every step after the second): updated in place of it.
    const base = members[0].source.storage;
    const previous = groupLayouts.get(base);
    const inPlace =
      previous !== undefined &&
      previous.length === layout.length &&
      previous.every((slot, k) => sameSlot(slot, layout[k])) &&
      members.every((m) => m.source.storage === base && m.source.offset === m.offset);
    let s = base;
    if (!inPlace) {
      const gatherConstants: Record<string, number> = {};
      for (let k = 0; k < ADAMW_GROUP; k++) for (const c of ['o', 'n', 'e']) gatherConstants[`${c}${k}`] = constants[`${c}${k}`];
      const sources = members.map((m) => device.view(m.source.storage, m.source.offset, 3 * m.n));
      s = device.run('adamwGather', padded(sources), size, gatherConstants);
    }
    const { beta1, beta2, c, eps } = this.shared;
    const scalars = [beta1, beta2, c, eps];
    for (let k = 0; k < ADAMW_GROUP; k++) {
      const m = members[k] ?? members[0];
      scalars.push(m.a, m.b, m.gScale);
    }
    this.out = device.run('adamwGroup', [s, ...padded(members.map((m) => m.g))], size, constants, scalars);
    groupLayouts.set(this.out, layout);
    return this.out;
  }
}

function sameSlot(a: AdamwSlot, b: AdamwSlot): boolean {
  return a.offset === b.offset && a.n === b.n && (a.matrix?.[0] ?? -1) === (b.matrix?.[0] ?? -1) && (a.matrix?.[1] ?? -1) === (b.matrix?.[1] ?? -1);
}

/** ADAMW_GROUP inputs: unused slots repeat the first (their n_k = 0: nothing reads them). */
function padded(xs: DeviceStorage[]): DeviceStorage[] {
  return Array.from({ length: ADAMW_GROUP }, (_, k) => xs[k] ?? xs[0]);
}

/**
 * The AdamW update of a parameter whose [p, m, v] are already on the device in one piece (its earlier
 * updates' output), batched with the next ones: parameters join the device's open group, which is
 * launched as one adamwGroup kernel when it holds ADAMW_GROUP parameters or would pass maxElements values,
 * or as soon as one of its results is needed (the results are deferred views of its output). From the
 * third update on, a group reads its own previous output in place; otherwise one adamwGather launch first
 * copies the members' values into the group's layout.
 * @returns the new parameter and moments, n values each (deferred until the group is launched)
 */
export function deviceAdamwGrouped(
  device: TensorDevice,
  member: AdamwGroupMember,
  shared: AdamwShared,
): { p: DeviceStorage; m: DeviceStorage; v: DeviceStorage } {
  const segment = (member.matrix ? 4 : 3) * member.n;
  if (segment > device.maxElements)
    throw new Error(`deviceAdamwGrouped: a parameter of ${member.n} values needs ${segment} values; a buffer holds ${device.maxElements}`);
  let group = openGroups.get(device);
  const sharedChanged = group && (Object.keys(shared) as (keyof AdamwShared)[]).some((key) => group!.shared[key] !== shared[key]);
  if (group && (sharedChanged || group.size + segment > device.maxElements)) {
    group.launch();
    group = undefined;
  }
  if (!group) {
    group = new AdamwGroup(device, shared);
    openGroups.set(device, group);
  }
  const g = group;
  const offset = g.size;
  g.members.push({ ...member, offset });
  g.size += segment;
  const part = (k: number) => device.deferred(member.n, () => device.view(g.launch(), offset + k * member.n, member.n));
  const out = { p: part(0), m: part(1), v: part(2) };
  if (g.members.length === ADAMW_GROUP) g.launch();
  return out;
}

/**
 * The transpose [cols, rows] of a matrix parameter b [rows, cols] that a grouped update keeps next to it
 * (a view), or null: a product that reads b as B^T reads it row-major there instead of a copy of its own.
 */
export function transposedCopyOf(device: TensorDevice, b: DeviceStorage, rows: number, cols: number): DeviceStorage | null {
  const v = b.viewOf;
  if (!v || b.size !== rows * cols) return null;
  const slot = groupLayouts.get(v.storage)?.find((s) => s.offset === v.offset);
  if (!slot?.matrix || slot.n !== b.size || slot.matrix[0] !== rows || slot.matrix[1] !== cols) return null;
  return device.view(v.storage, v.offset + 3 * slot.n, slot.n);
}

/**
 * out[r] = table[ids[r]] for a table [n, inner] and host indices; with `backward`, the gradient of the
 * table: each row the sum of the gradients of the positions that picked it.
 */
export function deviceGatherRows(
  device: TensorDevice,
  table: DeviceStorage,
  ids: ArrayLike<number>,
  n: number,
  inner: number,
  /** A row whose gradient stays zero (an embedding's padding row), or undefined. */
  skipRow?: number,
): { out: DeviceStorage; backward: (g: DeviceStorage) => DeviceStorage } {
  const count = ids.length;
  const idsOnDevice = device.upload(Float32Array.from(ids));
  const out = device.run('gatherRows', [table, idsOnDevice], count * inner, { inner });
  const backward = (g: DeviceStorage): DeviceStorage => {
    // Positions sorted by table row (a counting sort): row v's are positions[rowStart[v] .. rowStart[v+1]).
    const rowStart = new Float32Array(n + 1);
    for (let k = 0; k < count; k++) if (ids[k] !== skipRow) rowStart[ids[k] + 1]++;
    let longest = 1;
    for (let v = 0; v < n; v++) {
      longest = Math.max(longest, rowStart[v + 1]);
      rowStart[v + 1] += rowStart[v];
    }
    const next = rowStart.slice(0, n);
    const positions = new Float32Array(Math.max(1, count));
    for (let k = 0; k < count; k++) if (ids[k] !== skipRow) positions[next[ids[k]]++] = k;
    // The loop bound is compiled in: rounded up to a power of two, a few kernels serve every batch.
    const maxCount = 2 ** Math.ceil(Math.log2(longest));
    return device.run('scatterRows', [g, device.upload(rowStart), device.upload(positions)], n * inner, { inner, maxCount });
  };
  return { out, backward };
}

/** Column sums of g [rows, n]: [n]. */
export function deviceSumRows(device: TensorDevice, g: DeviceStorage, rows: number, n: number): DeviceStorage {
  return device.run('sumRows', [g], n, { rows, n });
}

/**
 * The device an op should run on: the device of its float32 inputs that are on one, or null (run on the
 * host) when none is, or when an input is float64 or int32 (devices compute in float32 only).
 * Inputs on two different devices are an error. (Two parameters rather than a list: ops call this on every
 * host computation too, and the common answer, "no device", must cost next to nothing.)
 */
export function deviceOf(a: Tensor, b?: Tensor | null): TensorDevice | null {
  const da = a.external;
  const db = b ? b.external : null;
  if (da === null && db === null) return null;
  if (a.dtype !== 'float32' || (b && b.dtype !== 'float32')) return null;
  const deviceA = isDeviceStorage(da) ? da.device : null;
  const deviceB = isDeviceStorage(db) ? db.device : null;
  if (deviceA !== null && deviceB !== null && deviceA !== deviceB) {
    throw new Error(`device op: inputs are on two devices, "${deviceA.name}" and "${deviceB.name}"; move them to one first (toDevice)`);
  }
  const device = deviceA ?? deviceB;
  // An input too big for one device buffer keeps the op on the host (its output would be as big).
  if (device && (a.size > device.maxElements || (b && b.size > device.maxElements))) return null;
  return device;
}

/**
 * The tensor's values on `device`: its device buffer, uploading the host values first if they are not
 * there yet (the copy is kept on the tensor for the next op).
 */
export function onDevice(t: Tensor, device: TensorDevice): DeviceStorage {
  if (isDeviceStorage(t.external) && t.external.device === device) return t.external;
  if (t.dtype !== 'float32') throw new Error(`toDevice: devices hold float32 values; this tensor is ${t.dtype}`);
  const storage = device.upload(t.data);
  t.external = storage;
  return storage;
}

/**
 * Put a tensor's values on `device` (kept alongside its host values) and return the tensor: ops that take
 * it run on the device from then on. A parameter updated in place on the host later calls
 * markHostChanged(), which uploads the new values in place of the stale ones.
 */
export function toDevice<T extends Tensor>(t: T, device: TensorDevice): T {
  onDevice(t, device);
  return t;
}

const backendDevices = new Map<string, TensorDevice>();

/** Declare that backend `backendName` has `device`: while it is active, models keep their weights there. */
export function registerBackendDevice(backendName: string, device: TensorDevice | null): void {
  if (device) backendDevices.set(backendName, device);
  else backendDevices.delete(backendName);
}

/** The device of the active backend (gpujs-webgpu has one), or null: then everything runs on the host. */
export function activeDevice(): TensorDevice | null {
  return backendDevices.get(getBackend()) ?? null;
}

/**
 * Put parameters on the active backend's device, if it has one (the trainers call this once the weights
 * are loaded). The optimizer keeps them there: it updates the host values and uploads them again.
 * @returns the device, or null when the active backend has none
 */
export function placeOnActiveDevice(params: Iterable<Tensor>): TensorDevice | null {
  const device = activeDevice();
  // A parameter too big for one buffer (BERT-Base's word embeddings under gpu.js) stays on the host.
  if (device) for (const p of params) if (p.dtype === 'float32' && p.size <= device.maxElements) onDevice(p, device);
  return device;
}
