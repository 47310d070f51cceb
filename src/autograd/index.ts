export { backward, topologicalOrder } from './backward.ts';
export { noGrad, isGradEnabled } from './grad-mode.ts';
export { record } from './record.ts';
export { gradcheck, type GradcheckOptions, type GradcheckResult } from './gradcheck.ts';
