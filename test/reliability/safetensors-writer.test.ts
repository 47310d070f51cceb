/**
 * The writer lays files out byte for byte as Hugging Face's reference writer does, and refuses, before writing
 * anything, what the reader (ours or the reference) would refuse.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_HEADER_BYTES, readSafetensors, SafetensorsError, saveSafetensors, writeSafetensors, type TensorToWrite } from '../../src/io/index.ts';

const FIXTURE = join(import.meta.dirname, 'fixtures/utf8-order.safetensors');
const dir = mkdtempSync(join(tmpdir(), 'bert-writer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The tensors of fixtures/make-reference-files.py: 0, 1, 2, ... (BOOL alternates 0, 1). */
function referenceTensors(): Record<string, TensorToWrite> {
  const seq = (n: number) => Array.from({ length: n }, (_, i) => i);
  return {
    '\uff5e': { dtype: 'F32', shape: [3], data: new Float32Array(seq(3)) },
    '\u{1F600}': { dtype: 'F32', shape: [3], data: new Float32Array(seq(3)) },
    '\ue000': { dtype: 'F32', shape: [2], data: new Float32Array(seq(2)) },
    '\u{1D400}': { dtype: 'I64', shape: [2], data: new BigInt64Array([0n, 1n]) },
    a: { dtype: 'I64', shape: [2], data: new BigInt64Array([0n, 1n]) },
    é: { dtype: 'F16', shape: [4], data: new Float32Array(seq(4)) },
    Z: { dtype: 'U8', shape: [5], data: new Uint8Array(seq(5)) },
    b: { dtype: 'I8', shape: [3], data: new Int8Array(seq(3)) },
    m: { dtype: 'BOOL', shape: [4], data: new Uint8Array([0, 1, 0, 1]) },
    w: { dtype: 'F64', shape: [2, 3], data: new Float64Array(seq(6)) },
    i: { dtype: 'I32', shape: [2], data: new Int32Array(seq(2)) },
  };
}

describe('tensor order', () => {
  it('orders names by UTF-8 bytes as the reference does: "～" (U+FF5E) before "😀" (U+1F600)', () => {
    // In UTF-16, 😀 is D83D DE00, below FF5E; in UTF-8 (and by code point) it is above.
    const bytes = writeSafetensors({
      '\u{1F600}': { dtype: 'F32', shape: [1], data: new Float32Array([1]) },
      '\uff5e': { dtype: 'F32', shape: [1], data: new Float32Array([2]) },
    });
    expect(readSafetensors(bytes).names()).toEqual(['\uff5e', '\u{1F600}']);
  });

  it('writes the same bytes as the reference writer (safetensors 0.8.0) for names that sort differently in UTF-16', () => {
    const ours = writeSafetensors(referenceTensors(), { format: 'pt' });
    const reference = new Uint8Array(readFileSync(FIXTURE));
    expect(readSafetensors(ours).names()).toEqual(readSafetensors(reference).names());
    expect(Buffer.from(ours).equals(Buffer.from(reference))).toBe(true);
  });
});

describe('header size', () => {
  const w = { w: { dtype: 'F32' as const, shape: [1], data: new Float32Array([1]) } };
  // {"__metadata__":{"notes":"…"},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}: 82 bytes + the notes
  const notes = (n: number) => ({ notes: 'x'.repeat(n) });

  it('refuses a header above the limit the readers apply, naming its size, before writing anything', async () => {
    const huge = notes(MAX_HEADER_BYTES);
    let caught: unknown;
    try {
      writeSafetensors(w, huge);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SafetensorsError);
    expect((caught as Error).message).toBe(
      'cannot write safetensors: the header would be 100000088 bytes, above the 100000000-byte limit of safetensors readers ' +
        '(ours and the reference): __metadata__ takes 100000027 bytes and the 1 tensor entry 52 bytes',
    );
    const path = join(dir, 'big.safetensors');
    // saveSafetensors and saveSafetensorsSync share the check: it runs before the file is opened
    await expect(saveSafetensors(path, w, huge)).rejects.toThrow(/above the 100000000-byte limit/);
    expect(existsSync(path)).toBe(false);
  });

  it('writes a header of exactly the limit', () => {
    const bytes = writeSafetensors(w, notes(MAX_HEADER_BYTES - 82));
    expect(new DataView(bytes.buffer).getBigUint64(0, true)).toBe(BigInt(MAX_HEADER_BYTES));
    expect(bytes.byteLength).toBe(8 + MAX_HEADER_BYTES + 4);
  });
});

describe('names and metadata the reader would refuse', () => {
  it('refuses a name or a metadata string with an unpaired surrogate (TextEncoder would silently write U+FFFD)', () => {
    const t = { dtype: 'F32' as const, shape: [1], data: new Float32Array([1]) };
    expect(() => writeSafetensors({ 'w\ud800': t })).toThrow(
      /cannot write safetensors: tensor name "w\\ud800" holds an unpaired UTF-16 surrogate \(code unit 1\); names must be valid Unicode/,
    );
    expect(() => writeSafetensors({ w: t }, { 'k\udc00': 'v' })).toThrow(/metadata key "k\\udc00" holds an unpaired UTF-16 surrogate/);
    expect(() => writeSafetensors({ w: t }, { k: 'v\ud83d' })).toThrow(/metadata value of "k" holds an unpaired UTF-16 surrogate/);
  });
});
