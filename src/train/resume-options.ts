/**
 * Which options a resumed run must keep and which it may change.
 *
 * A checkpoint records the options of its run. Two kinds matter on `--resume`:
 *
 * - The run's identity: everything the saved state depends on or that decides what the steps compute from
 *   it (the data, its order and masking, the model, the batch, the seed, the number of steps the schedule is
 *   laid out over, how dropout masks are drawn). Changing one would continue a different run from the
 *   middle of this one, so a resume that asks for another value is refused, naming the option.
 * - Settings each step reads afresh and no saved state depends on: the learning rate and its warmup, the
 *   gradient clip, the weight decay, and how often the run evaluates or saves. Changing one changes the
 *   steps still to come and nothing already done, which is exactly what a run that diverged needs ("try a
 *   lower --lr"). They may change on resume; the change is printed. Left out (undefined), they keep the
 *   checkpoint's values.
 */

/** One option's value before and after, for the notice. */
export interface OptionChange {
  key: string;
  before: unknown;
  now: unknown;
}

/**
 * Compare a checkpoint's recorded options with a resumed run's.
 * @param identity keys that must be equal (a key absent from `saved` is compared with `legacy[key]`, or skipped
 *   when the checkpoint predates it and no legacy value is known)
 * @param changeable keys that may differ
 * @param dir the checkpoint, for the message
 * @returns the changeable options that differ
 */
export function compareResumeOptions(
  saved: Record<string, unknown>,
  now: Record<string, unknown>,
  identity: readonly string[],
  changeable: readonly string[],
  dir: string,
  legacy: Record<string, unknown> = {},
): OptionChange[] {
  for (const key of identity) {
    if (!(key in saved) && !(key in legacy)) continue;
    const a = JSON.stringify(saved[key] ?? legacy[key] ?? null);
    const b = JSON.stringify(now[key] ?? null);
    if (a !== b) throw new Error(`--resume: the checkpoint in ${dir} was made with ${key} = ${a}, this run asks for ${b}`);
  }
  const changes: OptionChange[] = [];
  for (const key of changeable) {
    if (!(key in saved)) continue;
    if (JSON.stringify(saved[key] ?? null) !== JSON.stringify(now[key] ?? null)) changes.push({ key, before: saved[key], now: now[key] });
  }
  return changes;
}

/** "lr 0.003 -> 0.0003, warmup 100 -> 400". */
export function formatChanges(changes: OptionChange[]): string {
  return changes.map((c) => `${c.key} ${JSON.stringify(c.before ?? null)} -> ${JSON.stringify(c.now ?? null)}`).join(', ');
}

/** `opts` with each of `keys` that is undefined there taken from the checkpoint's `saved` options. */
export function keepSavedWhereUnset<T extends object>(opts: T, saved: Record<string, unknown>, keys: readonly string[]): T {
  const merged = { ...opts } as Record<string, unknown>;
  for (const key of keys) if (merged[key] === undefined && saved[key] !== undefined && saved[key] !== null) merged[key] = saved[key];
  return merged as T;
}
