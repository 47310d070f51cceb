/**
 * Shared memory for the threaded kernels. Worker threads can only read and write memory they share with
 * the main thread (a SharedArrayBuffer); arrays in ordinary ArrayBuffers are copied into reusable shared
 * scratch buffers, one per role, grown when a job needs more. A kernel's scratch is free again when it
 * returns (the main thread waits for every chunk before returning), so kernels can reuse the same roles.
 */
import type { FloatArray } from '../kernels.ts';

const scratch = new Map<string, SharedArrayBuffer>();

/** A view of `size` floats at the start of the shared scratch buffer for `role`. */
export function sharedScratch(role: string, f64: boolean, size: number): FloatArray {
  const bytes = size * (f64 ? 8 : 4);
  let buf = scratch.get(role);
  if (!buf || buf.byteLength < bytes) {
    const grown = Math.max(bytes, Math.ceil((buf?.byteLength ?? 0) * 1.5));
    buf = new SharedArrayBuffer(8 * Math.ceil(grown / 8));
    scratch.set(role, buf);
  }
  return f64 ? new Float64Array(buf, 0, size) : new Float32Array(buf, 0, size);
}

export function isShared(x: FloatArray): boolean {
  return x.buffer instanceof SharedArrayBuffer;
}

/** Where an array lives in shared memory: a buffer and the element offset of the array in it. */
export interface SharedRef {
  buffer: SharedArrayBuffer;
  offset: number;
}

/** `x` itself when it is already shared, else a copy in the scratch buffer for `role`. */
export function shareOrCopy(role: string, x: FloatArray): SharedRef {
  if (isShared(x)) return { buffer: x.buffer as SharedArrayBuffer, offset: x.byteOffset / x.BYTES_PER_ELEMENT };
  const copy = sharedScratch(role, x instanceof Float64Array, x.length);
  copy.set(x);
  return { buffer: copy.buffer as SharedArrayBuffer, offset: 0 };
}

/** Shared memory for an output: `out` itself when shared, else scratch to copy back from afterwards. */
export function sharedOutput(role: string, out: FloatArray): { ref: SharedRef; view: FloatArray } {
  const view = isShared(out) ? out : sharedScratch(role, out instanceof Float64Array, out.length);
  return { ref: { buffer: view.buffer as SharedArrayBuffer, offset: view.byteOffset / view.BYTES_PER_ELEMENT }, view };
}

/** A float view of a whole shared buffer (job offsets count from its start). */
export function floatView(buffer: SharedArrayBuffer, f64: boolean): FloatArray {
  return f64 ? new Float64Array(buffer, 0, buffer.byteLength >> 3) : new Float32Array(buffer, 0, buffer.byteLength >> 2);
}

/** A view of `length` floats of a shared array at `ref`. */
export function viewOf(ref: SharedRef, f64: boolean, length: number): FloatArray {
  return f64 ? new Float64Array(ref.buffer, ref.offset * 8, length) : new Float32Array(ref.buffer, ref.offset * 4, length);
}
