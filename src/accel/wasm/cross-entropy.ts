/**
 * Cross-entropy's forward by rows for float32 logits in WebAssembly SIMD: the probabilities softmax(x_i)
 * are elementwise.wat's scaledMaskedSoftmax (scale 1, no mask), which also stores each row's max m_i and
 * sum s_i of exp(x_i - m_i); the loss is then m_i + log s_i - x_i[t_i] (ops/loss.ts's crossEntropyRows has
 * the formulas and the contract). The cpu backend's 'crossEntropy' kernel runs it for float32 with the wasm
 * product (cpu/index.ts); the reduction and the backward are the core's.
 *
 * The rows go through the wasm memory a chunk at a time (about 4 MB of logits), so an MLM head's
 * [positions, vocabulary] logits do not grow the memory (which never shrinks) by their size. (Chunks of
 * 256 KB to 4 MB measured the same.)
 *
 * Every step rounds to float32 (the core exponentiates and sums in float64), so the probabilities and the
 * losses differ from the core's by a few float32 units (test/accel/wasm-cross-entropy.test.ts bounds them).
 * Special rows come out as in the core: a row of -Infinity has zero probabilities and an infinite loss, a
 * NaN or +Infinity makes the row's probabilities and loss NaN, and a row whose target is ignored keeps
 * zeros.
 */
import type { CrossEntropyRowsArgs } from '../../ops/loss.ts';
import { elementwiseModule, layOut } from './elementwise.ts';
import { heapF32 } from './module.ts';

/** About how many logits one chunk of rows copies into wasm memory (at least one row). */
export const CROSS_ENTROPY_CHUNK_FLOATS = 1 << 20;

/** probs_i = softmax(x_i), losses_i = logsumexp(x_i) - x_i[t_i] for rows not ignored (CrossEntropyRowsArgs), float32 only. */
export function crossEntropyRowsWasm(args: CrossEntropyRowsArgs, chunkFloats = CROSS_ENTROPY_CHUNK_FLOATS): void {
  const { x, targets, ignoreIndex, probs, losses, rows, classes } = args;
  if (!(x instanceof Float32Array && probs instanceof Float32Array)) {
    throw new Error(`crossEntropyRowsWasm: expected float32 arrays, got x ${x.constructor.name}, probs ${probs.constructor.name}`);
  }
  if (rows === 0 || classes === 0) return;
  const chunkRows = Math.max(1, Math.floor(chunkFloats / classes));
  const wasm = elementwiseModule();
  for (let first = 0; first < rows; first += chunkRows) {
    const count = Math.min(chunkRows, rows - first);
    const n = count * classes;
    // out gets 3 values of padding: exp runs on whole vectors, and the last row's may reach past its end.
    const { at, heap } = layOut([n, n + 3, 2 * count]);
    const [xAt, outAt, statsAt] = at;
    heap.set(x.subarray(first * classes, first * classes + n), xAt / 4);
    wasm.scaledMaskedSoftmax(xAt, 1, 0, 0, outAt, count, classes, statsAt);
    const memory = heapF32(0);
    for (let r = 0; r < count; r++) {
      const i = first + r;
      const target = targets[i];
      if (target === ignoreIndex) continue;
      const o = r * classes;
      probs.set(memory.subarray(outAt / 4 + o, outAt / 4 + o + classes), i * classes);
      const max = memory[statsAt / 4 + 2 * r];
      const sum = memory[statsAt / 4 + 2 * r + 1];
      // Every logit -Infinity: zero probabilities (as written) and loss -log 0. A NaN or +Infinity made the
      // max or the sum NaN, and so the loss.
      losses[i] = max === -Infinity ? Infinity : max + Math.log(sum) - x[i * classes + target];
    }
  }
}
