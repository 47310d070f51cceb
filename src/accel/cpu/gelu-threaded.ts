/**
 * The registered gelu kernels: big arrays are cut into chunks of elements that the main thread and the
 * worker threads share out (chunks.ts); small ones run on the main thread. Every element is computed by the
 * same loop whichever thread runs it, and the bias gradient's column sums stay on the main thread in row
 * order, so results are bit-identical for any thread count.
 */
import { addColumnSums, geluBackwardLoops, geluLoops } from '../../ops/gelu.ts';
import type { FloatArray, GeluArgs, GeluBackwardArgs } from '../kernels.ts';
import { newCounter } from './chunks.ts';
import { runGeluChunks, type GeluJob } from './gelu-chunks.ts';
import { shareOrCopy, sharedOutput } from './shared-memory.ts';
import { getCpuThreads, getMinParallelElements } from './threads.ts';
import { runParallel } from './worker-pool-node.ts';

/** Whether an array of `size` elements is worth sharing out over threads. */
export function useGeluThreads(size: number): boolean {
  return getCpuThreads() > 1 && size >= getMinParallelElements();
}

/** Run a gelu job over `threads` threads; x, bias and gradOut are shared or copied, out is written back. */
function runThreaded(kind: GeluJob['kind'], x: FloatArray, bias: FloatArray | null, gradOut: FloatArray | null, out: FloatArray, cols: number): void {
  const threads = getCpuThreads();
  const size = x.length;
  const target = sharedOutput('gelu.out', out);
  // About four chunks per thread, and at least 4096 elements each.
  const chunkSize = Math.max(4096, Math.ceil(size / (4 * threads)));
  const job: GeluJob = {
    kind,
    f64: x instanceof Float64Array,
    size,
    cols,
    chunkSize,
    x: shareOrCopy('gelu.x', x),
    bias: bias ? shareOrCopy('gelu.bias', bias) : null,
    gradOut: gradOut ? shareOrCopy('gelu.gradOut', gradOut) : null,
    out: target.ref,
    chunks: Math.ceil(size / chunkSize),
    counter: newCounter(),
  };
  runParallel(job, threads, (onError) => runGeluChunks(job, false, onError), `${kind} of ${size} elements`);
  if (target.view !== out) out.set(target.view);
}

/** out = gelu(x + bias) (the loops of ops/gelu.ts), on several threads when x is big. */
export function geluForward(args: GeluArgs): void {
  const { x, bias, out, cols } = args;
  if (!useGeluThreads(x.length)) geluLoops(args);
  else runThreaded('gelu', x, bias, null, out, cols);
}

/** gradX = gradOut * gelu'(x + bias), gradBias += column sums (ops/gelu.ts), on several threads when x is big. */
export function geluBackward(args: GeluBackwardArgs): void {
  const { x, bias, gradOut, gradX, gradBias, cols } = args;
  if (!useGeluThreads(x.length)) {
    geluBackwardLoops(args);
    return;
  }
  runThreaded('geluBackward', x, bias, gradOut, gradX, cols);
  if (gradBias) addColumnSums(gradX, gradBias, cols);
}
