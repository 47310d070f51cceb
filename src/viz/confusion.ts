/**
 * A confusion matrix as a self-contained SVG heatmap (no scripts, no external fonts or styles), for reports
 * written to disk by `bert evaluate`.
 */
import { blues, inkOn } from './colour.ts';
import { escapeXml, textWidth } from './escape.ts';

/** Options of `confusionMatrixSvg`. */
export interface ConfusionSvgOptions {
  /** Heading above the plot (default "Confusion matrix"). */
  title?: string;
  /** Side of one cell in pixels (default 48). */
  cellSize?: number;
  /**
   * What the colour shows: 'count' (default) scales by the largest cell; 'row' by the cell's share of its
   * row (the recall of that true class), which reads better when classes have very different sizes.
   */
  colorBy?: 'count' | 'row';
}

/**
 * Render a confusion matrix as an SVG heatmap: one square per (true, predicted) pair, shaded by its count
 * (or row share, see options) with the count written in it; true classes down the left (rows), predicted
 * classes along the top (columns).
 * @param matrix L x L counts, rows true class, columns predicted class
 * @param labelNames L names in row/column order
 * @returns a complete `<svg>` document as a string
 */
export function confusionMatrixSvg(matrix: readonly (readonly number[])[], labelNames: readonly string[], options: ConfusionSvgOptions = {}): string {
  const n = matrix.length;
  if (labelNames.length !== n) {
    throw new Error(`confusionMatrixSvg: expected ${n} label names for a ${n}x${n} matrix, got ${labelNames.length}`);
  }
  matrix.forEach((row, i) => {
    if (row.length !== n) throw new Error(`confusionMatrixSvg: expected a ${n}x${n} matrix, row ${i} has ${row.length} entries`);
    row.forEach((v, j) => {
      if (!(Number.isFinite(v) && v >= 0)) throw new Error(`confusionMatrixSvg: cell [${i}][${j}] must be a count >= 0, got ${v}`);
    });
  });
  const title = options.title ?? 'Confusion matrix';
  const cell = options.cellSize ?? 48;
  const colorBy = options.colorBy ?? 'count';
  const font = 12;
  const longest = Math.max(0, ...labelNames.map((l) => textWidth(l, font)));

  // Layout: title, "Predicted" axis title, column labels (rotated -45 degrees), then the grid; on the left
  // the "True" axis title and the row labels.
  const titleH = 28;
  const axisTitle = 20;
  const colLabelH = Math.ceil(longest * Math.SQRT1_2 + font);
  const left = axisTitle + Math.ceil(longest) + 10;
  const top = titleH + axisTitle + colLabelH;
  const width = Math.ceil(left + n * cell + Math.max(20, longest * Math.SQRT1_2));
  const height = top + n * cell + 10;

  const maxCount = Math.max(0, ...matrix.map((r) => Math.max(0, ...r)));
  const rowSums = matrix.map((r) => r.reduce((a, b) => a + b, 0));
  const shade = (i: number, j: number): number => {
    const v = matrix[i]![j]!;
    if (colorBy === 'row') return rowSums[i] === 0 ? 0 : v / rowSums[i]!;
    return maxCount === 0 ? 0 : v / maxCount;
  };

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `font-family="sans-serif" font-size="${font}">`,
  );
  out.push(`<title>${escapeXml(title)}</title>`);
  out.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  out.push(`<text x="${left + (n * cell) / 2}" y="18" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`);
  out.push(`<text x="${left + (n * cell) / 2}" y="${titleH + 14}" text-anchor="middle" font-weight="bold">Predicted</text>`);
  const midY = top + (n * cell) / 2;
  out.push(`<text x="14" y="${midY}" text-anchor="middle" font-weight="bold" transform="rotate(-90 14 ${midY})">True</text>`);

  labelNames.forEach((name, j) => {
    const x = left + j * cell + cell / 2;
    const y = top - 6;
    out.push(`<text x="${x}" y="${y}" text-anchor="start" transform="rotate(-45 ${x} ${y})">${escapeXml(name)}</text>`);
  });
  labelNames.forEach((name, i) => {
    out.push(`<text x="${left - 6}" y="${top + i * cell + cell / 2}" text-anchor="end" dominant-baseline="middle">${escapeXml(name)}</text>`);
  });

  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const t = shade(i, j);
      const x = left + j * cell;
      const y = top + i * cell;
      const fill = blues(t);
      const ink = inkOn(t);
      out.push(
        `<g><title>true ${escapeXml(labelNames[i]!)}, predicted ${escapeXml(labelNames[j]!)}: ${matrix[i]![j]}</title>` +
          `<rect class="cell" x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${fill}" stroke="#cccccc"/>` +
          `<text x="${x + cell / 2}" y="${y + cell / 2}" text-anchor="middle" dominant-baseline="middle" fill="${ink}">${matrix[i]![j]}</text></g>`,
      );
    }
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}
