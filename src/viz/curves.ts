/**
 * Learning curves as a standalone SVG: one panel per metric, each with one line per split
 * (train, eval). Plain SVG text, no dependencies, so it opens in any browser.
 */
import { escapeXml as esc } from './escape.ts';

/** One logged point: the step, the split it was measured on ("train", "eval"...) and metric values by name. */
export interface CurveRecord {
  step: number;
  split: string;
  [key: string]: number | string;
}

export interface CurvePanel {
  /** Metric key in the records, e.g. "loss" or "mlm_accuracy". */
  metric: string;
  title?: string;
}

const COLORS: Record<string, string> = { train: '#1f77b4', eval: '#d62728', dev: '#d62728', test: '#2ca02c' };

function niceNumber(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(0) : a >= 1 ? v.toFixed(2) : v.toPrecision(2);
}

/** Render the panels side by side. Records without a panel's metric are skipped for that panel. */
export function curvesSvg(records: readonly CurveRecord[], panels: CurvePanel[], title = 'training curves'): string {
  const pw = 360;
  const ph = 240;
  const m = { l: 52, r: 12, t: 28, b: 34 };
  const width = panels.length * pw;
  const height = ph + 30;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="8" y="16" font-size="13" font-weight="bold">${esc(title)}</text>`,
  ];
  panels.forEach((panel, pi) => {
    const x0 = pi * pw;
    const y0 = 22;
    const series = new Map<string, [number, number][]>();
    for (const r of records) {
      const v = r[panel.metric];
      if (typeof v !== 'number' || !Number.isFinite(v)) continue;
      if (!series.has(r.split)) series.set(r.split, []);
      series.get(r.split)!.push([r.step, v]);
    }
    const all = [...series.values()].flat();
    parts.push(`<text x="${x0 + m.l}" y="${y0 + 14}" font-weight="bold">${esc(panel.title ?? panel.metric)}</text>`);
    if (all.length === 0) {
      parts.push(`<text x="${x0 + m.l}" y="${y0 + ph / 2}">no data</text>`);
      return;
    }
    const xs = all.map((p) => p[0]);
    const ys = all.map((p) => p[1]);
    const xMin = Math.min(...xs);
    const xMax = Math.max(...xs, xMin + 1);
    let yMin = Math.min(...ys);
    let yMax = Math.max(...ys);
    if (yMax === yMin) {
      yMax += 1;
      yMin -= 1;
    }
    const px = (x: number) => x0 + m.l + ((x - xMin) / (xMax - xMin)) * (pw - m.l - m.r);
    const py = (y: number) => y0 + ph - m.b + 0 - ((y - yMin) / (yMax - yMin)) * (ph - m.t - m.b);
    // Axes and ticks.
    parts.push(`<line x1="${px(xMin)}" y1="${py(yMin)}" x2="${px(xMax)}" y2="${py(yMin)}" stroke="#444"/>`);
    parts.push(`<line x1="${px(xMin)}" y1="${py(yMin)}" x2="${px(xMin)}" y2="${py(yMax)}" stroke="#444"/>`);
    for (let i = 0; i <= 4; i++) {
      const yv = yMin + ((yMax - yMin) * i) / 4;
      const xv = xMin + ((xMax - xMin) * i) / 4;
      parts.push(`<line x1="${px(xMin)}" y1="${py(yv)}" x2="${px(xMax)}" y2="${py(yv)}" stroke="#eee"/>`);
      parts.push(`<text x="${px(xMin) - 4}" y="${py(yv) + 4}" text-anchor="end">${niceNumber(yv)}</text>`);
      parts.push(`<text x="${px(xv)}" y="${py(yMin) + 14}" text-anchor="middle">${Math.round(xv)}</text>`);
    }
    parts.push(`<text x="${x0 + pw / 2}" y="${y0 + ph - 4}" text-anchor="middle">step</text>`);
    let legendY = y0 + 30;
    for (const [split, points] of series) {
      const color = COLORS[split] ?? '#555';
      points.sort((a, b) => a[0] - b[0]);
      const d = points.map(([x, y], i) => `${i ? 'L' : 'M'}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ');
      parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.5"/>`);
      if (points.length < 30) for (const [x, y] of points) parts.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="2.5" fill="${color}"/>`);
      parts.push(`<text x="${x0 + pw - m.r - 4}" y="${legendY}" text-anchor="end" fill="${color}">${esc(split)}</text>`);
      legendY += 14;
    }
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
