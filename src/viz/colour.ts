/**
 * Sequential colour scales: a number in [0, 1] to an `rgb()` string. Light means little, dark means much,
 * so a picture still reads when printed in grey.
 */

type Rgb = readonly [number, number, number];

/** Piecewise-linear interpolation between evenly spaced colour stops. */
function ramp(stops: readonly Rgb[], t: number): string {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const a = stops[i]!;
  const b = stops[i + 1]!;
  const c = [0, 1, 2].map((k) => Math.round(a[k]! + (b[k]! - a[k]!) * f));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

/** White (0) to dark blue #08306b (1): the confusion matrix's scale. */
export function blues(t: number): string {
  return ramp(
    [
      [255, 255, 255],
      [8, 48, 107],
    ],
    t,
  );
}

/**
 * White through yellow, orange and red to dark purple (after ColorBrewer's YlOrRd with a darker end): more
 * distinct steps than one hue, so the difference between an attention weight of 0.2 and 0.4 is visible.
 */
export function heat(t: number): string {
  return ramp(
    [
      [255, 255, 255],
      [255, 237, 160],
      [254, 178, 76],
      [240, 59, 32],
      [158, 1, 66],
      [60, 0, 60],
    ],
    t,
  );
}

/** Ten distinct colours for groups of points (Tableau 10), repeated when there are more groups. */
export const CATEGORY_COLOURS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

/** Black or white text, whichever reads on a cell of shade t of a sequential scale. */
export function inkOn(t: number): string {
  return t > 0.5 ? 'white' : 'black';
}
