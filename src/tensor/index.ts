export { Tensor, type GradFn, type NestedArray } from './tensor.ts';
export { type DType, type TypedArray, allocate, dtypeOf, isFloat } from './dtype.ts';
export { type Shape, sizeOf, stridesOf, broadcastShapes, shapeToString, sameShape, normalizeAxis } from './shape.ts';
export { full, zeros, ones, scalar, zerosLike, onesLike, arange, tensor, randn, uniform, bernoulli, randint, type CreateOptions } from './creation.ts';
export { Rng, type RngState } from './random.ts';
export { erf as erfScalar, gelu as geluScalar, geluDerivative } from './scalar-math.ts';
export type { ExternalValues } from './external-values.ts';
