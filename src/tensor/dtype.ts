/**
 * Element types. float32 is the working type; float64 exists so gradients can be checked by finite
 * differences to 1e-6; int32 holds token ids, labels and indices.
 */
export type DType = 'float32' | 'float64' | 'int32';

/** The typed array that stores each dtype. */
export type TypedArray = Float32Array | Float64Array | Int32Array;

/** The most elements one typed array may have in Node 20's V8 (any element type). */
const MAX_ELEMENTS = 2 ** 32 - 1;

/**
 * Allocate a zero-filled array of `size` elements of `dtype`. A size the engine refuses, or memory that
 * runs out, is an error that names the size and dtype.
 */
export function allocate(dtype: DType, size: number): TypedArray {
  try {
    switch (dtype) {
      case 'float32':
        return new Float32Array(size);
      case 'float64':
        return new Float64Array(size);
      case 'int32':
        return new Int32Array(size);
    }
  } catch (e) {
    // The engine's message ("Invalid typed array length" / "Array buffer allocation failed") names neither
    // the size in bytes nor the limit.
    const bytes = size * (dtype === 'float64' ? 8 : 4);
    throw new Error(
      `cannot allocate ${size} ${dtype} elements (${(bytes / 2 ** 30).toFixed(2)} GiB): ${(e as Error).message}. ` +
        `A typed array holds at most ${MAX_ELEMENTS} elements here, and memory may run out sooner`,
    );
  }
  throw new Error(`unknown dtype "${String(dtype)}"; expected float32, float64 or int32`);
}

/** The dtype that a typed array stores. */
export function dtypeOf(data: TypedArray): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int32Array) return 'int32';
  throw new Error('expected a Float32Array, Float64Array or Int32Array');
}

export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}
