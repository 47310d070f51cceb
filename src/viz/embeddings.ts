/**
 * Word vectors on a page: project them onto their top two principal components (src/viz/pca.ts) and draw
 * the labelled scatter (src/viz/scatter.ts). Words that are close in the model's embedding space tend to land
 * close here, but only as far as two directions can show: the subtitle says how much of the variance they keep.
 */
import { pca, type PcaResult } from './pca.ts';
import { scatterSvg } from './scatter.ts';

export interface EmbeddingPoint {
  label: string;
  /** [hidden] */
  vector: ArrayLike<number>;
  group?: string;
  /** More than one WordPiece piece, averaged: drawn as a ring. */
  averaged?: boolean;
}

/**
 * PCA to 2-D and a scatter plot.
 * @param words at least 3 (two points always lie on a line)
 */
export function embeddingsSvg(words: readonly EmbeddingPoint[], options: { title?: string; subtitle?: string } = {}): { svg: string; pca: PcaResult } {
  if (words.length < 3) throw new Error(`embeddingsSvg: expected at least 3 words to project, got ${words.length}`);
  const result = pca(
    words.map((w) => w.vector),
    2,
  );
  const [r1, r2] = result.varianceRatios.map((r) => `${(100 * r).toFixed(1)}%`);
  const svg = scatterSvg(
    words.map((w, i) => ({ x: result.scores[i]![0]!, y: result.scores[i]![1]!, label: w.label, group: w.group, hollow: w.averaged })),
    {
      title: options.title ?? 'Word embeddings, top two principal components',
      subtitle: options.subtitle,
      xLabel: `principal component 1 (${r1} of the variance)`,
      yLabel: `principal component 2 (${r2})`,
      hollowNote: 'mean of its WordPiece pieces',
    },
  );
  return { svg, pca: result };
}
