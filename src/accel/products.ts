/**
 * Each backend's matrix product over plain arrays (MatmulArgs), the loop behind its 'matmul' kernel:
 * benchmarks and tests of the kernels call these directly, without tensors around them.
 */
import { getBackend } from '../autograd/dispatch.ts';
import type { MatmulArgs } from '../ops/matmul.ts';

const products = new Map<string, (args: MatmulArgs) => void>();

/** Record `product` as backend `backend`'s array product (again: replaced, as a backend re-registered in another mode). */
export function registerProduct(backend: string, product: (args: MatmulArgs) => void): void {
  products.set(backend, product);
}

/** The array product of `backend` (default: the active one), or the cpu backend's when it has none. */
export function matmulProduct(backend = getBackend()): (args: MatmulArgs) => void {
  const product = products.get(backend) ?? products.get('cpu');
  if (!product) throw new Error(`matmulProduct: no product registered for "${backend}" nor for cpu (import src/accel/index.ts)`);
  return product;
}
