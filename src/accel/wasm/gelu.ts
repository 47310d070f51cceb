/**
 * GELU forward and backward for float32 arrays in WebAssembly SIMD (elementwise.wat): the arrays are copied into
 * the wasm memory's scratch space (the one the products use, from scratchBase()), computed four elements
 * per instruction on this thread, and the result copied out. The cpu backend's 'gelu' kernel runs these
 * for float32 tensors where WebAssembly is available (cpu/index.ts); float64 keeps the core's loops.
 *
 * Compared with the core's float32 loops (ops/gelu.ts, which evaluate in float64 and round once) the
 * results differ by a few float32 units, as every step here rounds to float32; test/accel/wasm-gelu.test.ts
 * bounds the difference on random inputs. The bias gradient is the core's column sums of gradX (rows in
 * order), so it is as deterministic as the rest.
 */
import { addColumnSums } from '../../ops/gelu.ts';
import type { GeluArgs, GeluBackwardArgs } from '../kernels.ts';
import { elementwiseModule, layOut } from './elementwise.ts';
import { heapF32 } from './module.ts';

/** out = gelu(x + bias) (ops/gelu.ts's GeluArgs), float32 only. */
export function geluForwardWasm({ x, bias, out, cols }: GeluArgs): void {
  if (!(x instanceof Float32Array && out instanceof Float32Array && (bias === null || bias instanceof Float32Array))) {
    throw new Error(`geluForwardWasm: expected float32 arrays, got x ${x.constructor.name}, out ${out.constructor.name}`);
  }
  const n = x.length;
  const { at, heap } = layOut([n, bias ? cols : 0, n]);
  const [xAt, biasAt, outAt] = at;
  heap.set(x, xAt / 4);
  if (bias) heap.set(bias, biasAt / 4);
  elementwiseModule().geluForward(xAt, biasAt, bias ? 1 : 0, outAt, n / cols, cols);
  out.set(heapF32(0).subarray(outAt / 4, outAt / 4 + n));
}

/** gradX = gradOut * gelu'(x + bias), gradBias += gradX's column sums (GeluBackwardArgs), float32 only. */
export function geluBackwardWasm({ x, bias, gradOut, gradX, gradBias, cols }: GeluBackwardArgs): void {
  if (!(x instanceof Float32Array && gradOut instanceof Float32Array && gradX instanceof Float32Array && (bias === null || bias instanceof Float32Array))) {
    throw new Error(`geluBackwardWasm: expected float32 arrays, got x ${x.constructor.name}, gradOut ${gradOut.constructor.name}`);
  }
  const n = x.length;
  const { at, heap } = layOut([n, bias ? cols : 0, n, n, n]);
  const [xAt, biasAt, gradOutAt, gradXAt, workAt] = at;
  heap.set(x, xAt / 4);
  if (bias) heap.set(bias, biasAt / 4);
  heap.set(gradOut, gradOutAt / 4);
  elementwiseModule().geluBackward(xAt, biasAt, bias ? 1 : 0, gradOutAt, gradXAt, workAt, n / cols, cols);
  gradX.set(heapF32(0).subarray(gradXAt / 4, gradXAt / 4 + n));
  if (gradBias) addColumnSums(gradX, gradBias, cols);
}
