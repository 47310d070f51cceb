/**
 * Validation: every op rejects bad shapes, dtypes, axes and indices with a message that names the op, what it
 * expected and what it got.
 */
import { describe, expect, it } from 'vitest';
import {
  abs,
  add,
  argmax,
  bceWithLogits,
  biasGelu,
  broadcastTo,
  cast,
  concat,
  crossEntropy,
  div,
  dropout,
  embedding,
  erf,
  exp,
  flatten,
  gather,
  gelu,
  indexSelect,
  layerNorm,
  log,
  logSoftmax,
  lt,
  maskedFill,
  matmul,
  max,
  maximum,
  mean,
  minimum,
  mseLoss,
  mul,
  permute,
  pow,
  relu,
  reshape,
  Rng,
  scalar,
  scale,
  scaledMaskedSoftmax,
  sigmoid,
  slice,
  softmax,
  sqrt,
  square,
  squeeze,
  stack,
  sub,
  sum,
  tanh,
  tensor,
  Tensor,
  transpose,
  unsqueeze,
  variance,
  where,
  zeros,
} from './core.ts';

const f32 = (shape: number[]) => zeros(shape);
const f64 = (shape: number[]) => zeros(shape, { dtype: 'float64' });
const i32 = (shape: number[], values?: number[]) => (values ? new Tensor(Int32Array.from(values), shape) : zeros(shape, { dtype: 'int32' }));

describe('shape errors name the op and both shapes', () => {
  it.each([
    ['matmul inner dimensions', () => matmul(f32([2, 3]), f32([4, 5])), /^matmul: inner dimensions differ: \[2,3\] @ \[4,5\] \(3 vs 4\)$/],
    [
      'matmul inner dimensions, transposed',
      () => matmul(f32([2, 3]), f32([5, 4]), { transposeB: true }),
      /^matmul: inner dimensions differ: \[2,3\] @ \[5,4\]\^T \(3 vs 4\)$/,
    ],
    ['matmul rank 1', () => matmul(f32([3]), f32([3, 2])), /^matmul: expected first operand of rank >= 2, got shape \[3\]$/],
    ['matmul batch dims', () => matmul(f32([2, 3, 4]), f32([3, 4, 5])), /^matmul: shapes \[2\] and \[3\] cannot be broadcast/],
    [
      'add broadcasting',
      () => add(f32([2, 3]), f32([4])),
      /^add: shapes \[2,3\] and \[4\] cannot be broadcast \(dimension 1 from the left of the result: 3 vs 4\)$/,
    ],
    ['mul broadcasting', () => mul(f32([2, 1, 3]), f32([5, 2])), /^mul: shapes \[2,1,3\] and \[5,2\] cannot be broadcast/],
    ['where broadcasting', () => where(i32([2]), f32([3]), f32([3])), /^where: shapes \[2\] and \[3\] cannot be broadcast/],
    ['maskedFill mask larger than input', () => maskedFill(f32([3]), i32([2, 3]), 0), /^maskedFill: mask \[2,3\] must broadcast to the input's shape \[3\]$/],
    ['reshape element count', () => reshape(f32([2, 3]), [4, 2]), /^reshape: cannot reshape \[2,3\] \(6 elements\) to \[4,2\] \(8 elements\)$/],
    ['reshape two -1', () => reshape(f32([2, 3]), [-1, -1]), /^reshape: only one dimension may be -1, got \[-1,-1\]$/],
    ['reshape -1 not dividing', () => reshape(f32([2, 3]), [-1, 4]), /^reshape: cannot reshape \[2,3\] \(6 elements\) to \[-1,4\]$/],
    // Regression: [-2,-3] has 6 "elements" and fell through to the Tensor constructor, whose message did not name reshape.
    [
      'reshape negative size',
      () => reshape(f32([2, 3]), [-2, -3]),
      /^reshape: cannot reshape \[2,3\] to \[-2,-3\]: sizes must be non-negative integers \(one may be -1\)$/,
    ],
    ['reshape fractional size', () => reshape(f32([2, 3]), [1.5, 4]), /^reshape: cannot reshape \[2,3\] to \[1.5,4\]: sizes must be non-negative integers/],
    ['broadcastTo smaller', () => broadcastTo(f32([2, 3]), [3]), /^broadcastTo: \[2,3\] does not broadcast to \[3\]$/],
    ['broadcastTo incompatible', () => broadcastTo(f32([2]), [3]), /^broadcastTo: shapes \[2\] and \[3\] cannot be broadcast/],
    // Regression: a negative size reached the typed-array allocation and threw a bare RangeError.
    ['broadcastTo negative size', () => broadcastTo(f32([1]), [-1]), /^broadcastTo: cannot broadcast \[1\] to \[-1\]: sizes must be non-negative integers$/],
    [
      'broadcastTo negative sizes',
      () => broadcastTo(f32([1, 1]), [-2, -3]),
      /^broadcastTo: cannot broadcast \[1,1\] to \[-2,-3\]: sizes must be non-negative integers$/,
    ],
    [
      'broadcastTo fractional size',
      () => broadcastTo(f32([1]), [2.5]),
      /^broadcastTo: cannot broadcast \[1\] to \[2.5\]: sizes must be non-negative integers$/,
    ],
    ['broadcastTo NaN size', () => broadcastTo(f32([1]), [NaN]), /^broadcastTo: cannot broadcast \[1\] to \[NaN\]: sizes must be non-negative integers$/],
    ['permute length', () => permute(f32([2, 3]), [0]), /^permute: expected 2 dimensions for shape \[2,3\], got \[0\]$/],
    ['permute repeat', () => permute(f32([2, 3]), [1, 1]), /^permute: \[1,1\] is not a permutation$/],
    ['transpose axis', () => transpose(f32([2, 3]), 0, 2), /^transpose: axis 2 is out of range for a tensor of rank 2$/],
    ['slice range', () => slice(f32([2, 3]), 1, 1, 5), /^slice: range \[1, 5\) is out of bounds for axis 1 of size 3 \(shape \[2,3\]\)$/],
    ['slice reversed', () => slice(f32([4]), 0, 3, 1), /^slice: range \[3, 1\) is out of bounds for axis 0 of size 4/],
    ['concat shapes', () => concat([f32([2, 3]), f32([2, 4])], 0), /^concat: tensor 1 has shape \[2,4\], incompatible with \[2,3\] along axis 0$/],
    ['concat ranks', () => concat([f32([2, 3]), f32([2])], 0), /^concat: tensor 1 has shape \[2\], incompatible with \[2,3\]/],
    ['concat empty list', () => concat([]), /^concat: expected at least one tensor$/],
    ['stack shapes', () => stack([f32([2]), f32([3])]), /^stack: tensor 1 has shape \[3\], tensor 0 has \[2\]$/],
    ['squeeze non-1', () => squeeze(f32([2, 3]), 1), /^squeeze: axis 1 of shape \[2,3\] has size 3, not 1$/],
    ['unsqueeze axis', () => unsqueeze(f32([2]), 3), /^unsqueeze: axis 3 is out of range for a tensor of rank 2$/],
    ['sum axis', () => sum(f32([2, 3]), 2), /^sum: axis 2 is out of range for a tensor of rank 2$/],
    ['sum negative axis', () => sum(f32([2, 3]), -3), /^sum: axis -3 is out of range for a tensor of rank 2$/],
    ['sum fractional axis', () => sum(f32([2, 3]), 0.5), /^sum: axis 0.5 is out of range/],
    ['sum repeated axis', () => sum(f32([2, 3]), [1, -1]), /^sum: repeated axis in \[1,-1\]$/],
    ['max empty axis', () => max(f32([2, 0]), 1), /^max: cannot take the maximum over an empty axis 1$/],
    ['argmax empty', () => argmax(f32([0])), /^argmax: the tensor is empty$/],
    ['mean no elements', () => mean(f32([0, 3]), 0), /^mean: the reduced axes of shape \[0,3\] hold no elements$/],
    ['variance no dof', () => variance(f32([1, 3]), 0, { correction: 1 }), /^variance: 1 elements with correction 1 leave no degrees of freedom$/],
    ['softmax scalar', () => softmax(scalar(1)), /^softmax: expected a tensor of rank >= 1, got a scalar$/],
    ['softmax axis', () => softmax(f32([2, 3]), 2), /^softmax: axis 2 is out of range for a tensor of rank 2$/],
    ['logSoftmax axis', () => logSoftmax(f32([2, 3]), -3), /^logSoftmax: axis -3 is out of range for a tensor of rank 2$/],
    ['biasGelu bias shape', () => biasGelu(f32([2, 4]), f32([3])), /^biasGelu: expected x \[\.\.\., H\] and bias \[H\], got x \[2,4\] and bias \[3\]$/],
    [
      'scaledMaskedSoftmax mask',
      () => scaledMaskedSoftmax(f32([2, 3]), 1, f32([2, 2])),
      /^scaledMaskedSoftmax: shapes \[2,3\] and \[2,2\] cannot be broadcast/,
    ],
    [
      'scaledMaskedSoftmax mask larger',
      () => scaledMaskedSoftmax(f32([3]), 1, f32([2, 3])),
      /^scaledMaskedSoftmax: the mask \[2,3\] must broadcast to the scores \[3\]$/,
    ],
    ['scaledMaskedSoftmax scalar', () => scaledMaskedSoftmax(scalar(1), 1), /^scaledMaskedSoftmax: expected scores of rank >= 1, got a scalar$/],
    ['layerNorm params', () => layerNorm(f32([2, 4]), f32([3]), f32([4])), /^layerNorm: weight \[3\] and bias \[4\] must both be \[4\] for input \[2,4\]$/],
    ['layerNorm scalar input', () => layerNorm(scalar(1), f32([1]), f32([1])), /^layerNorm: expected input of rank >= 1, got shape \[\]$/],
    [
      'crossEntropy target shape',
      () => crossEntropy(f32([2, 3]), i32([3])),
      /^crossEntropy: targets \[3\] must have the logits' shape without the class dimension: \[2\]$/,
    ],
    ['mseLoss shapes', () => mseLoss(f32([2, 3]), f32([3, 2])), /^mseLoss: input \[2,3\] and target \[3,2\] must have the same shape$/],
    ['bceWithLogits shapes', () => bceWithLogits(f32([2]), f32([3])), /^bceWithLogits: logits \[2\] and targets \[3\] must have the same shape$/],
    ['embedding weight rank', () => embedding(f32([4]), i32([1])), /^embedding: expected weight of rank 2, got shape \[4\]$/],
    ['gather index shape', () => gather(f32([2, 3]), 1, i32([3, 1])), /^gather: index shape \[3,1\] must match the input \[2,3\] on every axis but 1$/],
    ['tensor shape vs data', () => new Tensor(new Float32Array(5), [2, 3]), /^Tensor: shape \[2,3\] needs 6 elements, the data has 5$/],
    ['item of many', () => f32([2]).item(), /^item: expected a tensor with one element, got shape \[2\]$/],
  ] as const)('%s', (_name, fn, message) => {
    expect(fn).toThrow(message);
  });

  it('a scalar has no axes (regression: sum(scalar, 0) returned 0, mean NaN, indexSelect read garbage)', () => {
    const s = scalar(5, { dtype: 'float64' });
    expect(() => sum(s, 0)).toThrow(/^sum: axis 0 is out of range for a tensor of rank 0$/);
    expect(() => mean(s, -1)).toThrow(/^mean: axis -1 is out of range for a tensor of rank 0$/);
    expect(() => max(s, 0)).toThrow(/^max: axis 0 is out of range for a tensor of rank 0$/);
    expect(() => argmax(s, 0)).toThrow(/^argmax: axis 0 is out of range for a tensor of rank 0$/);
    expect(() => indexSelect(s, 0, i32([1], [0]))).toThrow(/^indexSelect: axis 0 is out of range for a tensor of rank 0$/);
    expect(() => concat([s, s])).toThrow(/^concat: axis 0 is out of range for a tensor of rank 0$/);
    // Reducing over no axis list, and stacking scalars into a vector, still work.
    expect(sum(s).item()).toBe(5);
    expect(stack([s, s]).toArray()).toEqual([5, 5]);
  });
});

describe('dtype errors: mixed dtypes and int32 into float-only ops', () => {
  it.each([
    ['add', () => add(f32([2]), f64([2])), /^add: dtypes differ: float32 \[2\] and float64 \[2\] \(convert one with cast\(\)\)$/],
    ['sub', () => sub(f32([2]), i32([2])), /^sub: dtypes differ: float32 \[2\] and int32 \[2\]/],
    ['mul', () => mul(f64([1]), f32([2, 1])), /^mul: dtypes differ: float64 \[1\] and float32 \[2,1\]/],
    ['div', () => div(f32([2]), f64([2])), /^div: dtypes differ/],
    ['pow', () => pow(f32([2]), f64([2])), /^pow: dtypes differ/],
    ['maximum', () => maximum(f32([2]), f64([2])), /^maximum: dtypes differ/],
    ['minimum', () => minimum(f32([2]), f64([2])), /^minimum: dtypes differ/],
    ['lt', () => lt(f32([2]), f64([2])), /^lt: dtypes differ/],
    ['matmul', () => matmul(f32([2, 2]), f64([2, 2])), /^matmul: dtypes differ: float32 \[2,2\] and float64 \[2,2\]/],
    ['where', () => where(i32([2]), f32([2]), f64([2])), /^where: value dtypes differ: float32 and float64$/],
    ['concat', () => concat([f32([2]), f64([2])]), /^concat: tensor 1 is float64, tensor 0 is float32$/],
    ['layerNorm', () => layerNorm(f32([2, 2]), f64([2]), f32([2])), /^layerNorm: dtypes differ: float32 \[2,2\] and float64 \[2\]/],
    ['mseLoss', () => mseLoss(f32([2]), f64([2])), /^mseLoss: dtypes differ/],
    ['bceWithLogits', () => bceWithLogits(f32([2]), f64([2])), /^bceWithLogits: dtypes differ/],
    ['biasGelu', () => biasGelu(f32([2]), f64([2])), /^biasGelu: dtypes differ/],
    ['scaledMaskedSoftmax', () => scaledMaskedSoftmax(f32([2]), 1, f64([2])), /^scaledMaskedSoftmax: dtypes differ/],
  ] as const)('mixed dtypes: %s', (_name, fn, message) => {
    expect(fn).toThrow(message);
  });

  const unaryFloatOps: [string, (x: Tensor) => Tensor][] = [
    ['exp', exp],
    ['log', log],
    ['sqrt', sqrt],
    ['tanh', tanh],
    ['erf', erf],
    ['gelu', gelu],
    ['relu', relu],
    ['abs', abs],
    ['sigmoid', sigmoid],
    ['square', square],
    ['scale', (x) => scale(x, 2)],
    ['softmax', (x) => softmax(x)],
    ['logSoftmax', (x) => logSoftmax(x)],
    ['biasGelu', (x) => biasGelu(x, i32([2]))],
    ['scaledMaskedSoftmax', (x) => scaledMaskedSoftmax(x, 1)],
    ['mean', (x) => mean(x)],
    ['variance', (x) => variance(x)],
    ['dropout', (x) => dropout(x, 0.1, new Rng(1))],
  ];
  it.each(unaryFloatOps)('int32 into %s', (name, op) => {
    expect(() => op(i32([2, 2]))).toThrow(new RegExp(`^${name}: expected input to be float32 or float64, got int32$`));
  });

  it.each([
    ['matmul', () => matmul(i32([2, 2]), i32([2, 2])), /^matmul: expected first operand to be float32 or float64, got int32$/],
    ['layerNorm', () => layerNorm(i32([2, 2]), i32([2]), i32([2])), /^layerNorm: expected input to be float32 or float64, got int32$/],
    ['crossEntropy logits', () => crossEntropy(i32([2, 3]), i32([2])), /^crossEntropy: expected logits to be float32 or float64, got int32$/],
    ['crossEntropy targets', () => crossEntropy(f32([2, 3]), f32([2])), /^crossEntropy: expected targets to be int32, got float32$/],
    ['mseLoss', () => mseLoss(i32([2]), i32([2])), /^mseLoss: expected input to be float32 or float64, got int32$/],
    ['bceWithLogits', () => bceWithLogits(i32([2]), i32([2])), /^bceWithLogits: expected logits to be float32 or float64, got int32$/],
    ['indexSelect float indices', () => indexSelect(f32([3]), 0, f32([1])), /^indexSelect: expected indices to be int32, got float32$/],
    ['gather float index', () => gather(f32([3]), 0, f32([1])), /^gather: expected index to be int32, got float32$/],
    ['embedding float ids', () => embedding(f32([3, 2]), f32([1])), /^embedding: expected ids to be int32, got float32$/],
  ] as const)('%s', (_name, fn, message) => {
    expect(fn).toThrow(message);
  });

  it('a non-int32 number with an int32 tensor is an error, not a silent truncation (regression)', () => {
    const ids = i32([3], [0, 1, 2]);
    expect(() => add(ids, 1.5)).toThrow(
      /^add: the number 1.5 is not an int32 value, but the tensor operand \[3\] is int32 \(cast it to a float dtype first\)$/,
    );
    expect(() => lt(ids, 0.5)).toThrow(/^lt: the number 0.5 is not an int32 value/);
    expect(() => mul(2 ** 31, ids)).toThrow(/^mul: the number 2147483648 is not an int32 value/);
    expect(() => add(1, 2)).toThrow(/^add: at least one operand must be a Tensor$/);
    expect(() => lt(1, 2)).toThrow(/^lt: at least one operand must be a Tensor$/);
    // Integers are fine, and a float tensor takes any number.
    expect(Array.from(add(ids, 2).data)).toEqual([2, 3, 4]);
    expect(Array.from(lt(ids, 1).data)).toEqual([1, 0, 0]);
    expect(Array.from(lt(cast(ids, 'float32'), 0.5).data)).toEqual([1, 0, 0]);
  });

  it('maskedFill of an int32 tensor with a non-int32 fill value is an error (regression: 2.7 was stored as 2)', () => {
    const ids = i32([3], [5, 6, 7]);
    const mask = i32([3], [0, 1, 0]);
    expect(() => maskedFill(ids, mask, 2.7)).toThrow(/^maskedFill: the fill value 2.7 is not an int32 value, but the input \[3\] is int32/);
    expect(() => maskedFill(ids, mask, 2 ** 31)).toThrow(/^maskedFill: the fill value 2147483648 is not an int32 value/);
    expect(() => maskedFill(ids, mask, NaN)).toThrow(/^maskedFill: the fill value NaN is not an int32 value/);
    expect(() => maskedFill(ids, mask, -Infinity)).toThrow(/^maskedFill: the fill value -Infinity is not an int32 value/);
    // Integer fills of int32 tensors, and any fill of a float tensor, still work.
    expect(Array.from(maskedFill(ids, mask, -100).data)).toEqual([5, -100, 7]);
    expect(Array.from(maskedFill(cast(ids, 'float32'), mask, 2.5).data)).toEqual([5, 2.5, 7]);
  });
});

describe('a non-Tensor argument is named', () => {
  // Regression for unsqueeze/squeeze/flatten (the message named reshape or an undefined rank) and cast
  // (an unknown dtype was reported without the op's name).
  it.each([
    ['exp', () => exp(5 as never), /^exp: expected input to be a Tensor, got number$/],
    ['sum', () => sum(null as never), /^sum: expected input to be a Tensor, got null$/],
    ['add', () => add(f32([1]), 'x' as never), /^add: expected second operand to be a Tensor, got string$/],
    ['matmul', () => matmul(f32([2, 2]), undefined as never), /^matmul: expected second operand to be a Tensor, got undefined$/],
    ['unsqueeze', () => unsqueeze([1, 2] as never, 0), /^unsqueeze: expected input to be a Tensor, got object$/],
    ['squeeze', () => squeeze(3 as never, 0), /^squeeze: expected input to be a Tensor, got number$/],
    ['flatten', () => flatten({} as never), /^flatten: expected input to be a Tensor, got object$/],
    ['stack', () => stack([f32([1]), 2 as never]), /^stack: expected tensor 1 to be a Tensor, got number$/],
    ['cast', () => cast(5 as never, 'float32'), /^cast: expected input to be a Tensor, got number$/],
    ['cast dtype', () => cast(f32([1]), 'float16' as never), /^cast: unknown dtype "float16"; expected float32, float64 or int32$/],
  ] as const)('%s', (_name, fn, message) => {
    expect(fn).toThrow(message);
  });
});

describe('index and value errors', () => {
  it.each([
    [
      'indexSelect too large',
      () => indexSelect(f32([4, 2]), 0, i32([3], [0, 1, 7])),
      /^indexSelect: index 7 at position 2 of the indices is out of range \[0, 4\) for axis 0 of shape \[4,2\]$/,
    ],
    [
      'indexSelect negative',
      () => indexSelect(f32([4, 2]), 1, i32([1], [-1])),
      /^indexSelect: index -1 at position 0 of the indices is out of range \[0, 2\) for axis 1 of shape \[4,2\]$/,
    ],
    ['gather out of range', () => gather(f32([2, 3]), 1, i32([2, 1], [0, 3])), /^gather: index 3 at flat position 1 is out of range \[0, 3\) for axis 1$/],
    ['embedding id', () => embedding(f32([5, 2]), i32([2, 2], [0, 1, 5, 2])), /^embedding: id 5 at position 2 of ids \[2,2\] is outside the table \[0, 5\)$/],
    [
      'embedding paddingIdx (regression: was silently ignored)',
      () => embedding(f32([5, 2]), i32([1], [0]), 5),
      /^embedding: paddingIdx 5 is outside the table \[0, 5\)$/,
    ],
    [
      'crossEntropy target',
      () => crossEntropy(f32([2, 3]), i32([2], [0, 5])),
      /^crossEntropy: target 5 at position 1 is outside the classes \[0, 3\) \(and is not the ignore index -100\)$/,
    ],
    [
      'crossEntropy negative target',
      () => crossEntropy(f32([2, 3]), i32([2], [-1, 0])),
      /^crossEntropy: target -1 at position 0 is outside the classes \[0, 3\)/,
    ],
    ['dropout p = 1', () => dropout(f32([2]), 1, new Rng(1)), /^dropout: probability must be in \[0, 1\), got 1$/],
    ['dropout p < 0', () => dropout(f32([2]), -0.1, new Rng(1)), /^dropout: probability must be in \[0, 1\), got -0.1$/],
    ['dropout p NaN', () => dropout(f32([2]), NaN, new Rng(1)), /^dropout: probability must be in \[0, 1\), got NaN$/],
  ] as const)('%s', (_name, fn, message) => {
    expect(fn).toThrow(message);
  });

  it('the crossEntropy ignore index is configurable: -1 is then skipped rather than rejected', () => {
    const loss = crossEntropy(
      tensor([
        [1, 2, 3],
        [0, 0, 0],
      ]),
      i32([2], [-1, 0]),
      { ignoreIndex: -1 },
    );
    expect(loss.item()).toBeCloseTo(Math.log(3), 6);
  });
});

describe('edge sizes that are valid', () => {
  it('matmul with k = 0 is all zeros, also for a 3-D input times a 2-D weight (regression: reshape to [-1, 0] threw)', () => {
    expect(Array.from(matmul(f32([3, 0]), f32([0, 4])).data)).toEqual(new Array(12).fill(0));
    const y = matmul(f32([2, 3, 0]), f32([0, 4]));
    expect(y.shape).toEqual([2, 3, 4]);
    expect(Array.from(y.data)).toEqual(new Array(24).fill(0));
    expect(matmul(f32([2, 3, 0]), f32([4, 0]), { transposeB: true }).shape).toEqual([2, 3, 4]);
  });

  it('matmul with m = 0 or an empty batch gives an empty result of the right shape', () => {
    expect(matmul(f32([2, 0, 3]), f32([3, 4])).shape).toEqual([2, 0, 4]);
    expect(matmul(f32([0, 2, 3]), f32([3, 4])).shape).toEqual([0, 2, 4]);
  });
});
