/**
 * Matrix product with batch dimensions and optionally transposed operands.
 *
 * matmul(a, b): a [..., m, k] @ b [..., k, n] -> [..., m, n], the batch dimensions (...) broadcast.
 * With transposeA, a is stored [..., k, m] and used as its transpose; with transposeB, b is stored [..., n, k]
 * (a Linear weight [out, in] is used this way: y = x @ W^T).
 *
 * Backward, for C = A B:  dA = dC B^T,  dB = A^T dC  - each again a matmul, with the transposes folded
 * into flags rather than materialised.
 */
import { record } from '../autograd/record.ts';
import { deviceMatmul, deviceOf, onDevice } from '../accel/device.ts';
import { kernel } from '../accel/registry.ts';
import type { FloatArray } from '../accel/kernels.ts';
import { allocate } from '../tensor/dtype.ts';
import { broadcastShapes, sameShape, shapeToString, sizeOf } from '../tensor/shape.ts';
import { Tensor } from '../tensor/tensor.ts';
import { assertFloat, assertMinRank, assertSameDType } from './checks.ts';
import { sumToShape } from './elementwise.ts';
import { broadcastTo, reshape } from './shape.ts';

export interface MatmulOptions {
  transposeA?: boolean;
  transposeB?: boolean;
}

/**
 * @param a [..., m, k] ([..., k, m] with transposeA)
 * @param b [..., k, n] ([..., n, k] with transposeB)
 * @returns [...batch, m, n]
 */
export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  const transposeA = opts.transposeA ?? false;
  const transposeB = opts.transposeB ?? false;
  assertFloat('matmul', a, 'first operand');
  assertFloat('matmul', b, 'second operand');
  assertSameDType('matmul', a, b);
  assertMinRank('matmul', a, 2, 'first operand');
  assertMinRank('matmul', b, 2, 'second operand');
  const k = transposeA ? a.shape[a.rank - 2] : a.shape[a.rank - 1];
  const kb = transposeB ? b.shape[b.rank - 1] : b.shape[b.rank - 2];
  if (k !== kb) {
    const ta = transposeA ? '^T' : '';
    const tb = transposeB ? '^T' : '';
    throw new Error(`matmul: inner dimensions differ: ${shapeToString(a.shape)}${ta} @ ${shapeToString(b.shape)}${tb} (${k} vs ${kb})`);
  }
  // A batch of inputs times one matrix is one big 2-D product: fold the batch into the rows.
  if (b.rank === 2 && a.rank > 2 && !transposeA) {
    const m = a.shape[a.rank - 2];
    // The row count is spelled out rather than inferred (-1), which would be ambiguous for k = 0.
    const flat = matmul2(reshape(a, [sizeOf(a.shape.slice(0, -1)), k]), b, false, transposeB);
    return reshape(flat, [...a.shape.slice(0, -2), m, flat.shape[1]]);
  }
  return matmul2(a, b, transposeA, transposeB);
}

function matmul2(a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean): Tensor {
  const m = transposeA ? a.shape[a.rank - 1] : a.shape[a.rank - 2];
  const k = transposeA ? a.shape[a.rank - 2] : a.shape[a.rank - 1];
  const n = transposeB ? b.shape[b.rank - 2] : b.shape[b.rank - 1];
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  const batchShape = broadcastShapes(aBatch, bBatch, 'matmul');
  const batch = sizeOf(batchShape);
  // The kernel broadcasts a whole operand (batch stride 0); other broadcasts are materialised.
  const aIn = sizeOf(aBatch) === 1 || sameShape(aBatch, batchShape) ? a : broadcastTo(a, [...batchShape, ...a.shape.slice(-2)]);
  const bIn = sizeOf(bBatch) === 1 || sameShape(bBatch, batchShape) ? b : broadcastTo(b, [...batchShape, ...b.shape.slice(-2)]);
  const shape = {
    batch,
    m,
    n,
    k,
    transposeA,
    transposeB,
    aBatchStride: sizeOf(aIn.shape.slice(0, -2)) === 1 ? 0 : m * k,
    bBatchStride: sizeOf(bIn.shape.slice(0, -2)) === 1 ? 0 : k * n,
  };
  let result: Tensor;
  const device = batch * m * n > 0 && k > 0 ? deviceOf(aIn, bIn) : null;
  if (device && batch * m * n <= device.maxElements) {
    // An operand on a device: the product is computed there and stays there.
    result = Tensor.onDevice(deviceMatmul(device, onDevice(aIn, device), onDevice(bIn, device), shape), [...batchShape, m, n], a.dtype);
  } else {
    const out = allocate(a.dtype, batch * m * n) as FloatArray;
    kernel('matmul')({ a: aIn.data as FloatArray, b: bIn.data as FloatArray, out, ...shape });
    result = new Tensor(out, [...batchShape, m, n]);
  }
  return record(result, [a, b], 'matmul', (g) => {
    let ga: Tensor | null = null;
    let gb: Tensor | null = null;
    if (a.requiresGrad) {
      ga = transposeA ? matmul2(b, g, transposeB, true) : matmul2(g, b, false, !transposeB);
      ga = sumToShape(ga, a.shape);
    }
    if (b.requiresGrad) {
      gb = transposeB ? matmul2(g, a, true, transposeA) : matmul2(a, g, !transposeA, false);
      gb = sumToShape(gb, b.shape);
    }
    return [ga, gb];
  });
}
