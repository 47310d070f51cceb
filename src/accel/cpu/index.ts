/**
 * The cpu backend: the core's reference loops made faster on the CPU, registered through the core's
 * dispatch seam (autograd/dispatch.ts). It offers
 *   matmul    float32: the WebAssembly SIMD kernel (../wasm) where available; float64, or where it is not, or
 *             with setCpuMatmul('typescript'): cache-blocked with a 4x4 register tile (gemm.ts); both split
 *             big products over worker threads (matmul-default.ts);
 *   gelu      float32 with the wasm product (WebAssembly available, not setCpuMatmul('typescript')): SIMD
 *             loops (../wasm/elementwise.wat), within a few float32 units of the reference; otherwise the
 *             reference's element loops, big arrays shared out over worker threads;
 *   scaledMaskedSoftmax  float32 with the wasm product: the attention probabilities in WebAssembly SIMD
 *             (../wasm/softmax.ts), within a few float32 units of the reference; the backward is the core's;
 *   crossEntropy  float32 with the wasm product: the rows' softmax and losses in WebAssembly SIMD
 *             (../wasm/cross-entropy.ts), within a few float32 units of the reference; the reduction and
 *             the backward are the core's;
 *   layerNorm float32 with the wasm product: the row loops in WebAssembly SIMD, in float64 as the core's
 *             (../wasm/layer-norm.ts), equal to the reference's or one float32 unit apart;
 *   arithmetic, addGradients, sumToShape  float32 with the wasm product, for a and b of one shape or b a row
 *             (a bias), and sums down to trailing dimensions (a bias's gradient): WebAssembly SIMD
 *             (../wasm/arithmetic.ts), the reference's bits; other layouts and small arrays decline;
 *   permute   float32 with the wasm product, when the last dimension stays contiguous (attention's heads):
 *             runs copied in WebAssembly (../wasm/permute.ts), the same values;
 *   scale     x * c in a loop of its own (./scale.ts), the reference's values;
 *   dropout   with masks 'counter': the Speck32/64 masks on the host (../dropout-masks.ts); with the stream
 *             mask, float32 with the wasm product: the core's stream in WebAssembly (../wasm/dropout.ts),
 *             the same bits.
 * Every other op runs its reference. Each kernel gives the reference's values (matmul within float32
 * rounding of the naive loop; the others bit for bit or within the few float32 units said above), which
 * test/accel checks. Loading this file makes cpu the
 * active backend when none is (the default a user of src/index.ts or the CLI gets).
 */
import { getBackend, registerBackend, registerKernel, setBackend } from '../../autograd/dispatch.ts';
import { type geluReference, geluWithLoops } from '../../ops/gelu.ts';
import { type dropoutReference, dropoutWithStreamMask } from '../../ops/dropout.ts';
import type { matmulReference } from '../../ops/matmul.ts';
import { counterDropoutOnHost } from '../dropout-masks.ts';
import { scaleKernel } from './scale.ts';
import { matmulKernelFrom } from '../kernels.ts';
import { registerProduct } from '../products.ts';
import { geluBackward, geluForward, useGeluThreads } from './gelu-threaded.ts';
import { matmulCpu, getCpuMatmul } from './matmul-default.ts';
import { geluBackwardWasm, geluForwardWasm } from '../wasm/gelu.ts';
import { scaledMaskedSoftmaxWasm } from '../wasm/softmax.ts';
import { crossEntropyRowsWasm } from '../wasm/cross-entropy.ts';
import { layerNormBackwardWasm, layerNormForwardWasm } from '../wasm/layer-norm.ts';
import { addGradientsWasm, arithmeticWasm, sumToShapeWasm } from '../wasm/arithmetic.ts';
import { permuteWasm } from '../wasm/permute.ts';
import { streamMaskWasm } from '../wasm/dropout.ts';
import { type layerNormReference, layerNormWithLoops } from '../../ops/layer-norm.ts';
import { type crossEntropyReference, crossEntropyWithRows } from '../../ops/loss.ts';
import { type scaledMaskedSoftmaxReference, scaledMaskedSoftmaxWithRows } from '../../ops/softmax.ts';
import { matmulPrepacked } from '../wasm/matmul-prepacked.ts';
import { withPrepackedWeights } from '../wasm/prepacked-weights.ts';

registerBackend('cpu');
/** Whether the products run in WebAssembly: the other float32 kernels in wasm go with them (not with setCpuMatmul('typescript')). */
const wasmProduct = () => getCpuMatmul() === 'wasm';
registerKernel<typeof matmulReference>('matmul', 'cpu', withPrepackedWeights(matmulKernelFrom(matmulCpu), matmulPrepacked, wasmProduct));
registerProduct('cpu', matmulCpu);
registerKernel<typeof geluReference>('gelu', 'cpu', ({ x, bias }) => {
  if (x.dtype === 'float32' && wasmProduct()) return geluWithLoops(x, bias, geluForwardWasm, geluBackwardWasm);
  return useGeluThreads(x.size) ? geluWithLoops(x, bias, geluForward, geluBackward) : null;
});
registerKernel<typeof scaledMaskedSoftmaxReference>('scaledMaskedSoftmax', 'cpu', (inputs, attrs) =>
  inputs.scores.dtype === 'float32' && wasmProduct() ? scaledMaskedSoftmaxWithRows(inputs, attrs, scaledMaskedSoftmaxWasm) : null,
);
registerKernel<typeof crossEntropyReference>('crossEntropy', 'cpu', (inputs, attrs) =>
  inputs.logits.dtype === 'float32' && wasmProduct() ? crossEntropyWithRows(inputs, attrs, crossEntropyRowsWasm) : null,
);
registerKernel<typeof layerNormReference>('layerNorm', 'cpu', (inputs, attrs) =>
  inputs.x.dtype === 'float32' && wasmProduct() ? layerNormWithLoops(inputs, attrs, layerNormForwardWasm, layerNormBackwardWasm) : null,
);
registerKernel('arithmetic', 'cpu', (inputs: Parameters<typeof arithmeticWasm>[0], attrs: Parameters<typeof arithmeticWasm>[1]) =>
  wasmProduct() ? arithmeticWasm(inputs, attrs) : null,
);
registerKernel('addGradients', 'cpu', (inputs: Parameters<typeof addGradientsWasm>[0]) => (wasmProduct() ? addGradientsWasm(inputs) : null));
registerKernel('sumToShape', 'cpu', (inputs: Parameters<typeof sumToShapeWasm>[0], attrs: Parameters<typeof sumToShapeWasm>[1]) =>
  wasmProduct() ? sumToShapeWasm(inputs, attrs) : null,
);
registerKernel('permute', 'cpu', (inputs: Parameters<typeof permuteWasm>[0], attrs: Parameters<typeof permuteWasm>[1]) =>
  wasmProduct() ? permuteWasm(inputs, attrs) : null,
);
registerKernel('scale', 'cpu', scaleKernel);
registerKernel<typeof dropoutReference>('dropout', 'cpu', ({ x }, { p, rng, masks }) => {
  if (masks === 'counter') return counterDropoutOnHost(x, p, rng);
  return x.dtype === 'float32' && wasmProduct() ? dropoutWithStreamMask(x, p, rng, streamMaskWasm) : null;
});
if (getBackend() === 'reference') setBackend('cpu');

export { geluBackward, geluForward } from './gelu-threaded.ts';
export { matmulBlocked, matmulBlockedSerial } from './matmul-blocked.ts';
export { CPU_MATMUL_CHOICES, getCpuMatmul, matmulCpu, setCpuMatmul, wasmAvailable, type CpuMatmul } from './matmul-default.ts';
export {
  getCpuThreads,
  getMinParallelElements,
  getMinParallelWork,
  setCpuThreads,
  setMinParallelElements,
  setMinParallelWork,
  threadsFromEnv,
} from './threads.ts';
export { lastThreadedMatmulStats, matmulThreaded, type ThreadedMatmulStats } from './matmul-threaded.ts';
export { lastParallelRun, stopWorkers, type ParallelRunStats } from './worker-pool-node.ts';
