/**
 * Is a checkpoint worth going back to? The checks that tell a training run which of its checkpoints it can
 * continue from after a divergence, and that refuse weights training cannot start from.
 *
 * A diverging run does not jump from good weights to NaN in one step. With too high a learning rate the
 * weights first grow while the loss is still a finite number: weights of 9.7e9 were found in the checkpoint
 * saved just before the loss became NaN, and at a peak learning rate of 1000 BERT-Tiny's loss goes
 * 6, 1e7, 2e8, ... 2e15, NaN. Such a checkpoint is no place to resume from. Two checks tell them apart:
 *
 * - its weights (when saved): all finite, and none beyond SANE_WEIGHT_LIMIT. BERT's weights start small
 *   (normal with std 0.02, LayerNorm gains at 1) and training keeps them small: weight decay pulls every
 *   matrix towards zero, and LayerNorm makes the activations independent of the scale of the weights before
 *   it, so nothing rewards growth. The limit is far above what a healthy run reaches and far below what a
 *   diverged one does.
 * - the loss its weights give (at the next step, when the run gets there): finite, and at most
 *   SANE_LOSS_FACTOR times the run's first loss (or 1, if that is smaller). A run's loss starts near chance
 *   level and a healthy run stays below it; a hundred times more is a run going wrong, not noise. This is
 *   what catches the weights after the first step at a learning rate of 1000: about 1000 each, within the
 *   weight limit, but giving a loss of 1e7.
 */

/** A weight magnitude beyond this marks a diverged run (see the file comment). */
export const SANE_WEIGHT_LIMIT = 1e4;

/** What a scan of the weights found. */
export interface WeightHealth {
  /** Tensors holding NaN or infinite values, with how many of each. */
  nonFinite: { name: string; nan: number; inf: number; size: number }[];
  /** The largest |value| among the finite values, and the tensor holding it. */
  maxAbs: number;
  maxAbsName: string | null;
}

/** Scan `tensors` (name -> values). */
export function weightHealth(tensors: Iterable<readonly [string, ArrayLike<number>]>): WeightHealth {
  const health: WeightHealth = { nonFinite: [], maxAbs: 0, maxAbsName: null };
  for (const [name, data] of tensors) {
    let nan = 0;
    let inf = 0;
    let max = 0;
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (Number.isNaN(v)) nan++;
      else if (v === Infinity || v === -Infinity) inf++;
      else if (Math.abs(v) > max) max = Math.abs(v);
    }
    if (nan || inf) health.nonFinite.push({ name, nan, inf, size: data.length });
    if (max > health.maxAbs || health.maxAbsName === null) {
      health.maxAbs = Math.max(health.maxAbs, max);
      health.maxAbsName = name;
    }
  }
  return health;
}

/** "bert.pooler.dense.weight (3 NaN of 1024), cls.predictions.bias (1 infinite of 200)", at most `max` names. */
export function describeNonFinite(nonFinite: WeightHealth['nonFinite'], max = 5): string {
  const parts = nonFinite.map(({ name, nan, inf, size }) => {
    const counts = [nan ? `${nan} NaN` : '', inf ? `${inf} infinite` : ''].filter(Boolean).join(', ');
    return `${name} (${counts} of ${size})`;
  });
  return parts.length <= max ? parts.join(', ') : `${parts.slice(0, max).join(', ')} and ${parts.length - max} more`;
}

/**
 * Why these weights are not a place to continue training from, or null when they are: every value finite
 * and none beyond SANE_WEIGHT_LIMIT.
 */
export function weightProblem(health: WeightHealth): string | null {
  if (health.nonFinite.length) return `weights not finite: ${describeNonFinite(health.nonFinite)}`;
  if (health.maxAbs > SANE_WEIGHT_LIMIT)
    return `weights up to ${health.maxAbs.toPrecision(3)} (in ${health.maxAbsName}), beyond ${SANE_WEIGHT_LIMIT}: the run was diverging`;
  return null;
}

/** A loss beyond this many times the run's first loss (or 1) marks the weights that gave it as diverged. */
export const SANE_LOSS_FACTOR = 100;

/**
 * Why the weights that gave `loss` are not a place to continue training from, or null when they are.
 * @param firstLoss the run's first loss (step 1); without it only finiteness is checked
 */
export function lossProblem(loss: number, firstLoss: number | undefined): string | null {
  if (!Number.isFinite(loss)) return `its weights gave a loss of ${loss}`;
  if (firstLoss === undefined) return null;
  const limit = SANE_LOSS_FACTOR * Math.max(1, firstLoss);
  if (loss > limit)
    return `its weights gave a loss of ${loss.toPrecision(3)}, over ${SANE_LOSS_FACTOR} times the run's first (${firstLoss.toPrecision(3)}): the run was diverging`;
  return null;
}

/**
 * Refuse weights with NaN or infinite values, naming the tensors: training from them can only give a NaN
 * loss at the first step, which would read as a learning rate problem.
 * @param source where the weights came from, for the message (a directory)
 */
export function requireFiniteTensors(tensors: Iterable<readonly [string, ArrayLike<number>]>, source: string): void {
  const { nonFinite } = weightHealth(tensors);
  if (nonFinite.length === 0) return;
  throw new Error(
    `${source}: ${nonFinite.length} weight tensor${nonFinite.length === 1 ? ' holds' : 's hold'} NaN or infinite values: ${describeNonFinite(nonFinite)}. ` +
      'Training cannot start from them (the first loss would be NaN); if they come from a run that diverged, take one of its checkpoints from before the divergence.',
  );
}
