/**
 * Differentiable ops. Each computes its result and records how to send gradients back (src/autograd).
 */
export { add, sub, mul, div, pow, maximum, minimum, neg, sumToShape, broadcastApply, type TensorOrNumber } from './elementwise.ts';
export { exp, log, sqrt, tanh, erf, relu, abs, sigmoid, scale, square } from './unary.ts';
export { gelu, biasGelu } from './gelu.ts';
export { eq, ne, lt, le, gt, ge, where, maskedFill, cast } from './compare.ts';
export { sum, mean, max, argmax, variance, type ReduceOptions } from './reduce.ts';
export { matmul, matmulNaive, matmulReference, type MatmulOptions, type MatmulAttrs, type MatmulLayout } from './matmul.ts';
export { reshape, broadcastTo, permute, transpose, slice, concat, stack, unsqueeze, squeeze, flatten } from './shape.ts';
export { indexSelect, gather, embedding } from './indexing.ts';
export { softmax, logSoftmax, scaledMaskedSoftmax, softmaxRows, scaledMaskedSoftmaxRows, softmaxRowsBackward } from './softmax.ts';
export { layerNorm, layerNormForward, layerNormBackward } from './layer-norm.ts';
export { dropout, isDropoutMasks, DROPOUT_MASK_KINDS, type DropoutMasks } from './dropout.ts';
export { crossEntropy, mseLoss, bceWithLogits, type CrossEntropyOptions, type Reduction } from './loss.ts';
