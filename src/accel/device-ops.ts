/**
 * The op kernels of a device backend (gpujs-webgpu, or gpu.js's webasm/cpu modes on the device worker in
 * tests): registered through the core's dispatch seam under the ops' kernel names, each computes the op's
 * result on the device when an input is there, and declines (returns null) otherwise, so that the cpu
 * backend's kernels or the core's reference take over. The formulas are the references' (src/ops, src/optim);
 * the device versions are in float32 and are tested against them in test/accel/device-tensors.test.ts.
 */
import { hasKernel, registerKernel, type KernelFor } from '../autograd/dispatch.ts';
import { isGradEnabled } from '../autograd/grad-mode.ts';
import type { OpResult } from '../autograd/record.ts';
import type { addGradientsReference } from '../autograd/backward.ts';
import type { dropoutReference } from '../ops/dropout.ts';
import { isTrailingShape, type ArithmeticOp } from '../ops/elementwise.ts';
import type { geluReference } from '../ops/gelu.ts';
import type { gatherRowsReference } from '../ops/indexing.ts';
import type { layerNormReference } from '../ops/layer-norm.ts';
import { countTargets, type crossEntropyReference } from '../ops/loss.ts';
import type { matmulReference } from '../ops/matmul.ts';
import type { scaledMaskedSoftmaxReference, softmaxReference } from '../ops/softmax.ts';
import type { adamwUpdateReference } from '../optim/adamw.ts';
import { sumOfSquaresReference } from '../optim/clip.ts';
import { sameShape, sizeOf, type Shape } from '../tensor/shape.ts';
import { Tensor } from '../tensor/tensor.ts';
import {
  BIASED_PRODUCT_GROUP,
  deviceAdamw,
  deviceAdamwGrouped,
  deviceBinary,
  deviceDropout,
  deviceGatherRows,
  deviceLayerNorm,
  deviceLayerNormBackward,
  deviceMatmul,
  deviceMatmulBiasMany,
  deviceNoMask,
  deviceOf,
  deviceDeferredPermute,
  deviceScaledMaskedSoftmax,
  deviceSoftmaxBackward,
  deviceSoftmaxRowStats,
  deviceSumOfSquaresMany,
  deviceSumRows,
  isDeviceStorage,
  onDevice,
  type DeviceBinaryLayout,
  type DeviceMatmulShape,
  type DeviceStorage,
  type TensorDevice,
} from './device.ts';
import { counterDropoutOnHost, counterDropoutRoundKeys } from './dropout-masks.ts';

/** A tensor of `shape` whose values are the device buffer `s` (float32: devices compute in float32). */
function held(s: DeviceStorage, shape: Shape): Tensor {
  return Tensor.fromExternal(s, shape, 'float32');
}

/**
 * Products and column sums are deferred (computed when first used), so that the op after them can join
 * their launch: a bias row added to a product is the product's epilogue (matmulBias), and the column sums
 * of a gradient G (a bias's gradient, sumToShape) are computed by the product G^T X that gives the weight's
 * gradient (matmulRowSums). Either result used any other way is computed on its own when first used.
 */
interface PendingProduct {
  a: DeviceStorage;
  b: DeviceStorage;
  attrs: DeviceMatmulShape;
  /** Whether the plain product was launched (then adding a bias to it is a launch of its own). */
  launched: boolean;
  /** Whether its launch computes column sums of A too (then it is launched as it is). */
  withColumnSums: boolean;
}

interface PendingColumnSums {
  rows: number;
  n: number;
  /** Whether the sums were asked for: then a later product cannot compute them any more. */
  used: boolean;
  /** The product that computes them after its own values (its output, launched when first needed). */
  product: (() => DeviceStorage) | null;
}

const pendingProducts = new WeakMap<DeviceStorage, PendingProduct>();
/** By the gradient whose column sums are pending. */
const pendingColumnSums = new WeakMap<DeviceStorage, PendingColumnSums>();

/** The column sums of g [rows, n] as a deferred [n]: computed by a product that reads g as A^T if one comes first. */
function columnSums(device: TensorDevice, g: DeviceStorage, rows: number, n: number): DeviceStorage {
  const pending: PendingColumnSums = { rows, n, used: false, product: null };
  pendingColumnSums.set(g, pending);
  return device.deferred(n, () => {
    pending.used = true;
    if (!pending.product) return deviceSumRows(device, g, rows, n);
    const out = pending.product();
    return device.view(out, out.size - n, n);
  });
}

const matmul: KernelFor<typeof matmulReference> = ({ a, b }, attrs) => {
  const size = attrs.batch * attrs.m * attrs.n;
  if (size === 0 || attrs.k === 0) return null;
  const device = deviceOf(a, b);
  if (!device || size > device.maxElements) return null;
  // An operand on a device: the product is computed there and stays there.
  const [as, bs] = [onDevice(a, device), onDevice(b, device)];
  // G^T X whose G has column sums pending over its k rows: they come after the product, in its launch.
  const sums = attrs.transposeA && attrs.batch === 1 ? pendingColumnSums.get(as) : undefined;
  const withSums = sums && !sums.used && sums.product === null && sums.rows === attrs.k && sums.n === attrs.m && size + attrs.m <= device.maxElements;
  const pending: PendingProduct = { a: as, b: bs, attrs, launched: false, withColumnSums: withSums === true };
  let out: DeviceStorage | null = null;
  const launch = (): DeviceStorage => {
    out ??= deviceMatmul(device, as, bs, attrs, { rowSumsOfA: withSums === true });
    pending.launched = true;
    return out;
  };
  if (withSums) sums.product = launch;
  const product = device.deferred(size, () => (withSums ? device.view(launch(), 0, size) : launch()));
  pendingProducts.set(product, pending);
  return held(product, attrs.outShape);
};

/** A product with its bias, waiting for a first use; `out` once launched. */
interface PendingBiasedProduct {
  product: PendingProduct;
  bias: DeviceStorage;
  out: DeviceStorage | null;
}

/** The biased products not launched yet, by the A they read. */
const biasedProductsByA = new WeakMap<DeviceStorage, PendingBiasedProduct[]>();

function sameLayout(x: DeviceMatmulShape, y: DeviceMatmulShape): boolean {
  return (
    x.batch === y.batch &&
    x.m === y.m &&
    x.n === y.n &&
    x.k === y.k &&
    x.transposeA === y.transposeA &&
    x.transposeB === y.transposeB &&
    x.aBatchStride === y.aBatchStride &&
    x.bBatchStride === y.bBatchStride
  );
}

/**
 * A product plus its bias row, launched when first used together with the other biased products of the
 * same A and shape that wait (up to BIASED_PRODUCT_GROUP, deviceMatmulBiasMany): attention's query, key
 * and value are three Linear layers of the same hidden states, and the scores need two of them at once.
 */
function biasedProduct(device: TensorDevice, product: PendingProduct, bias: DeviceStorage): DeviceStorage {
  const member: PendingBiasedProduct = { product, bias, out: null };
  const waiting = (biasedProductsByA.get(product.a) ?? []).filter((p) => p.out === null);
  waiting.push(member);
  biasedProductsByA.set(product.a, waiting);
  const { batch, m, n } = product.attrs;
  return device.deferred(batch * m * n, () => {
    if (member.out === null) {
      const siblings = (biasedProductsByA.get(product.a) ?? []).filter((p) => p !== member && p.out === null && sameLayout(p.product.attrs, product.attrs));
      const group = [member, ...siblings].slice(0, BIASED_PRODUCT_GROUP);
      const outs = deviceMatmulBiasMany(
        device,
        product.a,
        group.map((p) => ({ b: p.product.b, bias: p.bias })),
        product.attrs,
      );
      group.forEach((p, t) => {
        p.out = outs[t];
      });
    }
    return member.out as DeviceStorage;
  });
}

/** a op b elementwise, for the layouts the device has: same shape, a bias row, or a scalar. */
function arithmetic({ a, b }: { a: Tensor; b: Tensor }, { op, shape }: { op: ArithmeticOp; shape: Shape }): Tensor | null {
  const size = sizeOf(shape);
  const device = size > 0 ? deviceOf(a, b) : null;
  if (!device) return null;
  let layout: DeviceBinaryLayout;
  if (sameShape(a.shape, b.shape)) layout = 'same';
  else if (b.size === 1 && a.size === size) layout = 'scalarB';
  else if (a.size === 1 && b.size === size) layout = 'scalarA';
  else if (a.size === size && isTrailingShape(b.shape, shape)) layout = 'row';
  else return null;
  // A bias row added to a product not computed yet: one launch for both (and for its siblings: biasedProduct).
  const product = op === 'add' && a.size === size && isDeviceStorage(a.external) ? pendingProducts.get(a.external) : undefined;
  if (product && !product.launched && b.size === product.attrs.n && isTrailingShape(b.shape, shape)) {
    return held(biasedProduct(device, product, onDevice(b, device)), shape);
  }
  // A sum of two tensors is computed by the kernel that reads it, when that kernel can (TensorDevice.deferredSum).
  if (op === 'add' && layout === 'same') return held(device.deferredSum(onDevice(a, device), onDevice(b, device)), shape);
  return held(deviceBinary(device, op, layout, onDevice(a, device), onDevice(b, device), size, b.size), shape);
}

/** The backward of a bias row: the sum over the leading dimensions, the trailing ones kept. */
function sumToShape({ t }: { t: Tensor }, { shape }: { shape: Shape }): Tensor | null {
  const outSize = sizeOf(shape);
  const device = outSize > 0 && t.size > 0 && isTrailingShape(shape, t.shape) ? deviceOf(t) : null;
  return device ? held(columnSums(device, onDevice(t, device), t.size / outSize, outSize), shape) : null;
}

const addGradients: KernelFor<typeof addGradientsReference> = ({ a, b }) => {
  const device = deviceOf(a, b);
  return device ? held(device.deferredSum(onDevice(a, device), onDevice(b, device)), a.shape) : null;
};

function tanh({ x }: { x: Tensor }): OpResult | null {
  const device = x.size > 0 ? deviceOf(x) : null;
  if (!device) return null;
  const y = device.run('tanh', [onDevice(x, device)], x.size);
  return { output: held(y, x.shape), backward: (g) => [held(device.run('tanhBackward', [y, onDevice(g, device)], x.size), x.shape)] };
}

/**
 * x times c, computed when first used: gradient clipping scales every gradient by one factor just before
 * the optimizer reads them, and the AdamW kernel takes the factor itself, so no launch is spent on it.
 */
function scale({ x }: { x: Tensor }, { c }: { c: number }): OpResult | null {
  const device = x.size > 0 ? deviceOf(x) : null;
  if (!device) return null;
  const times = (t: Tensor): Tensor => held(device.scaled(onDevice(t, device), c), t.shape);
  return { output: times(x), backward: (g) => [times(g)] };
}

/**
 * gelu(x + bias): one kernel adds the bias row and applies the activation (x + b rounded to float32 first,
 * as the reference does), and the backward is gelu'(x + b) times the gradient (the sum recomputed rather
 * than stored), summed over rows for the bias.
 */
const gelu: KernelFor<typeof geluReference> = ({ x, bias }) => {
  const device = x.size > 0 ? deviceOf(x, bias) : null;
  if (!device) return null;
  const xs = onDevice(x, device);
  if (!bias) {
    return {
      output: held(device.run('gelu', [xs], x.size), x.shape),
      backward: (g) => [held(device.run('geluBackward', [xs, onDevice(g, device)], x.size), x.shape)],
    };
  }
  const b = onDevice(bias, device);
  const n = { n: bias.size };
  // A product not computed yet whose activation no gradient will need: gelu(x + b) is its epilogue. (Were
  // the backward run after all, it would compute the product itself when reading x.)
  const product = isDeviceStorage(x.external) ? pendingProducts.get(x.external) : undefined;
  const needsGradient = isGradEnabled() && (x.requiresGrad || bias.requiresGrad);
  const fused =
    product && !product.launched && !needsGradient && bias.size === product.attrs.n && x.size === product.attrs.batch * product.attrs.m * product.attrs.n;
  const backward = (g: Tensor): (Tensor | null)[] => {
    const dx = device.run('biasGeluBackward', [xs, b, onDevice(g, device)], x.size, n);
    const dbias = bias.requiresGrad ? held(columnSums(device, dx, x.size / bias.size, bias.size), bias.shape) : null;
    return [x.requiresGrad ? held(dx, x.shape) : null, dbias];
  };
  const y = fused ? deviceMatmul(device, product.a, product.b, product.attrs, { bias: b, gelu: true }) : device.run('biasGelu', [xs, b], x.size, n);
  return { output: held(y, x.shape), backward };
};

/** layerNorm with its input on a device: the statistics, the output and every gradient computed there. */
const layerNorm: KernelFor<typeof layerNormReference> = ({ x, weight, bias }, { rows, cols, eps }) => {
  const device = rows > 0 ? (deviceOf(x, weight) ?? deviceOf(bias)) : null;
  if (!device) return null;
  const xs = onDevice(x, device);
  const ws = onDevice(weight, device);
  const { y, stats } = deviceLayerNorm(device, xs, ws, onDevice(bias, device), rows, cols, eps);
  const backward = (g: Tensor): Tensor[] => {
    const { dx, dw, db } = deviceLayerNormBackward(device, xs, ws, onDevice(g, device), stats, rows, cols);
    return [held(dx, x.shape), held(dw, [cols]), held(db, [cols])];
  };
  return { output: held(y, x.shape), backward };
};

/**
 * softmax(scale x + mask) over rows on a device. The mask's row offsets go up as floats (integers below
 * 2^24 are exact); without a mask one row of zeros does.
 */
function softmaxOnDevice(
  device: TensorDevice,
  x: Tensor,
  scaleBy: number,
  mask: { values: Tensor; rowOffsets: Int32Array } | null,
  withMaskGradient: boolean,
  rows: number,
  cols: number,
): OpResult {
  const m = mask ? { mask: onDevice(mask.values, device), maskRow: device.upload(Float32Array.from(mask.rowOffsets)) } : deviceNoMask(device, rows, cols);
  const y = deviceScaledMaskedSoftmax(device, onDevice(x, device), m.mask, m.maskRow, rows, cols, scaleBy);
  const backward = (g: Tensor): (Tensor | null)[] => {
    const dx = held(deviceSoftmaxBackward(device, y, onDevice(g, device), rows, cols, scaleBy), x.shape);
    return withMaskGradient ? [dx, null] : [dx];
  };
  return { output: held(y, x.shape), backward };
}

const softmax: KernelFor<typeof softmaxReference> = ({ x }, { rows, cols }) => {
  const device = rows > 0 ? deviceOf(x) : null;
  return device ? softmaxOnDevice(device, x, 1, null, false, rows, cols) : null;
};

/** A mask that needs a gradient stays on the host path. */
const scaledMaskedSoftmax: KernelFor<typeof scaledMaskedSoftmaxReference> = ({ scores, mask, maskIn }, { scale: s, maskRowOffsets, rows, cols }) => {
  const device = rows > 0 && !mask?.requiresGrad ? deviceOf(scores, maskIn) : null;
  if (!device) return null;
  const m = maskIn && maskRowOffsets ? { values: maskIn, rowOffsets: maskRowOffsets } : null;
  return softmaxOnDevice(device, scores, s, m, mask !== null, rows, cols);
};

/**
 * The mean cross-entropy of logits [N, C] on a device (the targets are checked on the host, where they
 * are): softmax statistics per row, the loss of each row, their sum; the backward is softmax minus the
 * target's one-hot, times the loss's gradient over the number of counted rows.
 */
const crossEntropy: KernelFor<typeof crossEntropyReference> = ({ logits, targets }, { ignoreIndex, reduction, rows: N, classes: C }) => {
  const device = reduction === 'mean' && N > 0 && C > 0 ? deviceOf(logits) : null;
  if (!device) return null;
  const t = targets.data;
  const counted = countTargets(t, N, C, ignoreIndex);
  const x = onDevice(logits, device);
  const targetsOnDevice = device.upload(Float32Array.from(t));
  const { mask, maskRow } = deviceNoMask(device, N, C);
  const stats = deviceSoftmaxRowStats(device, x, mask, maskRow, N, C, 1);
  const rowLoss = device.run('crossEntropyRows', [x, stats, targetsOnDevice], N, { rows: N, cols: C, ignoreIndex });
  const total = device.run('sumAll', [rowLoss], 1, { n: N });
  // The mean: the total over the counted rows (0 when every target is ignored, as on the host).
  const mean = deviceBinary(device, 'mul', 'scalarB', total, device.upload(new Float32Array([counted === 0 ? 0 : 1 / counted])), 1, 1);
  const backward = (g: Tensor): Tensor[] => {
    const dx = device.run('crossEntropyBackward', [x, stats, targetsOnDevice, onDevice(g, device)], N * C, {
      rows: N,
      cols: C,
      ignoreIndex,
      count: Math.max(1, counted),
    });
    return [held(dx, logits.shape)];
  };
  return { output: held(mean, []), backward };
};

/**
 * Dropout of a tensor on a device. Masks 'stream' are drawn on the host, from the same stream as the
 * reference, and go up once (so a device run drops the same elements as a host run); 'auto' and 'counter'
 * make the mask on the device (dropout-masks.ts), when x fits in one buffer.
 */
const dropout: KernelFor<typeof dropoutReference> = ({ x }, { p, rng, masks }) => {
  const device = x.size > 0 ? deviceOf(x) : null;
  if (!device) return null;
  if (masks !== 'stream') {
    if (x.size > device.maxElements) return counterDropoutOnHost(x, p, rng);
    const keys = device.upload(Float32Array.from(counterDropoutRoundKeys(rng)));
    const output = held(deviceDropout(device, onDevice(x, device), keys, p), x.shape);
    return { output, backward: (g) => [held(deviceDropout(device, onDevice(g, device), keys, p), x.shape)] };
  }
  const keepScale = 1 / (1 - p);
  const threshold = p * 4294967296;
  const bits = rng.fastStream();
  const mask = new Float32Array(x.size);
  for (let i = 0; i < x.size; i++) if (bits.nextUint32() >= threshold) mask[i] = keepScale;
  const maskOnDevice = device.upload(mask);
  const times = (t: Tensor): Tensor => held(deviceBinary(device, 'mul', 'same', onDevice(t, device), maskOnDevice, x.size, x.size), x.shape);
  return { output: times(x), backward: (g) => [times(g)] };
};

/** Rows of a table picked by host indices; the backward adds each picked row's gradient into its row there. */
const gatherRows: KernelFor<typeof gatherRowsReference> = ({ table, ids }, { rows: n, shape, paddingIdx }) => {
  const inner = n === 0 ? 0 : table.size / n;
  const device = ids.size > 0 && inner > 0 ? deviceOf(table) : null;
  if (!device) return null;
  const { out, backward } = deviceGatherRows(device, onDevice(table, device), ids.data, n, inner, paddingIdx);
  return { output: held(out, shape), backward: (g) => [held(backward(onDevice(g, device)), table.shape)] };
};

/**
 * A permute on a device: of a product not computed yet, the product writes its values in the permuted
 * order (attention's context into [batch, seq, heads, dim], the heads' gradients back); otherwise it is
 * deferred, and a product that takes it reads its source with strides (deviceDeferredPermute).
 */
function permute({ x }: { x: Tensor }, { shape, strides }: { shape: number[]; strides: number[] }): Tensor | null {
  const device = x.size > 0 && x.rank <= 4 ? deviceOf(x) : null;
  if (!device) return null;
  const xs = onDevice(x, device);
  const product = pendingProducts.get(xs);
  if (product && !product.launched && !product.withColumnSums) {
    return held(deviceMatmul(device, product.a, product.b, product.attrs, { outputPermute: { shape, strides } }), shape);
  }
  return held(deviceDeferredPermute(device, xs, shape, strides), shape);
}

function slice(
  { x }: { x: Tensor },
  { outer, n, len, inner, start, shape }: { outer: number; n: number; len: number; inner: number; start: number; shape: number[] },
): OpResult | null {
  const device = len > 0 && x.size > 0 ? deviceOf(x) : null;
  if (!device) return null;
  const c = { n, len, inner, start };
  const output = held(device.run('slice', [onDevice(x, device)], outer * len * inner, c), shape);
  return { output, backward: (g) => [held(device.run('unslice', [onDevice(g, device)], x.size, c), x.shape)] };
}

/**
 * Where the parameter's [p, m, v] are, 3n values in a row, when the parameter and both moments are still
 * views of its last device update's output (nothing replaced them since): the next update reads them there.
 */
function packedAdamState(p: DeviceStorage, m: Tensor, v: Tensor, n: number): { storage: DeviceStorage; offset: number } | null {
  const at = p.viewOf;
  if (!at || !isDeviceStorage(m.external) || !isDeviceStorage(v.external)) return null;
  const mv = m.external.viewOf;
  const vv = v.external.viewOf;
  return mv?.storage === at.storage && mv.offset === at.offset + n && vv?.storage === at.storage && vv.offset === at.offset + 2 * n ? at : null;
}

/** The largest side a kept transpose may have: its column number is a quotient (device-kernels.ts). */
const MAX_TRANSPOSED_SIDE = 2 ** 21;

/**
 * A parameter and gradient both on a device are updated there, with the moments kept there between steps
 * (the reference's formulas in float32): nothing crosses to the host. The first update is one kernel per
 * parameter, into a buffer [p', m', v'] of which the three tensors are views; later ones update up to
 * ADAMW_GROUP parameters a launch (deviceAdamwGrouped), with a matrix's transpose kept beside it for the
 * products when the device copies B^T first. A parameter whose buffer would be too large for that takes
 * three kernels, one per output.
 */
const adamwUpdate: KernelFor<typeof adamwUpdateReference> = ({ param, grad, m, v }, attrs) => {
  const device = isDeviceStorage(param.external) && isDeviceStorage(grad.external) ? deviceOf(param, grad) : null;
  if (!device) return null;
  const gStorage = onDevice(grad, device);
  const n = param.size;
  if (3 * n <= device.maxElements) {
    // A clipped gradient not computed yet: the kernel reads the unclipped one times the factor.
    const g = gStorage.scaledFrom?.storage ?? gStorage;
    const gScale = gStorage.scaledFrom?.factor ?? 1;
    const { lr, weightDecay: wd, step: t, eps, beta1, beta2 } = attrs;
    const p = onDevice(param, device);
    const bert = !attrs.biasCorrection;
    const [a, b, c] = bert ? [lr, wd, 1] : [1 - lr * wd, lr / (1 - beta1 ** t), Math.sqrt(1 - beta2 ** t)];
    const source = packedAdamState(p, m, v, n);
    if (source) {
      const [rows, cols] = param.shape;
      const matrix =
        param.rank === 2 && device.transposeBFirst && 4 * n <= device.maxElements && rows < MAX_TRANSPOSED_SIDE && cols < MAX_TRANSPOSED_SIDE
          ? ([rows, cols] as const)
          : null;
      const out = deviceAdamwGrouped(device, { source, n, matrix, g, gScale, a, b }, { bert, beta1, beta2, c, eps });
      param.setExternalValues(out.p);
      return { m: held(out.m, m.shape), v: held(out.v, v.shape) };
    }
    const out = deviceAdamw(device, n, bert, g, p, onDevice(m, device), onDevice(v, device), [beta1, beta2, a, b, c, eps, gScale]);
    param.setExternalValues(device.view(out, 0, n));
    return { m: held(device.view(out, n, n), m.shape), v: held(device.view(out, 2 * n, n), v.shape) };
  }
  const g = gStorage;
  const mNew = device.run('adamMoment', [onDevice(m, device), g], n, {}, [attrs.beta1]);
  const vNew = device.run('adamMoment2', [onDevice(v, device), g], n, {}, [attrs.beta2]);
  const { lr, weightDecay: wd, step: t, eps } = attrs;
  const p = onDevice(param, device);
  const updated = attrs.biasCorrection
    ? device.run('adamParam', [p, mNew, vNew], n, {}, [1 - lr * wd, lr / (1 - attrs.beta1 ** t), Math.sqrt(1 - attrs.beta2 ** t), eps])
    : device.run('adamParamBert', [p, mNew, vNew], n, {}, [lr, eps, wd]);
  param.setExternalValues(updated);
  return { m: held(mNew, m.shape), v: held(vNew, v.shape) };
};

/**
 * The sum of squares of every gradient, as a one-element tensor on the device (read once by gradNorm): the
 * gradients held on the device in groups of SUM_SQUARES_GROUP a launch; any others (on the host) summed
 * by the reference's loop and uploaded as the starting total.
 */
const sumOfSquares: KernelFor<typeof sumOfSquaresReference> = (grads, { count }) => {
  let device: TensorDevice | null = null;
  for (let k = 0; k < count && !device; k++) {
    const x = grads[`g${k}`]!;
    if (isDeviceStorage(x.external)) device = deviceOf(x);
  }
  if (!device) return null;
  const onIt: DeviceStorage[] = [];
  const elsewhere: Record<string, Tensor> = {};
  let others = 0;
  for (let k = 0; k < count; k++) {
    const x = grads[`g${k}`]!;
    if (isDeviceStorage(x.external) && x.external.device === device && x.size > 0) onIt.push(x.external);
    else elsewhere[`g${others++}`] = x;
  }
  const hostTotal = others > 0 ? (sumOfSquaresReference(elsewhere, { count: others }) as number) : 0;
  const start = others > 0 ? device.upload(new Float32Array([hostTotal])) : null;
  const total = deviceSumOfSquaresMany(device, onIt, start) ?? start!;
  return held(total, []);
};

/** Every kernel above, by the name the core dispatches it under. */
const DEVICE_OPS: Record<string, KernelFor<(inputs: never, attrs: never) => unknown>> = {
  matmul,
  arithmetic,
  sumToShape,
  addGradients,
  tanh,
  scale,
  gelu,
  layerNorm,
  softmax,
  scaledMaskedSoftmax,
  crossEntropy,
  dropout,
  gatherRows,
  permute,
  slice,
  adamwUpdate,
  sumOfSquares,
} as never;

/**
 * Register the device op kernels for backend `name` (once; a backend registered again keeps them: they find
 * their device through the tensors they are given). `hostMatmul`, when given, computes products whose
 * operands are all on the host (the device backend's bridge for host arrays).
 */
export function registerDeviceOps(name: string, hostMatmul?: KernelFor<typeof matmulReference>): void {
  for (const [op, kernel] of Object.entries(DEVICE_OPS)) {
    if (hasKernel(op, name)) continue;
    if (op === 'matmul' && hostMatmul) {
      registerKernel<typeof matmulReference>(op, name, (inputs, attrs) => matmul(inputs, attrs) ?? hostMatmul(inputs, attrs));
    } else {
      registerKernel(op, name, kernel as never);
    }
  }
}
