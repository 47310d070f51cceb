/**
 * Shape ops: reshape, broadcastTo, permute/transpose, slice, concat, stack, squeeze/unsqueeze.
 * Reshape shares storage (a contiguous tensor's elements do not move); the others copy.
 */
import { record } from '../autograd/record.ts';
import { dispatch } from '../autograd/dispatch.ts';
import { recordResult, type OpResult } from '../autograd/record.ts';
import { allocate } from '../tensor/dtype.ts';
import { broadcastShapes, broadcastStrides, normalizeAxis, sameShape, shapeToString, sizeOf, stridesOf, type Shape } from '../tensor/shape.ts';
import { Tensor } from '../tensor/tensor.ts';
import { assertTensor } from './checks.ts';
import { sumToShape } from './elementwise.ts';

/** The same elements in a new shape; one dimension may be -1 (inferred). Shares storage. */
export function reshape(x: Tensor, shape: Shape): Tensor {
  assertTensor('reshape', x);
  const target = [...shape];
  if (!target.every((d) => Number.isInteger(d) && d >= -1)) {
    throw new Error(`reshape: cannot reshape ${shapeToString(x.shape)} to ${shapeToString(shape)}: sizes must be non-negative integers (one may be -1)`);
  }
  const inferred = target.indexOf(-1);
  if (inferred >= 0) {
    if (target.indexOf(-1, inferred + 1) >= 0) throw new Error(`reshape: only one dimension may be -1, got ${shapeToString(shape)}`);
    const known = sizeOf(target.filter((_, i) => i !== inferred));
    if (known === 0 || x.size % known !== 0) {
      throw new Error(`reshape: cannot reshape ${shapeToString(x.shape)} (${x.size} elements) to ${shapeToString(shape)}`);
    }
    target[inferred] = x.size / known;
  }
  if (sizeOf(target) !== x.size) {
    throw new Error(`reshape: cannot reshape ${shapeToString(x.shape)} (${x.size} elements) to ${shapeToString(shape)} (${sizeOf(target)} elements)`);
  }
  if (sameShape(target, x.shape)) return x;
  const out = x.withShape(target);
  return record(out, [x], 'reshape', (g) => [g.withShape(x.shape)]);
}

/**
 * Repeat `x` along broadcast dimensions to `shape` (a copy). The gradient sums back.
 * `shape` must hold non-negative integers (no -1 here, unlike reshape); this is checked before anything is
 * allocated, so a bad size is named in the error instead of surfacing as a typed-array RangeError.
 */
export function broadcastTo(x: Tensor, shape: Shape): Tensor {
  assertTensor('broadcastTo', x);
  if (!Array.isArray(shape)) throw new Error(`broadcastTo: expected a shape (array of sizes) for input ${shapeToString(x.shape)}, got ${String(shape)}`);
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new Error(`broadcastTo: cannot broadcast ${shapeToString(x.shape)} to ${shapeToString(shape)}: sizes must be non-negative integers`);
  }
  const full = broadcastShapes(x.shape, shape, 'broadcastTo');
  if (!sameShape(full, shape)) throw new Error(`broadcastTo: ${shapeToString(x.shape)} does not broadcast to ${shapeToString(shape)}`);
  if (sameShape(x.shape, shape)) return x;
  const out = allocate(x.dtype, sizeOf(shape));
  const strides = broadcastStrides(x.shape, shape);
  const index = new Array<number>(shape.length).fill(0);
  const xd = x.data;
  let off = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = xd[off];
    for (let d = shape.length - 1; d >= 0; d--) {
      index[d]++;
      off += strides[d];
      if (index[d] < shape[d]) break;
      off -= strides[d] * shape[d];
      index[d] = 0;
    }
  }
  return record(new Tensor(out, shape), [x], 'broadcastTo', (g) => [sumToShape(g, x.shape)]);
}

/** Reorder dimensions: output dimension i is input dimension dims[i]. */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  assertTensor('permute', x);
  if (dims.length !== x.rank) throw new Error(`permute: expected ${x.rank} dimensions for shape ${shapeToString(x.shape)}, got [${dims.join(',')}]`);
  const perm = dims.map((d) => normalizeAxis(d, x.rank, 'permute'));
  if (new Set(perm).size !== perm.length) throw new Error(`permute: [${dims.join(',')}] is not a permutation`);
  if (perm.every((d, i) => d === i)) return x;
  const inStrides = stridesOf(x.shape);
  const shape = perm.map((d) => x.shape[d]);
  const strides = perm.map((d) => inStrides[d]); // input stride of each output dimension
  const inverse = new Array<number>(perm.length);
  perm.forEach((d, i) => (inverse[d] = i));
  const y = dispatch('permute', { x }, { shape, strides }, permuteReference);
  return record(y, [x], 'permute', (g) => [permute(g, inverse)]);
}

/**
 * The reference of kernel 'permute': out has `shape`, and strides[i] is the input's stride of the
 * dimension that became output dimension i.
 */
function permuteReference({ x }: { x: Tensor }, { shape, strides }: { shape: number[]; strides: number[] }): Tensor {
  const out = allocate(x.dtype, x.size);
  const rank = shape.length;
  const index = new Array<number>(rank).fill(0);
  const inner = rank ? shape[rank - 1] : 1;
  const innerStride = rank ? strides[rank - 1] : 0;
  const xd = x.data;
  let off = 0;
  for (let o = 0; o < out.length; o += inner) {
    for (let j = 0; j < inner; j++) out[o + j] = xd[off + j * innerStride];
    for (let d = rank - 2; d >= 0; d--) {
      index[d]++;
      off += strides[d];
      if (index[d] < shape[d]) break;
      off -= strides[d] * shape[d];
      index[d] = 0;
    }
  }
  return new Tensor(out, shape);
}

/** Swap two dimensions (the last two by default). */
export function transpose(x: Tensor, dim0 = -2, dim1 = -1): Tensor {
  assertTensor('transpose', x);
  const a = normalizeAxis(dim0, x.rank, 'transpose');
  const b = normalizeAxis(dim1, x.rank, 'transpose');
  const perm = Array.from({ length: x.rank }, (_, i) => i);
  perm[a] = b;
  perm[b] = a;
  return permute(x, perm);
}

/**
 * Elements start..end-1 along `axis` (negative indices count from the end, like Python).
 * The gradient is written back into a zero tensor of the input's shape.
 */
export function slice(x: Tensor, axis: number, start: number, end?: number): Tensor {
  assertTensor('slice', x);
  const a = normalizeAxis(axis, x.rank, 'slice');
  const n = x.shape[a];
  const s = start < 0 ? start + n : start;
  const e = end === undefined ? n : end < 0 ? end + n : end;
  if (!(Number.isInteger(s) && Number.isInteger(e) && s >= 0 && e <= n && s <= e)) {
    throw new Error(`slice: range [${start}, ${end ?? n}) is out of bounds for axis ${axis} of size ${n} (shape ${shapeToString(x.shape)})`);
  }
  const outer = sizeOf(x.shape.slice(0, a));
  const inner = sizeOf(x.shape.slice(a + 1));
  const len = e - s;
  const shape = [...x.shape];
  shape[a] = len;
  return recordResult(dispatch('slice', { x }, { outer, n, len, inner, start: s, shape }, sliceReference), [x], 'slice');
}

/** The attributes of kernel 'slice': x is [outer, n, inner] and the result [outer, len, inner] from `start`. */
export interface SliceAttrs {
  outer: number;
  n: number;
  len: number;
  inner: number;
  start: number;
  /** The result's shape. */
  shape: number[];
}

/** The reference of kernel 'slice': the rows start..start+len-1 of each outer block; the backward puts them back. */
function sliceReference({ x }: { x: Tensor }, { outer, n, len, inner, start, shape }: SliceAttrs): OpResult {
  const out = allocate(x.dtype, outer * len * inner);
  for (let o = 0; o < outer; o++) {
    out.set(x.data.subarray((o * n + start) * inner, (o * n + start + len) * inner), o * len * inner);
  }
  const backward = (g: Tensor): Tensor[] => {
    const gx = allocate(g.dtype, x.size);
    for (let o = 0; o < outer; o++) gx.set(g.data.subarray(o * len * inner, (o + 1) * len * inner), (o * n + start) * inner);
    return [new Tensor(gx, x.shape)];
  };
  return { output: new Tensor(out, shape), backward };
}

/** Join tensors along an existing axis; all other dimensions must agree. */
export function concat(tensors: Tensor[], axis = 0): Tensor {
  if (tensors.length === 0) throw new Error('concat: expected at least one tensor');
  tensors.forEach((t, i) => assertTensor('concat', t, `tensor ${i}`));
  const first = tensors[0];
  const a = normalizeAxis(axis, first.rank, 'concat');
  for (const [i, t] of tensors.entries()) {
    if (t.dtype !== first.dtype) throw new Error(`concat: tensor ${i} is ${t.dtype}, tensor 0 is ${first.dtype}`);
    const ok = t.rank === first.rank && t.shape.every((d, k) => k === a || d === first.shape[k]);
    if (!ok) throw new Error(`concat: tensor ${i} has shape ${shapeToString(t.shape)}, incompatible with ${shapeToString(first.shape)} along axis ${axis}`);
  }
  const outer = sizeOf(first.shape.slice(0, a));
  const inner = sizeOf(first.shape.slice(a + 1));
  const total = tensors.reduce((n, t) => n + t.shape[a], 0);
  const shape = [...first.shape];
  shape[a] = total;
  const out = allocate(first.dtype, outer * total * inner);
  let offset = 0;
  for (const t of tensors) {
    const len = t.shape[a];
    for (let o = 0; o < outer; o++) out.set(t.data.subarray(o * len * inner, (o + 1) * len * inner), (o * total + offset) * inner);
    offset += len;
  }
  const starts: number[] = [];
  tensors.reduce((s, t) => (starts.push(s), s + t.shape[a]), 0);
  return record(new Tensor(out, shape), tensors, 'concat', (g) =>
    tensors.map((t, i) => (t.requiresGrad ? slice(g, a, starts[i], starts[i] + t.shape[a]) : null)),
  );
}

/** Insert a dimension of size 1 at `axis`. */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  assertTensor('unsqueeze', x);
  const a = normalizeAxis(axis, x.rank + 1, 'unsqueeze');
  const shape = [...x.shape];
  shape.splice(a, 0, 1);
  return reshape(x, shape);
}

/** Remove a dimension of size 1 at `axis`. */
export function squeeze(x: Tensor, axis: number): Tensor {
  assertTensor('squeeze', x);
  const a = normalizeAxis(axis, x.rank, 'squeeze');
  if (x.shape[a] !== 1) throw new Error(`squeeze: axis ${axis} of shape ${shapeToString(x.shape)} has size ${x.shape[a]}, not 1`);
  return reshape(
    x,
    x.shape.filter((_, i) => i !== a),
  );
}

/** Join same-shape tensors along a new axis. */
export function stack(tensors: Tensor[], axis = 0): Tensor {
  if (tensors.length === 0) throw new Error('stack: expected at least one tensor');
  const first = tensors[0];
  for (const [i, t] of tensors.entries()) {
    assertTensor('stack', t, `tensor ${i}`);
    if (!sameShape(t.shape, first.shape)) throw new Error(`stack: tensor ${i} has shape ${shapeToString(t.shape)}, tensor 0 has ${shapeToString(first.shape)}`);
  }
  return concat(
    tensors.map((t) => unsqueeze(t, axis)),
    axis,
  );
}

/** Flatten to 1-D (shares storage). */
export function flatten(x: Tensor): Tensor {
  assertTensor('flatten', x);
  return reshape(x, [x.size]);
}
