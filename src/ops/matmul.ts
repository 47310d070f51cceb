/**
 * Matrix product with batch dimensions and optionally transposed operands.
 *
 * matmul(a, b): a [..., m, k] @ b [..., k, n] -> [..., m, n], the batch dimensions (...) broadcast.
 * With transposeA, a is stored [..., k, m] and used as its transpose; with transposeB, b is stored [..., n, k]
 * (a Linear weight [out, in] is used this way: y = x @ W^T).
 *
 * Backward, for C = A B:  dA = dC B^T,  dB = A^T dC  - each again a matmul, with the transposes folded
 * into flags rather than materialised.
 *
 * The product itself is the kernel 'matmul' (autograd/dispatch.ts); its reference is the triple loop at the
 * end of this file, which every faster kernel (blocked, threaded, WebAssembly, GPU) is tested against.
 */
import { dispatch } from '../autograd/dispatch.ts';
import { record } from '../autograd/record.ts';
import { allocate, type DType } from '../tensor/dtype.ts';
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
  const result = dispatch('matmul', { a: aIn, b: bIn }, { ...shape, outShape: [...batchShape, m, n], dtype: a.dtype }, matmulReference);
  // [docs: matmul-backward] C = op(A) op(B): dA = G B^T, dB = A^T G, with the forward's transposes folded into the flags.
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

/** A float array: matmul computes in its operands' own precision. */
export type FloatArray = Float32Array | Float64Array;

/**
 * The layout of a batched product: for each b < batch, out[b] = op(A[b]) @ op(B[b]). A[b] starts at
 * b * aBatchStride (0 broadcasts one matrix over the batch), likewise B. Without transposes A[b] is [m, k]
 * and B[b] is [k, n]; transposeA means A[b] is stored [k, m], transposeB means B[b] is stored [n, k].
 */
export interface MatmulLayout {
  batch: number;
  m: number;
  n: number;
  k: number;
  transposeA: boolean;
  transposeB: boolean;
  aBatchStride: number;
  bBatchStride: number;
}

/** MatmulLayout with the arrays: what a product loop reads and writes (out [batch, m, n], overwritten). */
export interface MatmulArgs extends MatmulLayout {
  a: FloatArray;
  b: FloatArray;
  out: FloatArray;
}

/** The attributes of kernel 'matmul': the layout, the output's shape and its dtype. */
export interface MatmulAttrs extends MatmulLayout {
  outShape: number[];
  dtype: DType;
}

/** The reference of kernel 'matmul': a new tensor holding the product of a and b laid out as `attrs` says. */
export function matmulReference({ a, b }: { a: Tensor; b: Tensor }, attrs: MatmulAttrs): Tensor {
  const out = allocate(attrs.dtype, attrs.batch * attrs.m * attrs.n) as FloatArray;
  matmulNaive({ ...attrs, a: a.data as FloatArray, b: b.data as FloatArray, out });
  return new Tensor(out, attrs.outShape);
}

/**
 * [docs: matmul-naive]
 * The textbook triple loop: out[b, i, j] = sum_p A[b, i, p] B[b, p, j], each dot product accumulated in a
 * JavaScript number (float64) and rounded once when stored.
 */
export function matmulNaive({ a, b, out, batch, m, n, k, transposeA, transposeB, aBatchStride, bBatchStride }: MatmulArgs): void {
  for (let bi = 0; bi < batch; bi++) {
    const aBase = bi * aBatchStride;
    const bBase = bi * bBatchStride;
    const oBase = bi * m * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let p = 0; p < k; p++) {
          const av = transposeA ? a[aBase + p * m + i] : a[aBase + i * k + p];
          const bv = transposeB ? b[bBase + j * k + p] : b[bBase + p * n + j];
          sum += av * bv;
        }
        out[oBase + i * n + j] = sum;
      }
    }
  }
}
