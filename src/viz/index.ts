/**
 * Pictures as SVG strings: no DOM, no dependency, so the CLI writes them to files and a web page can use the
 * same functions. Also the numbers behind them (PCA, attention shares).
 */
export { escapeXml } from './escape.ts';
export { blues, heat, CATEGORY_COLOURS } from './colour.ts';
export { confusionMatrixSvg, type ConfusionSvgOptions } from './confusion.ts';
export { curvesSvg, type CurvePanel, type CurveRecord } from './curves.ts';
export { attentionSvg, type AttentionPanel, type AttentionSvgOptions } from './attention.ts';
export { summarizeAttention, formatAttentionSummary, type AttentionSample, type HeadAttentionSummary } from './attention-stats.ts';
export { scatterSvg, type ScatterPoint, type ScatterSvgOptions } from './scatter.ts';
export { pca, symmetricEigen, type PcaResult } from './pca.ts';
export { embeddingsSvg, type EmbeddingPoint } from './embeddings.ts';
