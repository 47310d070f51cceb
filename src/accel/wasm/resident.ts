/**
 * Wasm memory that outlives one product: the panels of prepacked weights (prepacked-weights.ts).
 *
 * The memory holds, in order: the thread control block, the resident regions, then the scratch space of the
 * product being computed (packed A and B, padded C; matmul.ts lays it out from `scratchBase()`). Regions are
 * handed out at the end of the resident part and never move; a freed region is kept on a free list and given
 * again to the next request of the same size (the weights of a model come in a few sizes, so prepacking a
 * second model of the same shape reuses the first one's regions). Wasm memory cannot shrink.
 */
import { heapF32 } from './module.ts';

/** Bytes at the start of memory kept for the thread control block (threads.ts, matmul.wat). */
export const CONTROL_BYTES = 256;

let residentEnd = CONTROL_BYTES;
const freeBySize = new Map<number, number[]>();

/** Where a product's scratch space starts: after the control block and every resident region. */
export function scratchBase(): number {
  return residentEnd;
}

/** Bytes of resident regions handed out now (freed ones included: the memory stays reserved). */
export function residentBytes(): number {
  return residentEnd - CONTROL_BYTES;
}

/** A resident region of `bytes` bytes (a multiple of 16, as panels are): its byte address. */
export function allocateResident(bytes: number): number {
  if (!(Number.isInteger(bytes) && bytes > 0 && bytes % 16 === 0)) {
    throw new Error(`allocateResident: expected a positive multiple of 16 bytes, got ${bytes}`);
  }
  const reused = freeBySize.get(bytes)?.pop();
  if (reused !== undefined) return reused;
  const at = residentEnd;
  heapF32(at + bytes); // grows the memory, or throws naming its maximum
  residentEnd = at + bytes;
  return at;
}

/** Give a region back (its address and size as allocated); the next request of that size takes it. */
export function freeResident(address: number, bytes: number): void {
  const list = freeBySize.get(bytes) ?? [];
  if (list.includes(address)) throw new Error(`freeResident: the region at ${address} is already free`);
  list.push(address);
  freeBySize.set(bytes, list);
}
