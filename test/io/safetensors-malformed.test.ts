/**
 * Every way a safetensors file can be broken gives an error that names the file, the tensor and the problem.
 */
import { describe, expect, it } from 'vitest';
import { readSafetensors, writeSafetensors } from '../../src/io/index.ts';
import { expectRefused, fileBytes } from '../reliability/safetensors-files.ts';

const f32 = (shape: number[], offsets: [number, number]) => ({ dtype: 'F32', shape, data_offsets: offsets });

const file = fileBytes;
const expectError = expectRefused;

describe('malformed safetensors files', () => {
  it('a file shorter than 8 bytes', () => {
    expectError(new Uint8Array(5), /file is 5 bytes, shorter than the 8-byte header length/);
    expectError(new Uint8Array(0), /file is 0 bytes/);
  });

  it('a header length beyond the end of the file', () => {
    expectError(file('{}', 0, 1000n), /header length is 1000 bytes but only 2 bytes follow the length field \(file is 10 bytes\)/);
    expectError(file('{}', 0, 2n ** 64n - 1n), /header length is 18446744073709551615 bytes/);
  });

  it('a header that is not UTF-8', () => {
    expectError(file(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])), /header \(bytes 8\.\.12\) is not valid UTF-8/);
  });

  it('a header that is not JSON', () => {
    expectError(file('{"a": '), /header \(bytes 8\.\.14\) is not valid JSON: .*; it starts "\{\\"a\\": "/);
    expectError(file(''), /is not valid JSON/);
  });

  it('a header that is not an object', () => {
    expectError(file('[1, 2]'), /header must be a JSON object \{name: \{dtype, shape, data_offsets\}\}, found an array \[1,2\]/);
    expectError(file('42      '), /header must be a JSON object .*found number 42/);
    expectError(file('null'), /found null/);
  });

  it('a tensor entry that is not an object, or lacks a field', () => {
    expectError(file('{"w": 5}'), /tensor "w": expected \{dtype, shape, data_offsets\}, found number 5/);
    expectError(file(JSON.stringify({ w: { dtype: 'F32', data_offsets: [0, 4] } }), 4), /tensor "w": missing "shape"/);
    expectError(file(JSON.stringify({ w: { shape: [1], data_offsets: [0, 4] } }), 4), /tensor "w": missing "dtype"/);
    expectError(file(JSON.stringify({ w: { dtype: 'F32', shape: [1] } }), 4), /tensor "w": missing "data_offsets"/);
  });

  it('an unknown dtype, and a real but unsupported one', () => {
    expectError(
      file(JSON.stringify({ 'enc.w': { dtype: 'F17', shape: [1], data_offsets: [0, 4] } }), 4),
      /tensor "enc\.w": unknown dtype "F17"; expected one of F64, F32, F16, BF16, I64, I32/,
    );
    expectError(file(JSON.stringify({ w: { dtype: 7, shape: [1], data_offsets: [0, 4] } }), 4), /tensor "w": unknown dtype 7/);
    expectError(
      file(JSON.stringify({ w: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }), 1),
      /tensor "w": dtype F8_E4M3 is not supported by this reader/,
    );
  });

  it('a shape that is not a list of non-negative integers', () => {
    for (const shape of ['abc', [1, null], { a: 1 }, ['2']]) {
      expectError(
        file(JSON.stringify({ w: { dtype: 'F32', shape, data_offsets: [0, 4] } }), 4),
        new RegExp(`tensor "w": shape must be a list of non-negative integers, found ${escapeRegex(JSON.stringify(shape))}`),
      );
    }
  });

  it('negative, fractional and too large numbers in shape, named with their position', () => {
    const w = (shape: unknown) => file(JSON.stringify({ w: { dtype: 'F32', shape, data_offsets: [0, 4] } }), 4);
    expectError(w([2, -1]), /tensor "w": shape\[1\] is written -1; expected a non-negative integer written with digits only/);
    expectError(w([2.5]), /tensor "w": shape\[0\] is written 2\.5; expected a non-negative integer/);
    // JSON.stringify writes 2^60 as 1152921504606847000
    expectError(w([2 ** 60]), /tensor "w": shape\[0\] is 1152921504606847000, above 9007199254740991, the largest dimension this reader can address/);
    expectError(
      file(JSON.stringify({ w: { dtype: 'F32', shape: [1], data_offsets: [-4, 0] } }), 4),
      /tensor "w": data_offsets\[0\] is written -4; expected a non-negative integer/,
    );
  });

  it('data_offsets that are not [begin, end] with 0 <= begin <= end', () => {
    for (const offsets of [[4, 0], [1], [0, 4, 8], ['0', 4], null]) {
      expectError(
        file(JSON.stringify({ w: { dtype: 'F32', shape: [1], data_offsets: offsets } }), 4),
        new RegExp(`tensor "w": data_offsets must be \\[begin, end\\] with integers 0 <= begin <= end, found ${escapeRegex(JSON.stringify(offsets))}`),
      );
    }
  });

  it('data_offsets that disagree with shape × dtype size', () => {
    expectError(
      file(JSON.stringify({ 'layer.0.w': f32([2, 2], [0, 12]) }), 12),
      /tensor "layer\.0\.w": data_offsets \[0, 12\] hold 12 bytes but shape \[2,2\] of F32 needs 16 \(4 elements × 4 bytes\)/,
    );
    expectError(
      file(JSON.stringify({ s: { dtype: 'F64', shape: [], data_offsets: [0, 4] } }), 4),
      /tensor "s": data_offsets \[0, 4\] hold 4 bytes but shape \[\] of F64 needs 8 \(1 element × 8 bytes\)/,
    );
  });

  it('offsets outside the data section', () => {
    expectError(file(JSON.stringify({ w: f32([4], [0, 16]) }), 8), /tensor "w": data_offsets \[0, 16\] go beyond the data section, which is 8 bytes/);
  });

  it('overlapping tensors', () => {
    expectError(
      file(JSON.stringify({ a: f32([2], [0, 8]), b: f32([2], [4, 12]) }), 12),
      /tensors "a" \(data_offsets \[0, 8\]\) and "b" \(data_offsets \[4, 12\]\) overlap/,
    );
    // two names for the same bytes (how a careless writer might store tied weights) also overlap
    expectError(file(JSON.stringify({ a: f32([2], [0, 8]), b: f32([2], [0, 8]) }), 8), /tensors "a" .* and "b" .* overlap/);
  });

  it('holes: bytes that belong to no tensor, between, before or after the tensors', () => {
    expectError(
      file(JSON.stringify({ a: f32([2], [0, 8]), b: f32([2], [12, 20]) }), 20),
      /bytes \[8, 12\) of the data section belong to no tensor \(a hole between "a" and "b"\)/,
    );
    expectError(file(JSON.stringify({ a: f32([1], [4, 8]) }), 8), /bytes \[0, 4\) of the data section belong to no tensor \(a hole before "a"\)/);
    expectError(
      file(JSON.stringify({ a: f32([1], [0, 4]) }), 10),
      /the data section is 10 bytes but the tensors cover only \[0, 4\): 6 trailing bytes belong to no tensor/,
    );
    expectError(file('{}', 3), /the data section is 3 bytes but the tensors cover only \[0, 0\)/);
  });

  it('a tensor name that appears twice', () => {
    expectError(
      file('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', 8),
      /tensor name "a" appears twice in the header/,
    );
    // the same name written with an escape is still the same name
    expectError(
      file('{"ab":{"dtype":"F32","shape":[],"data_offsets":[0,4]},"a\\u0062":{"dtype":"F32","shape":[],"data_offsets":[4,8]}}', 8),
      /tensor name "ab" appears twice/,
    );
    expectError(file('{"w":{"dtype":"F32","dtype":"F64","shape":[1],"data_offsets":[0,4]}}', 4), /key "dtype" appears twice in the header entry for "w"/);
  });

  it('metadata that is not a map of strings', () => {
    expectError(file(JSON.stringify({ __metadata__: { epoch: 3 } })), /__metadata__ must map strings to strings; "epoch" is number 3/);
    expectError(file(JSON.stringify({ __metadata__: [1] })), /__metadata__ must be an object of strings, found an array/);
  });

  it('accepts what the format allows: zero-size tensors anywhere, unknown extra fields, no padding', () => {
    const ok = readSafetensors(
      file(
        JSON.stringify({
          e: { dtype: 'F32', shape: [0, 3], data_offsets: [4, 4] },
          a: { dtype: 'F32', shape: [1], data_offsets: [0, 4], note: 'extra fields are ignored' },
          z: { dtype: 'I64', shape: [2, 0], data_offsets: [0, 0] },
        }),
        4,
      ),
    );
    expect(ok.names()).toEqual(['z', 'a', 'e']);
    expect(ok.toFloat32('e').length).toBe(0);
    expect(ok.get('z').numel).toBe(0);
  });

  it('the writer never produces a file the reader rejects, and a truncated one is caught', () => {
    const bytes = writeSafetensors({ w: { dtype: 'F32', shape: [3], data: new Float32Array([1, 2, 3]) } });
    expect(readSafetensors(bytes).names()).toEqual(['w']);
    expectError(bytes.subarray(0, bytes.byteLength - 1), /tensor "w": data_offsets \[0, 12\] go beyond the data section, which is 11 bytes/);
  });
});

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
