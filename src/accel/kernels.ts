/**
 * The array layouts the fast loops share with the core's reference loops (they are defined beside those
 * loops, in src/ops), and the step from an array loop to a kernel that dispatch can call.
 */
import type { KernelFor } from '../autograd/dispatch.ts';
import type { matmulReference, FloatArray, MatmulArgs } from '../ops/matmul.ts';
import { allocate } from '../tensor/dtype.ts';
import { Tensor } from '../tensor/tensor.ts';

export type { FloatArray, MatmulArgs, MatmulAttrs, MatmulLayout } from '../ops/matmul.ts';
export type { GeluArgs, GeluBackwardArgs } from '../ops/gelu.ts';
export type { LayerNormArgs, LayerNormBackwardArgs } from '../ops/layer-norm.ts';
export type { ScaledMaskedSoftmaxArgs, SoftmaxBackwardArgs } from '../ops/softmax.ts';

/** The 'matmul' kernel made from a product loop over arrays (what the cpu, wasm and gpujs products are). */
export function matmulKernelFrom(product: (args: MatmulArgs) => void): KernelFor<typeof matmulReference> {
  return ({ a, b }, attrs) => {
    const out = allocate(attrs.dtype, attrs.batch * attrs.m * attrs.n) as FloatArray;
    const { batch, m, n, k, transposeA, transposeB, aBatchStride, bBatchStride } = attrs;
    product({ a: a.data as FloatArray, b: b.data as FloatArray, out, batch, m, n, k, transposeA, transposeB, aBatchStride, bBatchStride });
    return new Tensor(out, attrs.outShape);
  };
}
