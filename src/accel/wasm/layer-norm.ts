/**
 * Layer normalisation's row loops for float32 arrays in WebAssembly SIMD (elementwise.wat's
 * layerNormForward and layerNormBackward): the arrays are copied into the wasm memory's scratch space,
 * computed in float64 two lanes per instruction with the core's formulas, and the results copied out. The
 * cpu backend's 'layerNorm' kernel passes these to the core's layerNormWithLoops (cpu/index.ts) for float32
 * with the wasm product; float64 keeps the core's loops.
 *
 * The arithmetic is the core's (ops/layer-norm.ts), in float64, with the same operations in the same order
 * for each element; only the row sums (mean, variance, and the backward's mean(d) and mean(d xhat)) add in
 * another order. So results agree with the core's to float64 rounding before their one rounding to
 * float32: equal, or one float32 unit apart where that rounding falls the other way
 * (test/accel/wasm-layer-norm.test.ts).
 */
import type { LayerNormArgs, LayerNormBackwardArgs } from '../../ops/layer-norm.ts';
import { elementwiseModule, layOut } from './elementwise.ts';
import { heapF32 } from './module.ts';

/** out = (x - mean) rstd weight + bias by rows, writing mean and rstd (LayerNormArgs), float32 only. */
export function layerNormForwardWasm({ x, weight, bias, out, mean, rstd, rows, cols, eps }: LayerNormArgs): void {
  if (!(x instanceof Float32Array && weight instanceof Float32Array && bias instanceof Float32Array && out instanceof Float32Array)) {
    throw new Error(`layerNormForwardWasm: expected float32 arrays, got x ${x.constructor.name}, out ${out.constructor.name}`);
  }
  const n = rows * cols;
  const { at, heap } = layOut([n, cols, cols, n, 4 * rows]);
  const [xAt, weightAt, biasAt, outAt, statsAt] = at;
  heap.set(x.subarray(0, n), xAt / 4);
  heap.set(weight, weightAt / 4);
  heap.set(bias, biasAt / 4);
  elementwiseModule().layerNormForward(xAt, weightAt, biasAt, outAt, statsAt, rows, cols, eps);
  out.set(heapF32(0).subarray(outAt / 4, outAt / 4 + n));
  const stats = new Float64Array(heap.buffer, statsAt, 2 * rows);
  for (let r = 0; r < rows; r++) {
    mean[r] = stats[2 * r];
    rstd[r] = stats[2 * r + 1];
  }
}

/** gradX, and gradWeight and gradBias added to (LayerNormBackwardArgs), float32 arrays with float64 sums. */
export function layerNormBackwardWasm({ x, weight, gradOut, mean, rstd, gradX, gradWeight, gradBias, rows, cols }: LayerNormBackwardArgs): void {
  if (!(x instanceof Float32Array && weight instanceof Float32Array && gradOut instanceof Float32Array && gradX instanceof Float32Array)) {
    throw new Error(`layerNormBackwardWasm: expected float32 arrays, got x ${x.constructor.name}, gradX ${gradX.constructor.name}`);
  }
  const n = rows * cols;
  const { at, heap } = layOut([n, cols, n, 4 * rows, n, 2 * cols, 2 * cols]);
  const [xAt, weightAt, gradOutAt, statsAt, gradXAt, gradWeightAt, gradBiasAt] = at;
  heap.set(x.subarray(0, n), xAt / 4);
  heap.set(weight, weightAt / 4);
  heap.set(gradOut.subarray(0, n), gradOutAt / 4);
  const stats = new Float64Array(heap.buffer, statsAt, 2 * rows);
  for (let r = 0; r < rows; r++) {
    stats[2 * r] = mean[r];
    stats[2 * r + 1] = rstd[r];
  }
  const sumsWeight = new Float64Array(heap.buffer, gradWeightAt, cols);
  const sumsBias = new Float64Array(heap.buffer, gradBiasAt, cols);
  sumsWeight.set(gradWeight);
  sumsBias.set(gradBias);
  elementwiseModule().layerNormBackward(xAt, weightAt, gradOutAt, statsAt, gradXAt, gradWeightAt, gradBiasAt, rows, cols);
  gradX.set(heapF32(0).subarray(gradXAt / 4, gradXAt / 4 + n));
  gradWeight.set(sumsWeight);
  gradBias.set(sumsBias);
}
