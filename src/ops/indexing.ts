/**
 * Selecting by index: indexSelect (rows of a table), gather (PyTorch's torch.gather), embedding lookup.
 *
 * Reading x[idx] copies values; several outputs may read the same input element (a token that appears twice),
 * so the backward pass is a scatter-add: each output gradient is added into the input position it came from.
 */
import { record } from '../autograd/record.ts';
import { deviceGatherRows, deviceOf, hostValuesChanged, onDevice, type TensorDevice } from '../accel/device.ts';
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
  const device = outer === 1 && count > 0 && inner > 0 ? deviceOf(x) : null;
  if (device) return selectRowsOnDevice(device, op, x, indices, n, inner);
  const out = allocate(x.dtype, outer * count * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < count; i++) {
      const src = (o * n + idx[i]) * inner;
      out.set(x.data.subarray(src, src + inner), (o * count + i) * inner);
    }
  }
  const shape = [...x.shape.slice(0, a), ...indices.shape, ...x.shape.slice(a + 1)];
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
  const device = ids.size > 0 && weight.shape[1] > 0 ? deviceOf(weight) : null;
  if (device) return selectRowsOnDevice(device, 'embedding', weight, ids, vocab, weight.shape[1], paddingIdx);
  const out = indexSelect(weight, 0, ids, 'embedding');
  if (paddingIdx === undefined || out.gradFn === null) return out;
  // Wrap the backward so the padding row's gradient is zeroed.
  const fn = out.gradFn;
  const hidden = weight.shape[1];
  out.gradFn = {
    ...fn,
    backward: (g) => {
      const [gw] = fn.backward(g);
      if (gw) {
        gw.data.fill(0, paddingIdx * hidden, (paddingIdx + 1) * hidden);
        hostValuesChanged(gw); // written in place: a device copy would be stale
      }
      return [gw];
    },
  };
  return out;
}

/**
 * Rows of x [n, ...] picked by host indices, on a device; the backward adds each picked row's gradient into
 * its row there (a padding row's gradient stays zero). The output has shape [...indices, ...x.shape[1:]].
 */
function selectRowsOnDevice(device: TensorDevice, op: string, x: Tensor, indices: Tensor, n: number, inner: number, paddingIdx?: number): Tensor {
  const { out, backward } = deviceGatherRows(device, onDevice(x, device), indices.data, n, inner, paddingIdx);
  const shape = [...indices.shape, ...x.shape.slice(1)];
  return record(Tensor.onDevice(out, shape, x.dtype), [x], op, (g) => [Tensor.onDevice(backward(onDevice(g, device)), x.shape, x.dtype)]);
}
