/**
 * The 'matmul' kernel for `x @ W^T` when W is a prepacked weight (prepacked-weights.ts): A is packed as on
 * every call, B's panels are read where they already lie in wasm memory.
 */
import type { KernelFor } from '../../autograd/dispatch.ts';
import type { matmulReference } from '../../ops/matmul.ts';
import { allocate } from '../../tensor/dtype.ts';
import { Tensor } from '../../tensor/tensor.ts';
import type { FloatArray } from '../kernels.ts';
import { matmulWasm } from './matmul.ts';
import type { PrepackedWeight } from './prepacked-weights.ts';

type MatmulAttrs = Parameters<KernelFor<typeof matmulReference>>[1];

/** out = op(A) @ W^T with W's panels resident (the caller checked that `weight` serves these attrs). */
export function matmulPrepacked({ a }: { a: Tensor; b: Tensor }, attrs: MatmulAttrs, weight: PrepackedWeight): Tensor {
  const { batch, m, n, k, transposeA, aBatchStride } = attrs;
  const out = allocate('float32', batch * m * n) as FloatArray;
  matmulWasm(
    { a: a.data as FloatArray, b: weight.read() as FloatArray, out, batch, m, n, k, transposeA, transposeB: true, aBatchStride, bBatchStride: 0 },
    weight.address,
  );
  return new Tensor(out, attrs.outShape);
}
