/**
 * The Tensor: an n-dimensional array stored contiguously, row-major, in a typed array.
 *
 * The speed layer may keep a tensor's values elsewhere instead (or as well): in an accelerator's memory
 * (`external`, see external-values.ts), where the kernels that hold them compute the next op's result, so a
 * chain of ops never copies its intermediate values back. Reading `data` of such a tensor copies its values
 * to the host once (and keeps that copy), so every op of the core still works on it.
 *
 * A tensor also carries what reverse-mode autodiff needs (see src/autograd): `requiresGrad` marks a value
 * whose gradient we want, `gradFn` (set by ops) remembers how the tensor was computed, and after
 * `loss.backward()` every leaf that requires a gradient holds it in `grad`.
 */
import type { ExternalValues } from './external-values.ts';
import { allocate, dtypeOf, type DType, type TypedArray } from './dtype.ts';
import { shapeToString, sizeOf, validateShape, type Shape } from './shape.ts';

/** How a tensor was computed: the op's inputs and the function that maps d(loss)/d(output) to d(loss)/d(inputs). */
export interface GradFn {
  /** Name of the op, for error messages and graph dumps. */
  name: string;
  inputs: Tensor[];
  /** Given the gradient of the output, return one gradient per input (null where an input needs none). */
  backward: (gradOutput: Tensor) => (Tensor | null)[];
}

/** Nested JavaScript arrays of numbers, as `tensor([[1, 2], [3, 4]])` takes them. */
export type NestedArray = number | NestedArray[];

/** A zero-length array of each dtype: Tensor.fromExternal's stand-in for host data (one, not one per tensor). */
const EMPTY: Record<DType, TypedArray> = { float32: new Float32Array(0), float64: new Float64Array(0), int32: new Int32Array(0) };

export class Tensor {
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** Number of elements. */
  readonly size: number;
  /** The elements on the host, or null while they are only held elsewhere (see `data`). */
  private hostData: TypedArray | null;
  /** The elements held by the speed layer (an accelerator's memory), when it computed or placed them; else null. */
  external: ExternalValues | null = null;
  /** Whether backward() should compute d(loss)/d(this). */
  requiresGrad: boolean;
  /** The accumulated gradient of a leaf after backward(); null until then. */
  grad: Tensor | null = null;
  /** Set by the op that produced this tensor while gradients are recorded; null for leaves. */
  gradFn: GradFn | null = null;
  /** Set once backward() has consumed this tensor's graph and released its saved buffers. */
  graphReleased = false;
  /** Optional name (parameters carry their Hugging Face name). */
  name?: string;

  /**
   * Wrap a typed array as a tensor of `shape`. The data is used as is (not copied).
   * @param data typed array of exactly prod(shape) elements; its type decides the dtype.
   */
  constructor(data: TypedArray, shape: Shape, requiresGrad = false) {
    validateShape(shape, 'Tensor');
    const size = sizeOf(shape);
    if (data.length !== size) {
      throw new Error(`Tensor: shape ${shapeToString(shape)} needs ${size} elements, the data has ${data.length}`);
    }
    this.hostData = data;
    this.shape = Object.freeze([...shape]);
    this.size = size;
    this.dtype = dtypeOf(data);
    this.requiresGrad = requiresGrad;
  }

  /**
   * A tensor whose values are held elsewhere only (an op's result in an accelerator's memory). `data`
   * copies them to the host on first use.
   */
  static fromExternal(storage: ExternalValues, shape: Shape, dtype: DType): Tensor {
    validateShape(shape, 'Tensor.fromExternal');
    if (storage.size !== sizeOf(shape)) {
      throw new Error(`Tensor.fromExternal: shape ${shapeToString(shape)} needs ${sizeOf(shape)} elements, the ${storage.backend} buffer has ${storage.size}`);
    }
    // Made by the constructor (so that every tensor has the same fields in the same order, which keeps
    // property reads in the hot loops fast), then pointed at the external values instead of host data.
    const t = new Tensor(EMPTY[dtype], [0]);
    const fields = t as unknown as { shape: readonly number[]; size: number; hostData: TypedArray | null };
    fields.shape = Object.freeze([...shape]);
    fields.size = storage.size;
    fields.hostData = null;
    t.external = storage;
    return t;
  }

  /**
   * The elements, row-major. Ops never change them in place, except the optimizer's parameter update (which
   * then calls `markHostChanged`). For a tensor whose values are held elsewhere only, the first read copies
   * them here (a synchronous wait for whoever computes them).
   */
  get data(): TypedArray {
    if (this.hostData === null) this.hostData = this.external!.read();
    return this.hostData;
  }

  /** Whether the values are on the host already (reading `data` costs no copy). */
  get isOnHost(): boolean {
    return this.hostData !== null;
  }

  /**
   * New values for this tensor, computed where its values are held (an optimizer step there): the host copy
   * is dropped and `data` reads the new values back when it is next used.
   */
  setExternalValues(storage: ExternalValues): void {
    if (storage.size !== this.size || storage.dtype !== this.dtype) {
      throw new Error(
        `setExternalValues: tensor ${shapeToString(this.shape)} ${this.dtype} cannot take a ${storage.backend} buffer of ${storage.size} ${storage.dtype} values`,
      );
    }
    this.external = storage;
    this.hostData = null;
  }

  /**
   * Call after writing into `data` in place: a copy held elsewhere would now be stale, so its holder is given
   * the new values.
   */
  markHostChanged(): void {
    if (this.hostData === null) throw new Error('markHostChanged: the tensor has no host values to have changed (read data first)');
    if (this.external !== null) this.external = this.external.rewrite(this.hostData);
  }

  /** Number of dimensions. */
  get rank(): number {
    return this.shape.length;
  }

  /** True for tensors made by the user (parameters, inputs) rather than by an op. */
  get isLeaf(): boolean {
    return this.gradFn === null && !this.graphReleased;
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new Error(`item: expected a tensor with one element, got shape ${shapeToString(this.shape)}`);
    return this.data[0];
  }

  /** The elements as nested JavaScript arrays (a number for a scalar). */
  toArray(): NestedArray {
    const data = this.data;
    const build = (dim: number, offset: number): NestedArray => {
      if (dim === this.shape.length) return data[offset];
      const stride = sizeOf(this.shape.slice(dim + 1));
      const out: NestedArray[] = [];
      for (let i = 0; i < this.shape[dim]; i++) out.push(build(dim + 1, offset + i * stride));
      return out;
    };
    return build(0, 0);
  }

  /**
   * The same values viewed in another shape of the same size, sharing the storage (host, external or both):
   * what reshape does to a contiguous tensor. Not part of the graph.
   */
  withShape(shape: Shape): Tensor {
    if (sizeOf(shape) !== this.size)
      throw new Error(`withShape: ${shapeToString(this.shape)} has ${this.size} elements, ${shapeToString(shape)} needs ${sizeOf(shape)}`);
    if (this.hostData === null) return Tensor.fromExternal(this.external!, shape, this.dtype);
    const t = new Tensor(this.hostData, shape);
    t.external = this.external;
    return t;
  }

  /** A new tensor with the same values that is cut off from the graph (no gradient flows through it). */
  detach(): Tensor {
    return this.withShape(this.shape);
  }

  /** A copy with its own storage (not part of the graph). */
  clone(): Tensor {
    return new Tensor(this.data.slice(), this.shape);
  }

  /** A copy converted to another dtype (not part of the graph: use ops.cast for a differentiable one). */
  toDType(dtype: DType): Tensor {
    const out = allocate(dtype, this.size);
    const data = this.data;
    if (dtype === 'int32') for (let i = 0; i < out.length; i++) out[i] = Math.trunc(data[i]);
    else out.set(data);
    return new Tensor(out, this.shape);
  }

  /**
   * Reverse-mode autodiff from this tensor: fills `.grad` of every leaf that requires a gradient.
   * @param gradOutput d(loss)/d(this); may be omitted for a one-element tensor (it is then 1).
   */
  backward(gradOutput?: Tensor): void {
    if (!backwardImpl) throw new Error('backward: the autograd module is not loaded (import from src/index.ts)');
    backwardImpl(this, gradOutput);
  }

  toString(): string {
    const values = this.size <= 20 ? JSON.stringify(this.toArray()) : `${this.size} values`;
    return `Tensor(${shapeToString(this.shape)}, ${this.dtype}${this.requiresGrad ? ', requiresGrad' : ''}: ${values})`;
  }
}

/**
 * The autograd engine registers itself here when it is loaded, so that `tensor.backward()` can call it
 * without this file importing the autograd layer, which is built on top of it.
 */
let backwardImpl: ((root: Tensor, gradOutput?: Tensor) => void) | null = null;
export function setBackwardImplementation(fn: (root: Tensor, gradOutput?: Tensor) => void): void {
  backwardImpl = fn;
}
