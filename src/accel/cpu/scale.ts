/**
 * The cpu backend's 'scale' kernel, x * c: the core's unary reference (ops/unary.ts) calls a function per
 * element, which V8 does not inline there because that one loop serves every unary op; this is the same
 * product in a loop of its own. Gradient clipping scales every gradient of a model once per step
 * (optim/clip.ts): 11M values for BERT-Mini. The results are the reference's bit for bit (one float64
 * multiplication rounded to the dtype, forward and backward).
 */
import type { OpResult } from '../../autograd/record.ts';
import { allocate } from '../../tensor/dtype.ts';
import { Tensor } from '../../tensor/tensor.ts';

/** out[i] = x[i] c, and dx[i] = g[i] c in the backward. */
export function scaleKernel({ x }: { x: Tensor }, { c }: { c: number }): OpResult {
  const output = new Tensor(scaled(x.data as Float32Array | Float64Array, c, allocate(x.dtype, x.size) as Float32Array | Float64Array), x.shape);
  const backward = (g: Tensor): Tensor[] => [
    new Tensor(scaled(g.data as Float32Array | Float64Array, c, allocate(g.dtype, g.size) as Float32Array | Float64Array), g.shape),
  ];
  return { output, backward };
}

function scaled<T extends Float32Array | Float64Array>(from: Float32Array | Float64Array, c: number, into: T): T {
  if (from instanceof Float32Array && into instanceof Float32Array) scaleFloat32(from, c, into);
  else for (let i = 0; i < into.length; i++) into[i] = from[i] * c;
  return into;
}

/** The float32 loop on its own, so that its element accesses see one array type. */
function scaleFloat32(from: Float32Array, c: number, into: Float32Array): void {
  for (let i = 0; i < into.length; i++) into[i] = from[i] * c;
}
