/**
 * Values that a tensor keeps outside its host typed array: in the memory of an accelerator that the speed
 * layer (src/accel) manages, such as a GPU. The core needs to know only three things about them: whose they
 * are (the backend whose kernels compute on them, see autograd/dispatch.ts), how to read them back, and how
 * to replace them when the host values were written in place (an optimizer step, a loaded checkpoint).
 */
import type { DType, TypedArray } from './dtype.ts';

export interface ExternalValues {
  /** The backend that holds the values: ops on this tensor are dispatched to its kernels first. */
  readonly backend: string;
  /** Number of elements. */
  readonly size: number;
  readonly dtype: DType;
  /** Copy the values to the host (waits until they are computed). */
  read(): TypedArray;
  /** The same holder given `values` (written on the host) in place of these; returns the new holder. */
  rewrite(values: TypedArray): ExternalValues;
}
