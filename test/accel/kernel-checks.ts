/**
 * Helpers of the kernel tests that compare a backend's kernel with the core's loop.
 */
import { getBackend, setBackend } from '../../src/autograd/dispatch.ts';

/**
 * Bit-for-bit comparison of two arrays of numbers, failing on the first element that differs (Object.is:
 * NaN equals NaN, 0 and -0 differ) with its index and both values. toEqual on arrays of thousands of values
 * would build a diff of both whole arrays, which takes minutes.
 */
export function expectSameValues(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  if (got.length !== want.length) throw new Error(`${what}: ${got.length} values, expected ${want.length}`);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) throw new Error(`${what}: element ${i} is ${got[i]}, expected ${want[i]}`);
  }
}

/** `run()` with `backend` active ('reference' for the core's loops), the previous backend restored after. */
export function onBackend<T>(backend: string, run: () => T): T {
  const before = getBackend();
  setBackend(backend);
  try {
    return run();
  } finally {
    setBackend(before);
  }
}
