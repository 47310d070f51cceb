/**
 * Correlation of predicted and true real values (regression tasks such as STS-B), as SciPy defines it.
 */

/** Real values: a plain array or a typed array. */
export type MetricValues = ArrayLike<number>;

function checkPair(x: MetricValues, y: MetricValues, fn: string): void {
  if (x.length !== y.length) throw new Error(`${fn}: x and y must have the same length, got ${x.length} and ${y.length}`);
  if (x.length < 2) throw new Error(`${fn}: expected at least 2 values, got ${x.length}`);
  for (const [name, v] of [
    ['x', x],
    ['y', y],
  ] as const) {
    for (let i = 0; i < v.length; i++) {
      if (!Number.isFinite(v[i])) throw new Error(`${fn}: ${name}[${i}] must be a finite number, got ${v[i]}`);
    }
  }
}

/**
 * Pearson correlation coefficient (SciPy's `pearsonr` statistic):
 *   r = sum_i (x_i - mean x)(y_i - mean y) / sqrt( sum_i (x_i - mean x)^2 * sum_i (y_i - mean y)^2 )
 * clipped to [-1, 1] against rounding. NaN when x or y is constant (the ratio is 0/0), as in SciPy.
 * @param x length N >= 2
 * @param y length N
 */
export function pearson(x: MetricValues, y: MetricValues): number {
  checkPair(x, y, 'pearson');
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i]!;
    my += y[i]!;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return NaN;
  const r = sxy / (Math.sqrt(sxx) * Math.sqrt(syy));
  return Math.max(-1, Math.min(1, r));
}

/**
 * Ranks 1..N with ties given the average of the ranks they span (SciPy's `rankdata(method='average')`).
 * Example: [10, 20, 20, 5] -> [2, 3.5, 3.5, 1].
 * @param x length N
 * @returns length N, ranks as floats
 */
export function rankAverage(x: MetricValues): number[] {
  const n = x.length;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(x[i])) throw new Error(`rankAverage: x[${i}] is NaN; NaN has no rank`);
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a]! - x[b]!);
  const ranks = new Array<number>(n);
  let start = 0;
  while (start < n) {
    let end = start + 1;
    while (end < n && x[order[end]!] === x[order[start]!]) end++;
    // positions start..end-1 (0-based) hold equal values; their ranks start+1..end average to:
    const avg = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) ranks[order[k]!] = avg;
    start = end;
  }
  return ranks;
}

/**
 * Spearman rank correlation (SciPy's `spearmanr` statistic): the Pearson correlation of the average ranks.
 * NaN when x or y is constant.
 * @param x length N >= 2
 * @param y length N
 */
export function spearman(x: MetricValues, y: MetricValues): number {
  checkPair(x, y, 'spearman');
  return pearson(rankAverage(x), rankAverage(y));
}
