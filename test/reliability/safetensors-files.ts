/**
 * Building safetensors files byte by byte for the reliability tests: a header given as raw text (so that it can
 * hold what no writer would produce) and a data section.
 */
import { expect } from 'vitest';
import { readSafetensors, SafetensorsError } from '../../src/io/index.ts';

/** A file from raw header text (or bytes) and data bytes; `length` overrides the header length field. */
export function fileBytes(header: string | Uint8Array, data: number | Uint8Array = 0, length?: bigint): Uint8Array {
  const json = typeof header === 'string' ? new TextEncoder().encode(header) : header;
  const body = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + json.byteLength + body.byteLength);
  new DataView(out.buffer).setBigUint64(0, length ?? BigInt(json.byteLength), true);
  out.set(json, 8);
  out.set(body, 8 + json.byteLength);
  return out;
}

/** Read `bytes` as 'bad.safetensors' and return the error (failing the test when there is none, or another kind). */
export function readError(bytes: Uint8Array): SafetensorsError {
  let caught: unknown;
  try {
    readSafetensors(bytes, 'bad.safetensors');
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(SafetensorsError);
  const msg = (caught as Error).message;
  expect(msg.startsWith('bad.safetensors: ')).toBe(true);
  return caught as SafetensorsError;
}

/** Expect reading `bytes` to fail with a message matching `message`. */
export function expectRefused(bytes: Uint8Array, message: RegExp): void {
  expect(readError(bytes).message).toMatch(message);
}
