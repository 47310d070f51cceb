/**
 * The Tensor: an n-dimensional array stored contiguously, row-major, in a typed array.
 *
 * A tensor also carries what reverse-mode autodiff needs (see src/autograd): `requiresGrad` marks a value
 * whose gradient we want, `gradFn` (set by ops) remembers how the tensor was computed, and after
 * `loss.backward()` every leaf that requires a gradient holds it in `grad`.
 */
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

export class Tensor {
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** The elements, row-major. Ops never change it in place, except the optimizer's parameter update. */
  data: TypedArray;
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
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.dtype = dtypeOf(data);
    this.requiresGrad = requiresGrad;
  }

  /** Number of elements. */
  get size(): number {
    return this.data.length;
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
    const build = (dim: number, offset: number): NestedArray => {
      if (dim === this.shape.length) return this.data[offset];
      const stride = sizeOf(this.shape.slice(dim + 1));
      const out: NestedArray[] = [];
      for (let i = 0; i < this.shape[dim]; i++) out.push(build(dim + 1, offset + i * stride));
      return out;
    };
    return build(0, 0);
  }

  /** A new tensor with the same values that is cut off from the graph (no gradient flows through it). */
  detach(): Tensor {
    return new Tensor(this.data, this.shape);
  }

  /** A copy with its own storage (not part of the graph). */
  clone(): Tensor {
    return new Tensor(this.data.slice(), this.shape);
  }

  /** A copy converted to another dtype (not part of the graph: use ops.cast for a differentiable one). */
  toDType(dtype: DType): Tensor {
    const out = allocate(dtype, this.size);
    if (dtype === 'int32') for (let i = 0; i < out.length; i++) out[i] = Math.trunc(this.data[i]);
    else out.set(this.data);
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
