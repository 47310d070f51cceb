/**
 * Attention weights as small multiples: one square heatmap per (layer, head), every one with the sentence's
 * tokens along both axes, on one colour scale with its legend. Returns a complete SVG document as a string
 * (no DOM, no dependency), so a CLI writes it to a file and a web page can put it in innerHTML.
 *
 * In each panel, row i is the token that attends (the query) and column j the token it attends to (the key):
 * the cell is softmax(q_i · k_j / sqrt(d)) from src/bert/attention.ts, so every row sums to 1. WordPiece
 * pieces keep their `##` so a reader sees where a word was split; special tokens are drawn in another colour.
 */
import { heat, inkOn } from './colour.ts';
import { escapeXml, num, textWidth } from './escape.ts';

/** One head's attention for one sentence. */
export interface AttentionPanel {
  /** Layer index (0-based, as in the checkpoint's `encoder.layer.N`). */
  layer: number;
  /** Head index within the layer (0-based). */
  head: number;
  /** Weights [seq, seq], row-major: row i = query token i, column j = key token j. */
  weights: ArrayLike<number>;
}

export interface AttentionSvgOptions {
  /** Heading (default "Attention weights"). */
  title?: string;
  /** A second line under the heading, e.g. the model directory. */
  subtitle?: string;
  /** Side of one cell in pixels (default: from the number of tokens and panels, 9 (12 for one panel) to 32). */
  cellSize?: number;
  /** Panels per row (default: the number of heads per layer, at most 4). */
  columns?: number;
  /** Token positions to outline as query rows, e.g. the [MASK] (default none). */
  highlight?: readonly number[];
  /** One hover tooltip per cell (default: only when all panels together have at most 5000 cells). */
  tooltips?: boolean;
  /**
   * The weight drawn darkest (default: the largest weight drawn, rounded up to 0.1, 0.2, 0.25, 0.3, 0.4, 0.5,
   * 0.6, 0.8 or 1). A head that spreads its attention over 30 tokens gives weights near 0.03; on a fixed 0-1
   * scale all of them would be the same pale colour. The legend shows the range used.
   */
  maxWeight?: number;
}

/** The smallest of a few round numbers that is at least `w` (and at least 0.1). */
function niceCeiling(w: number): number {
  return [0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.8, 1].find((v) => v >= w - 1e-9) ?? 1;
}

/** Tokens added by the tokenizer rather than read from the text. */
const SPECIAL = /^\[(CLS|SEP|MASK|PAD|UNK)\]$/;

/** Label colours: special tokens stand out, continuation pieces (`##ing`) are marked so splits are visible. */
function tokenStyle(token: string): string {
  if (SPECIAL.test(token)) return ' fill="#b0306a" font-weight="bold"';
  if (token.startsWith('##')) return ' fill="#1b6e5a"';
  return '';
}

/** Check that every panel is a [seq, seq] grid of probabilities, naming the first bad one. */
function validate(tokens: readonly string[], panels: readonly AttentionPanel[]): void {
  const s = tokens.length;
  if (s === 0) throw new Error('attentionSvg: expected at least one token, got none');
  if (panels.length === 0) throw new Error('attentionSvg: expected at least one (layer, head) panel, got none');
  for (const p of panels) {
    const where = `layer ${p.layer} head ${p.head}`;
    if (p.weights.length !== s * s) {
      throw new Error(`attentionSvg: ${where}: expected ${s}x${s} = ${s * s} weights for ${s} tokens, got ${p.weights.length}`);
    }
    for (let k = 0; k < s * s; k++) {
      const w = p.weights[k]!;
      if (!(Number.isFinite(w) && w >= -1e-6 && w <= 1 + 1e-6)) {
        throw new Error(`attentionSvg: ${where}: weight [${Math.floor(k / s)}][${k % s}] = ${w}, expected a probability in [0, 1]`);
      }
    }
  }
}

/**
 * Render attention panels as one SVG.
 * @param tokens the seq tokens of the encoded input, e.g. ["[CLS]", "the", "cow", "##s", ..., "[SEP]"]
 * @param panels one entry per (layer, head) to draw, each with weights [seq, seq]; drawn in the given order
 * @returns a complete `<svg>` document
 */
export function attentionSvg(tokens: readonly string[], panels: readonly AttentionPanel[], options: AttentionSvgOptions = {}): string {
  validate(tokens, panels);
  const s = tokens.length;
  const title = options.title ?? 'Attention weights';
  const headsPerLayer = new Set(panels.map((p) => p.head)).size;
  const columns = Math.max(1, Math.min(panels.length, options.columns ?? Math.min(4, headsPerLayer)));
  const cell = Math.round(options.cellSize ?? Math.min(32, Math.max(panels.length === 1 ? 12 : 9, Math.floor((panels.length === 1 ? 768 : 400) / s))));
  const font = Math.min(12, Math.max(7, Math.round(cell * 0.8)));
  const labelW = Math.ceil(Math.max(...tokens.map((t) => textWidth(t, font)))) + 6;
  const gridW = s * cell;
  const panelTitleH = 18;
  const panelW = labelW + gridW + 24;
  const panelH = panelTitleH + labelW + gridW + 20;
  const tooltips = options.tooltips ?? panels.length * s * s <= 5000;
  const highlight = (options.highlight ?? []).filter((i) => Number.isInteger(i) && i >= 0 && i < s);
  let largest = 0;
  for (const p of panels) for (let k = 0; k < s * s; k++) largest = Math.max(largest, p.weights[k]!);
  const vmax = options.maxWeight ?? niceCeiling(largest);
  if (!(vmax > 0 && vmax <= 1)) throw new Error(`attentionSvg: maxWeight must be in (0, 1], got ${vmax}`);

  // Header: title, subtitle, how to read a panel, and the colour legend (a bar of 50 steps, 0 to 1).
  const headerH = options.subtitle ? 100 : 84;
  const legendW = 240;
  const rows = Math.ceil(panels.length / columns);
  const width = Math.max(columns * panelW + 16, legendW + 300);
  const height = headerH + rows * panelH + 8;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${num(width)}" height="${height}" viewBox="0 0 ${num(width)} ${height}" ` +
      `font-family="sans-serif" font-size="${font}">`,
  );
  out.push(`<title>${escapeXml(title)}</title>`);
  out.push(`<rect width="100%" height="100%" fill="white"/>`);
  // A long sentence would make the heading wider than the panels: cut it there (the full text stays in <title>).
  const fitWidth = (text: string, size: number) => {
    const max = Math.floor((width - 24) / (size * 0.6));
    return text.length <= max ? text : text.slice(0, max - 1) + '…';
  };
  out.push(`<text x="12" y="22" font-size="16" font-weight="bold">${escapeXml(fitWidth(title, 16))}</text>`);
  let y = 22;
  if (options.subtitle) out.push(`<text x="12" y="${(y += 17)}" font-size="12" fill="#444">${escapeXml(fitWidth(options.subtitle, 12))}</text>`);
  out.push(
    `<text x="12" y="${(y += 17)}" font-size="12" fill="#444">row: the token that attends (query); column: the token it attends to (key); each row sums to 1</text>`,
  );
  const legendY = y + 12;
  const steps = 50;
  out.push(`<g class="legend">`);
  for (let k = 0; k < steps; k++) {
    out.push(
      `<rect x="${num(12 + (k * legendW) / steps)}" y="${legendY}" width="${num(legendW / steps + 0.5)}" height="10" fill="${heat((k + 0.5) / steps)}"/>`,
    );
  }
  out.push(`<rect x="12" y="${legendY}" width="${legendW}" height="10" fill="none" stroke="#999"/>`);
  for (const t of [0, 0.25, 0.5, 0.75, 1]) {
    out.push(`<text x="${num(12 + t * legendW)}" y="${legendY + 22}" text-anchor="middle" font-size="10">${num(t * vmax)}</text>`);
  }
  const scaleNote = vmax < 1 ? ` (darkest: ${vmax} or more)` : '';
  out.push(`<text x="${legendW + 24}" y="${legendY + 9}" font-size="11">attention weight${scaleNote}</text>`);
  out.push(`</g>`);

  panels.forEach((p, index) => {
    const px = 8 + (index % columns) * panelW;
    const py = headerH + Math.floor(index / columns) * panelH;
    const gx = labelW; // grid origin inside the panel
    const gy = panelTitleH + labelW;
    out.push(`<g class="panel" transform="translate(${px},${py})">`);
    out.push(`<text x="${gx}" y="13" font-size="12" font-weight="bold">layer ${p.layer}, head ${p.head}</text>`);
    // Keys along the top, read bottom to top; queries down the left, right-aligned against the grid.
    tokens.forEach((t, j) => {
      const x = gx + j * cell + cell / 2;
      const ty = gy - 4;
      out.push(`<text x="${num(x)}" y="${ty}" dominant-baseline="middle" transform="rotate(-90 ${num(x)} ${ty})"${tokenStyle(t)}>${escapeXml(t)}</text>`);
    });
    tokens.forEach((t, i) => {
      out.push(`<text x="${gx - 4}" y="${num(gy + i * cell + cell / 2)}" text-anchor="end" dominant-baseline="middle"${tokenStyle(t)}>${escapeXml(t)}</text>`);
    });
    // Cells: the white background stands for weights too small to see, which keeps files of many heads small.
    for (let i = 0; i < s; i++) {
      for (let j = 0; j < s; j++) {
        const w = Math.min(1, Math.max(0, p.weights[i * s + j]!));
        const shade = Math.min(1, w / vmax);
        if (shade < 1 / 256 && !tooltips) continue;
        let rect = `<rect x="${gx + j * cell}" y="${gy + i * cell}" width="${cell}" height="${cell}" fill="${heat(shade)}"/>`;
        // Big cells (a short sentence, one head) also carry their number, as ".42".
        if (cell >= 28 && w >= 0.05) {
          const label = w >= 0.995 ? '1' : w.toFixed(2).slice(1);
          rect += `<text x="${num(gx + j * cell + cell / 2)}" y="${num(gy + i * cell + cell / 2)}" text-anchor="middle" dominant-baseline="middle" font-size="9" fill="${inkOn(shade)}">${label}</text>`;
        }
        if (tooltips) {
          out.push(`<g><title>${escapeXml(tokens[i]!)} → ${escapeXml(tokens[j]!)}: ${w.toFixed(3)}</title>${rect}</g>`);
        } else {
          out.push(rect);
        }
      }
    }
    // Thin lines where a segment ends (after each [SEP] but the last), so sentence A and B read apart.
    tokens.forEach((t, k) => {
      if (t !== '[SEP]' || k === s - 1) return;
      const at = (k + 1) * cell;
      out.push(`<line x1="${gx + at}" y1="${gy}" x2="${gx + at}" y2="${gy + gridW}" stroke="#4a78b5" stroke-width="1"/>`);
      out.push(`<line x1="${gx}" y1="${gy + at}" x2="${gx + gridW}" y2="${gy + at}" stroke="#4a78b5" stroke-width="1"/>`);
    });
    for (const i of highlight) {
      out.push(`<rect x="${gx - 1}" y="${gy + i * cell}" width="${gridW + 2}" height="${cell}" fill="none" stroke="#1f5fd6" stroke-width="2"/>`);
    }
    out.push(`<rect x="${gx}" y="${gy}" width="${gridW}" height="${gridW}" fill="none" stroke="#888"/>`);
    out.push(`</g>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
