/**
 * What a row of softmax input may hold, and what softmax, logSoftmax, scaledMaskedSoftmax and crossEntropy
 * give for it (the softmaxRows kernels and the ops share this convention, so fused and unfused agree):
 *   - finite values and -Infinity (masked positions): a distribution; a -Infinity entry gets probability 0;
 *   - only -Infinity (every position masked): no distribution; softmax 0, logSoftmax -Infinity, and
 *     crossEntropy loss +Infinity, with finite gradients;
 *   - any +Infinity or NaN: no distribution either, and a sign that something overflowed upstream. The whole
 *     row is NaN (crossEntropy: a NaN loss), never numbers that look valid, so a training loop that checks its
 *     loss for non-finite values stops at that step. +Infinity and NaN need no test on good rows: with
 *     max = +Infinity, exp(x - max) holds Inf - Inf = NaN, and a NaN entry makes the sum of exp(x - max) NaN;
 *     either NaN spreads to every entry of the row through the division by that sum.
 * The one case the arithmetic gets wrong is a row of NaN and -Infinity only: comparisons never pick NaN as the
 * maximum, so its maximum is -Infinity and it would pass for a fully masked row. `isFullyMasked` tells them
 * apart, and is called only for rows whose maximum is -Infinity.
 */

/** True when data[offset .. offset + cols) is entirely -Infinity: a fully masked row (not one holding NaN). */
export function isFullyMasked(data: ArrayLike<number>, offset: number, cols: number): boolean {
  for (let j = 0; j < cols; j++) if (data[offset + j] !== -Infinity) return false;
  return true;
}
