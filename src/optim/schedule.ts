/**
 * Learning-rate schedules, as functions of the step index (0-based: the rate the step-th update uses).
 */

/**
 * [docs: linear-warmup-decay]
 * Linear warmup from 0 to the base rate over `warmup` steps, then linear decay to 0 at `total` steps
 * (transformers' get_linear_schedule_with_warmup; BERT's original schedule):
 *   factor(s) = s / warmup                              for s < warmup
 *             = max(0, (total - s) / (total - warmup))  afterwards
 * Step 0 therefore uses rate 0 when warmup > 0, exactly as the reference does.
 */
export function linearWarmupDecay(step: number, warmup: number, total: number): number {
  if (!(total > 0)) throw new Error(`linearWarmupDecay: total steps must be positive, got ${total}`);
  if (!(warmup >= 0 && warmup <= total)) throw new Error(`linearWarmupDecay: warmup must be in [0, ${total}], got ${warmup}`);
  if (step < warmup) return step / warmup;
  return Math.max(0, (total - step) / Math.max(1, total - warmup));
}

/** Constant rate after a linear warmup. */
export function constantWithWarmup(step: number, warmup: number): number {
  return warmup > 0 && step < warmup ? step / warmup : 1;
}
