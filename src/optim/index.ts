export { AdamW, defaultDecays, type AdamWOptions, type AdamWState } from './adamw.ts';
export { linearWarmupDecay, constantWithWarmup } from './schedule.ts';
export { clipGradNorm, gradNorm } from './clip.ts';
