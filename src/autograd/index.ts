export { backward, topologicalOrder } from './backward.ts';
export { noGrad, isGradEnabled } from './grad-mode.ts';
export { record, recordResult, type OpResult } from './record.ts';
export { gradcheck, type GradcheckOptions, type GradcheckResult } from './gradcheck.ts';
export {
  dispatch,
  registerBackend,
  registerKernel,
  unregisterKernel,
  hasKernel,
  setBackend,
  getBackend,
  listBackends,
  type Kernel,
  type KernelFor,
  type KernelInputs,
} from './dispatch.ts';
