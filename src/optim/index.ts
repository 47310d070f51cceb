export { AdamW, defaultDecays, type AdamWOptions, type AdamWState, adamwUpdateLoop, type AdamWUpdateAttrs } from './adamw.ts';
export { linearWarmupDecay, constantWithWarmup } from './schedule.ts';
export { clipGradNorm, gradNorm } from './clip.ts';
export { trainStep, NonFiniteError, type TrainStepOptions, type TrainStepResult } from './train-step.ts';
