/**
 * A labelled 2-D scatter plot as an SVG string (no DOM, no dependency): one dot and one label per point,
 * coloured by group, with a legend. Made for word vectors projected by PCA, where the two axes are in the
 * same units, so by default one unit is the same length on both axes (a circle stays a circle and distances
 * on the page are the distances in the projection).
 */
import { CATEGORY_COLOURS } from './colour.ts';
import { escapeXml, num, textWidth } from './escape.ts';

export interface ScatterPoint {
  x: number;
  y: number;
  label: string;
  /** Points of one group share a colour and a legend entry (default: one unnamed group). */
  group?: string;
  /** Drawn as a ring instead of a dot, e.g. a word averaged from several WordPiece pieces. */
  hollow?: boolean;
}

export interface ScatterSvgOptions {
  title?: string;
  subtitle?: string;
  xLabel?: string;
  yLabel?: string;
  /** Size of the plotting area in pixels (default 640 x 480). */
  plotWidth?: number;
  plotHeight?: number;
  /** Same scale on both axes (default true). */
  equalAspect?: boolean;
  /** What a ring means, shown under the legend when some point is hollow. */
  hollowNote?: string;
}

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

function overlap(a: Box, b: Box): number {
  const w = Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0);
  const h = Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0);
  return w > 0 && h > 0 ? w * h : 0;
}

/** A tick step of 1, 2 or 5 times a power of ten giving about `count` ticks over `span`. */
function tickStep(span: number, count: number): number {
  const raw = span / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

/**
 * Render points with labels.
 * @param points at least one, finite coordinates
 * @returns a complete `<svg>` document
 */
export function scatterSvg(points: readonly ScatterPoint[], options: ScatterSvgOptions = {}): string {
  if (points.length === 0) throw new Error('scatterSvg: expected at least one point, got none');
  points.forEach((p, i) => {
    if (!Number.isFinite(p.x) || !Number.isFinite(p.y))
      throw new Error(`scatterSvg: point ${i} ("${p.label}") has x = ${p.x}, y = ${p.y}; expected finite numbers`);
  });
  const title = options.title ?? 'Scatter plot';
  const pw = options.plotWidth ?? 640;
  const ph = options.plotHeight ?? 480;
  const font = 12;
  const groups = [...new Set(points.map((p) => p.group ?? ''))];
  const named = groups.filter((g) => g !== '');
  const colourOf = (g: string | undefined) => CATEGORY_COLOURS[groups.indexOf(g ?? '') % CATEGORY_COLOURS.length]!;

  // Data range with a margin of 8%, then (for equal aspect) widen the shorter side to the plot's shape.
  let [xMin, xMax] = [Math.min(...points.map((p) => p.x)), Math.max(...points.map((p) => p.x))];
  let [yMin, yMax] = [Math.min(...points.map((p) => p.y)), Math.max(...points.map((p) => p.y))];
  const pad = (lo: number, hi: number): [number, number] => {
    const span = hi - lo || Math.max(1, Math.abs(lo));
    return [lo - 0.08 * span, hi + 0.08 * span];
  };
  [xMin, xMax] = pad(xMin, xMax);
  [yMin, yMax] = pad(yMin, yMax);
  if (options.equalAspect ?? true) {
    const unit = Math.max((xMax - xMin) / pw, (yMax - yMin) / ph); // data units per pixel
    const cx = (xMin + xMax) / 2;
    const cy = (yMin + yMax) / 2;
    [xMin, xMax] = [cx - (unit * pw) / 2, cx + (unit * pw) / 2];
    [yMin, yMax] = [cy - (unit * ph) / 2, cy + (unit * ph) / 2];
  }

  const left = 56;
  const top = options.subtitle ? 56 : 40;
  const anyHollow = points.some((p) => p.hollow);
  const hollowNote = options.hollowNote ?? 'hollow';
  const legendTexts = [...named, ...(anyHollow ? [hollowNote] : [])];
  const legendW = legendTexts.length ? Math.max(120, ...legendTexts.map((g) => textWidth(g, font) + 36)) : 0;
  const width = Math.ceil(Math.max(left + pw + 16 + legendW, textWidth(title, 16) + 24));
  const height = top + ph + 44;
  const sx = (x: number) => left + ((x - xMin) / (xMax - xMin)) * pw;
  const sy = (y: number) => top + ph - ((y - yMin) / (yMax - yMin)) * ph;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `font-family="sans-serif" font-size="${font}">`,
  );
  out.push(`<title>${escapeXml(title)}</title>`);
  out.push(`<rect width="100%" height="100%" fill="white"/>`);
  out.push(`<text x="12" y="22" font-size="16" font-weight="bold">${escapeXml(title)}</text>`);
  if (options.subtitle) out.push(`<text x="12" y="40" fill="#444">${escapeXml(options.subtitle)}</text>`);

  // Grid and ticks.
  out.push(`<g class="axes" font-size="10" fill="#555">`);
  const xs = tickStep(xMax - xMin, 8);
  for (let v = Math.ceil(xMin / xs) * xs; v <= xMax; v += xs) {
    out.push(`<line x1="${num(sx(v))}" y1="${top}" x2="${num(sx(v))}" y2="${top + ph}" stroke="${Math.abs(v) < xs / 2 ? '#bbb' : '#eee'}"/>`);
    out.push(`<text x="${num(sx(v))}" y="${top + ph + 14}" text-anchor="middle">${num(Math.abs(v) < xs / 2 ? 0 : v)}</text>`);
  }
  const ys = tickStep(yMax - yMin, 6);
  for (let v = Math.ceil(yMin / ys) * ys; v <= yMax; v += ys) {
    out.push(`<line x1="${left}" y1="${num(sy(v))}" x2="${left + pw}" y2="${num(sy(v))}" stroke="${Math.abs(v) < ys / 2 ? '#bbb' : '#eee'}"/>`);
    out.push(`<text x="${left - 6}" y="${num(sy(v) + 3)}" text-anchor="end">${num(Math.abs(v) < ys / 2 ? 0 : v)}</text>`);
  }
  out.push(`<rect x="${left}" y="${top}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`);
  if (options.xLabel)
    out.push(`<text x="${left + pw / 2}" y="${top + ph + 32}" text-anchor="middle" font-size="12" fill="#222">${escapeXml(options.xLabel)}</text>`);
  if (options.yLabel) {
    const my = top + ph / 2;
    out.push(`<text x="16" y="${my}" text-anchor="middle" font-size="12" fill="#222" transform="rotate(-90 16 ${my})">${escapeXml(options.yLabel)}</text>`);
  }
  out.push(`</g>`);

  // Points first, then labels placed greedily, left to right: each label goes to the first spot around its
  // point (8 directions, then 16 further out) that covers no dot and no label already placed, else to
  // the spot that overlaps least. A label pushed away from its dot gets a thin leader line back to it.
  const dots: Box[] = points.map((p) => ({ x0: sx(p.x) - 4, y0: sy(p.y) - 4, x1: sx(p.x) + 4, y1: sy(p.y) + 4 }));
  points.forEach((p) => {
    const c = colourOf(p.group);
    const fill = p.hollow ? 'white' : c;
    out.push(`<circle class="point" cx="${num(sx(p.x))}" cy="${num(sy(p.y))}" r="4" fill="${fill}" stroke="${c}" stroke-width="${p.hollow ? 2 : 1}"/>`);
  });
  const placed: Box[] = [];
  const labels: string[] = [];
  const order = points.map((_, i) => i).sort((a, b) => points[a]!.x - points[b]!.x || a - b);
  const unitVector = (deg: number) => [Math.cos((deg * Math.PI) / 180), -Math.sin((deg * Math.PI) / 180)] as const;
  const near = [0, 180, 90, 270, 45, 135, 315, 225].map(unitVector);
  const far = [...near, ...[22.5, 67.5, 112.5, 157.5, 202.5, 247.5, 292.5, 337.5].map(unitVector)];
  for (const i of order) {
    const p = points[i]!;
    const w = textWidth(p.label, font);
    const h = font;
    const x = sx(p.x);
    const y = sy(p.y);
    let best: { box: Box; cost: number; r: number } | null = null;
    for (const r of [0, 12, 26, 42, 60, 80]) {
      for (const [dx, dy] of r < 26 ? near : far) {
        const cx = x + dx * (w / 2 + 6 + r);
        const cy = y + dy * (h / 2 + 3 + r);
        const box = { x0: cx - w / 2, y0: cy - h / 2, x1: cx + w / 2, y1: cy + h / 2 };
        const outside = box.x0 < left || box.x1 > left + pw || box.y0 < top || box.y1 > top + ph ? 1e6 : 0;
        const cost = outside + [...placed, ...dots].reduce((acc, b) => acc + overlap(box, b), 0);
        if (best === null || cost < best.cost) best = { box, cost, r };
        if (cost === 0) break;
      }
      if (best!.cost === 0) break;
    }
    const { box, r } = best!;
    placed.push(box);
    if (r > 0) {
      // From the dot's edge towards the nearest point of the label's box.
      const nx = Math.min(Math.max(x, box.x0), box.x1);
      const ny = Math.min(Math.max(y, box.y0), box.y1);
      const d = Math.hypot(nx - x, ny - y);
      if (d > 6)
        out.push(
          `<line x1="${num(x + ((nx - x) * 5) / d)}" y1="${num(y + ((ny - y) * 5) / d)}" x2="${num(nx)}" y2="${num(ny)}" stroke="#999" stroke-width="0.8"/>`,
        );
    }
    labels.push(`<text x="${num((box.x0 + box.x1) / 2)}" y="${num(box.y1 - 2)}" text-anchor="middle" fill="#222">${escapeXml(p.label)}</text>`);
  }
  // Labels last, with a white outline so a dot or line under a letter does not hide it.
  out.push(`<g class="labels" stroke="white" stroke-width="3" stroke-linejoin="round" paint-order="stroke">`, ...labels, `</g>`);

  // Legend: one swatch per named group, then what a ring means.
  if (legendW > 0) {
    const lx = left + pw + 16;
    let ly = top + 8;
    out.push(`<g class="legend">`);
    for (const g of named) {
      out.push(`<circle cx="${lx + 5}" cy="${ly}" r="5" fill="${colourOf(g)}"/>`);
      out.push(`<text x="${lx + 16}" y="${ly + 4}">${escapeXml(g)}</text>`);
      ly += 18;
    }
    if (anyHollow) {
      out.push(`<circle cx="${lx + 5}" cy="${ly}" r="4" fill="white" stroke="#555" stroke-width="2"/>`);
      out.push(`<text x="${lx + 16}" y="${ly + 4}">${escapeXml(hollowNote)}</text>`);
    }
    out.push(`</g>`);
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}
