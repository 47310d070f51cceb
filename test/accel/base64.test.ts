import { describe, expect, it } from 'vitest';
import { decodeBase64 } from '../../src/accel/wasm/base64.ts';
import { MATMUL_WASM_BASE64 } from '../../src/accel/wasm/matmul-wasm.ts';

describe('decodeBase64 (no Buffer, for the browser)', () => {
  it('agrees with Buffer on every length modulo 3 and on the wasm kernel', () => {
    for (const n of [0, 1, 2, 3, 4, 5, 255, 256, 1000]) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 131 + 7) & 0xff);
      const text = Buffer.from(bytes).toString('base64');
      expect(decodeBase64(text)).toEqual(bytes);
      expect(decodeBase64(text.replace(/=+$/, ''))).toEqual(bytes);
    }
    expect(decodeBase64(MATMUL_WASM_BASE64)).toEqual(new Uint8Array(Buffer.from(MATMUL_WASM_BASE64, 'base64')));
  });
  it('names a character outside the alphabet', () => {
    expect(() => decodeBase64('AB$D')).toThrow('found "$" at index 2');
  });
});
