/**
 * Shape arithmetic: sizes, row-major strides, broadcasting and axis normalisation.
 * Tensors are always contiguous and row-major: element [i0, i1, ..., in] of shape [d0, ..., dn] lives at
 * offset sum_k i_k * stride_k with stride_k = d_{k+1} * ... * d_n.
 */
export type Shape = readonly number[];

/** Number of elements: the product of the dimensions (1 for a scalar, shape []). */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides of a contiguous tensor. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

export function shapeToString(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Check that a shape is a list of non-negative integers. */
export function validateShape(shape: Shape, what: string): void {
  if (!Array.isArray(shape)) throw new Error(`${what}: expected a shape (array of sizes), got ${String(shape)}`);
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new Error(`${what}: shape ${shapeToString(shape)} must hold non-negative integers`);
    }
  }
}

/**
 * Broadcast two shapes NumPy-style: align from the right; each pair of sizes must be equal or one of them 1.
 * broadcastShapes([2,1,4], [3,1]) = [2,3,4].
 */
export function broadcastShapes(a: Shape, b: Shape, op: string): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(
        `${op}: shapes ${shapeToString(a)} and ${shapeToString(b)} cannot be broadcast (dimension ${i} from the left of the result: ${da} vs ${db})`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * Strides for reading a tensor of `shape` as if it had the (larger) broadcast shape `target`:
 * dimensions of size 1 that are stretched get stride 0, and missing leading dimensions too.
 */
export function broadcastStrides(shape: Shape, target: Shape): number[] {
  const own = stridesOf(shape);
  const out = new Array<number>(target.length).fill(0);
  const offset = target.length - shape.length;
  for (let i = 0; i < shape.length; i++) out[i + offset] = shape[i] === 1 ? 0 : own[i];
  return out;
}

/**
 * Turn a possibly negative axis into 0..rank-1, with an error naming the op if it is out of range.
 * A scalar (rank 0) has no axes, so every axis is out of range for it.
 */
export function normalizeAxis(axis: number, rank: number, op: string): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new Error(`${op}: axis ${axis} is out of range for a tensor of rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Normalise a list of axes (undefined means all), sorted ascending and without repeats. */
export function normalizeAxes(axes: number | readonly number[] | undefined, rank: number, op: string): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : axes;
  const out = list.map((a) => normalizeAxis(a, rank, op));
  if (new Set(out).size !== out.length) throw new Error(`${op}: repeated axis in [${list.join(',')}]`);
  return out.sort((x, y) => x - y);
}
