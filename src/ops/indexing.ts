/**
 * Selecting by index: indexSelect (rows of a table), gather (PyTorch's torch.gather), embedding lookup.
 *
 * Reading x[idx] copies values; several outputs may read the same input element (a token that appears twice),
 * so the backward pass is a scatter-add: each output gradient is added into the input position it came from.
 */
import { dispatch } from '../autograd/dispatch.ts';
import { record, recordResult, type OpResult } from '../autograd/record.ts';
import { allocate } from '../tensor/dtype.ts';
import { normalizeAxis, shapeToString, sizeOf } from '../tensor/shape.ts';
import { Tensor } from '../tensor/tensor.ts';
import { assertInt, assertRank, assertTensor } from './checks.ts';

/**
 * Pick entries along `axis` by `indices` (any shape).
 * @param x [...before, n, ...after]
 * @param indices int32, values in [0, n)
 * @returns [...before, ...indices.shape, ...after]
 */
export function indexSelect(x: Tensor, axis: number, indices: Tensor, op = 'indexSelect'): Tensor {
  assertTensor(op, x);
  assertInt(op, indices);
  const a = normalizeAxis(axis, x.rank, op);
  const n = x.shape[a];
  const outer = sizeOf(x.shape.slice(0, a));
  const inner = sizeOf(x.shape.slice(a + 1));
  const idx = indices.data;
  for (let i = 0; i < idx.length; i++) {
    if (idx[i] < 0 || idx[i] >= n) {
      throw new Error(`${op}: index ${idx[i]} at position ${i} of the indices is out of range [0, ${n}) for axis ${axis} of shape ${shapeToString(x.shape)}`);
    }
  }
  const count = idx.length;
  const shape = [...x.shape.slice(0, a), ...indices.shape, ...x.shape.slice(a + 1)];
  // Rows of a table (nothing before the axis): the kernel 'gatherRows', which the speed layer offers.
  if (outer === 1)
    return recordResult(dispatch('gatherRows', { table: x, ids: indices }, { rows: n, shape, paddingIdx: undefined }, gatherRowsReference), [x], op);
  const out = allocate(x.dtype, outer * count * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < count; i++) {
      const src = (o * n + idx[i]) * inner;
      out.set(x.data.subarray(src, src + inner), (o * count + i) * inner);
    }
  }
  return record(new Tensor(out, shape), [x], op, (g) => {
    const gx = allocate(g.dtype, x.size);
    const gd = g.data;
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < count; i++) {
        const dst = (o * n + idx[i]) * inner;
        const src = (o * count + i) * inner;
        for (let j = 0; j < inner; j++) gx[dst + j] += gd[src + j];
      }
    }
    return [new Tensor(gx, x.shape)];
  });
}

/**
 * torch.gather: out[i0..., j, ...] = x[i0..., index[i0..., j, ...], ...] along `axis`.
 * `index` has x's rank and the same sizes as x on every other axis.
 */
export function gather(x: Tensor, axis: number, index: Tensor): Tensor {
  assertTensor('gather', x);
  assertInt('gather', index, 'index');
  const a = normalizeAxis(axis, x.rank, 'gather');
  if (index.rank !== x.rank || index.shape.some((d, i) => i !== a && d !== x.shape[i])) {
    throw new Error(`gather: index shape ${shapeToString(index.shape)} must match the input ${shapeToString(x.shape)} on every axis but ${axis}`);
  }
  const n = x.shape[a];
  const m = index.shape[a];
  const outer = sizeOf(x.shape.slice(0, a));
  const inner = sizeOf(x.shape.slice(a + 1));
  const out = allocate(x.dtype, index.size);
  const src = new Int32Array(index.size); // flat input position of each output, for the backward pass
  const xd = x.data;
  const id = index.data;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      for (let i = 0; i < inner; i++) {
        const p = (o * m + j) * inner + i;
        const k = id[p];
        if (k < 0 || k >= n) throw new Error(`gather: index ${k} at flat position ${p} is out of range [0, ${n}) for axis ${axis}`);
        src[p] = (o * n + k) * inner + i;
        out[p] = xd[src[p]];
      }
    }
  }
  return record(new Tensor(out, index.shape), [x], 'gather', (g) => {
    const gx = allocate(g.dtype, x.size);
    const gd = g.data;
    for (let p = 0; p < src.length; p++) gx[src[p]] += gd[p];
    return [new Tensor(gx, x.shape)];
  });
}

/**
 * Embedding lookup: row ids[...] of the table.
 * @param weight [vocab, hidden]
 * @param ids int32 [...], each in [0, vocab)
 * @param paddingIdx if given, that row receives no gradient (as nn.Embedding(padding_idx=...))
 * @returns [..., hidden]
 */
export function embedding(weight: Tensor, ids: Tensor, paddingIdx?: number): Tensor {
  assertTensor('embedding', weight, 'weight');
  assertRank('embedding', weight, 2, 'weight');
  assertInt('embedding', ids, 'ids');
  const vocab = weight.shape[0];
  if (paddingIdx !== undefined && !(Number.isInteger(paddingIdx) && paddingIdx >= 0 && paddingIdx < vocab)) {
    throw new Error(`embedding: paddingIdx ${paddingIdx} is outside the table [0, ${vocab})`);
  }
  const idData = ids.data;
  for (let i = 0; i < ids.size; i++) {
    const id = idData[i];
    if (id < 0 || id >= vocab) {
      throw new Error(`embedding: id ${id} at position ${i} of ids ${shapeToString(ids.shape)} is outside the table [0, ${vocab})`);
    }
  }
  const shape = [...ids.shape, weight.shape[1]];
  return recordResult(dispatch('gatherRows', { table: weight, ids }, { rows: vocab, shape, paddingIdx }, gatherRowsReference), [weight], 'embedding');
}

/** The attributes of kernel 'gatherRows'. */
export interface GatherRowsAttrs {
  /** The number of rows of the table. */
  rows: number;
  /** The result's shape. */
  shape: number[];
  /** A row whose gradient stays zero (an embedding's padding row), or undefined. */
  paddingIdx: number | undefined;
}

/**
 * The reference of kernel 'gatherRows': out[r] = table[ids[r]] for a table of `rows` rows (any shape of that
 * many rows times the row length; the result has `shape`); the backward adds each output row's gradient
 * into the table row it came from (a scatter-add), except into the padding row, whose gradient stays zero.
 */
export function gatherRowsReference({ table, ids }: { table: Tensor; ids: Tensor }, { rows, shape, paddingIdx }: GatherRowsAttrs): OpResult {
  const inner = rows === 0 ? 0 : table.size / rows;
  const idx = ids.data;
  const count = idx.length;
  const out = allocate(table.dtype, count * inner);
  const td = table.data;
  for (let i = 0; i < count; i++) out.set(td.subarray(idx[i] * inner, (idx[i] + 1) * inner), i * inner);
  // [docs: embedding-backward] Scatter-add: row ids[i] of the table's gradient gets output row i's gradient.
  const backward = (g: Tensor): Tensor[] => {
    const gt = allocate(g.dtype, table.size);
    const gd = g.data;
    for (let i = 0; i < count; i++) {
      if (idx[i] === paddingIdx) continue;
      const dst = idx[i] * inner;
      const src = i * inner;
      for (let j = 0; j < inner; j++) gt[dst + j] += gd[src + j];
    }
    return [new Tensor(gt, table.shape)];
  };
  return { output: new Tensor(out, shape), backward };
}
