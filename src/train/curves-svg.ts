/** The curves are drawn by src/viz (SVG strings, no DOM); the trainers import them from here. */
export { curvesSvg, type CurvePanel } from '../viz/curves.ts';
