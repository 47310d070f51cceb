/**
 * Pictures as SVG strings: no DOM, no dependency, so the CLI writes them to files and a web page can use the
 * same functions.
 */
export { escapeXml } from './escape.ts';
export { blues, heat, CATEGORY_COLOURS } from './colour.ts';
export { confusionMatrixSvg, type ConfusionSvgOptions } from './confusion.ts';
export { curvesSvg, type CurvePanel, type CurveRecord } from './curves.ts';
