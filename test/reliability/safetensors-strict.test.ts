/**
 * The reader refuses what the safetensors format does not allow, as Hugging Face's reference reader (the Rust
 * `safetensors` crate) does, and says which file, which tensor, what was expected and what was found.
 * Each rule below was checked against the reference (safetensors 0.8.0): it refuses every file refused here,
 * except the two noted where this reader is deliberately stricter.
 */
import { describe, expect, it } from 'vitest';
import { readSafetensors, writeSafetensors } from '../../src/io/index.ts';
import { expectRefused, fileBytes } from './safetensors-files.ts';

const entry = (shape: string, offsets: string, dtype = 'F32') => `{"dtype":"${dtype}","shape":${shape},"data_offsets":${offsets}}`;

describe('the header text', () => {
  it('refuses a UTF-8 byte-order mark before the JSON', () => {
    const bom = new Uint8Array([0xef, 0xbb, 0xbf]);
    const json = new TextEncoder().encode(`{"w":${entry('[1]', '[0,4]')}}`);
    expectRefused(
      fileBytes(new Uint8Array([...bom, ...json]), 4),
      /header starts with a UTF-8 byte-order mark \(bytes EF BB BF\); the header must start with the JSON itself \('\{'\)/,
    );
    // also for an empty header object
    expectRefused(fileBytes(new Uint8Array([...bom, 0x7b, 0x7d])), /byte-order mark/);
  });

  it('refuses nesting deeper than the reference accepts (127 levels), without parsing it', () => {
    const deep = (n: number) => `{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":${'['.repeat(n)}${']'.repeat(n)}}}`;
    // 125 arrays inside the entry: 127 levels in all, which the reference still reads
    expect(readSafetensors(fileBytes(deep(125), 4)).names()).toEqual(['w']);
    expectRefused(fileBytes(deep(126), 4), /header nests arrays and objects 128 levels deep at byte 182 of the header; at most 127 are allowed/);
    // 100,000 nested arrays (the inspect crash of issue 16), and 10 million: a clear error, fast
    const t0 = performance.now();
    expectRefused(fileBytes('['.repeat(100_000) + ']'.repeat(100_000)), /nests arrays and objects 128 levels deep at byte 127 of the header; at most 127/);
    expectRefused(fileBytes('['.repeat(10_000_000)), /nests arrays and objects 128 levels deep/);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('refuses a string holding half of a UTF-16 surrogate pair (it has no UTF-8 form)', () => {
    expectRefused(
      fileBytes(`{"w\\ud800":${entry('[1]', '[0,4]')}}`, 4),
      /the string at byte 1 of the header \("w\\ud800"\) holds an unpaired UTF-16 surrogate escape; strings must be valid Unicode/,
    );
    // even in an extra field that is otherwise ignored
    expectRefused(fileBytes(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"note":"\\udc00x"}}`, 4), /unpaired UTF-16 surrogate/);
    // a proper pair is fine
    expect(readSafetensors(fileBytes(`{"\\ud83d\\ude00":${entry('[1]', '[0,4]')}}`, 4)).names()).toEqual(['😀']);
  });
});

describe('shape and data_offsets are non-negative integers, written as integers', () => {
  it('refuses 1.0, 4e0 and -0 (JSON.parse turns them into integers; the format does not allow them)', () => {
    expectRefused(
      fileBytes(`{"w":${entry('[1.0]', '[0,4]')}}`, 4),
      /tensor "w": shape\[0\] is written 1\.0; expected a non-negative integer written with digits only \(no sign, fraction or exponent\)/,
    );
    expectRefused(fileBytes(`{"w":${entry('[2,2]', '[0,16.0]')}}`, 16), /tensor "w": data_offsets\[1\] is written 16\.0; expected a non-negative integer/);
    expectRefused(fileBytes(`{"w":${entry('[1]', '[0,4e0]')}}`, 4), /tensor "w": data_offsets\[1\] is written 4e0/);
    expectRefused(fileBytes(`{"w":${entry('[1]', '[0,0.4E1]')}}`, 4), /data_offsets\[1\] is written 0\.4E1/);
    expectRefused(fileBytes(`{"w":${entry('[-0]', '[0,0]')}}`, 0), /tensor "w": shape\[0\] is written -0/);
    expectRefused(fileBytes(`{"w":${entry('[0]', '[-0,0]')}}`, 0), /tensor "w": data_offsets\[0\] is written -0/);
  });

  it('refuses integers too large to address, naming the limit', () => {
    expectRefused(
      fileBytes(`{"w":${entry('[1]', '[0,18446744073709551616]')}}`, 4),
      /tensor "w": data_offsets\[1\] is 18446744073709551616, above 9007199254740991, the largest offset this reader can address/,
    );
    expectRefused(fileBytes(`{"w":${entry('[0,9007199254740993]', '[0,0]')}}`, 0), /tensor "w": shape\[1\] is 9007199254740993, above 9007199254740991/);
  });

  it('refuses a shape whose running product passes 2^64 even when a later dimension is 0 (as the reference does)', () => {
    expectRefused(
      fileBytes(`{"w":${entry('[4294967296,4294967296,0]', '[0,0]')}}`, 0),
      /tensor "w": shape \[4294967296,4294967296,0\] overflows: the product of its first 2 dimensions is above 2\^64 - 1/,
    );
    // below 2^64 the reference reads it, and so do we: the tensor is empty
    expect(readSafetensors(fileBytes(`{"w":${entry('[3,9007199254740991,0]', '[0,0]')}}`)).get('w').numel).toBe(0);
    // 0 first: the product never grows
    expect(readSafetensors(fileBytes(`{"w":${entry('[0,4294967296,4294967296]', '[0,0]')}}`)).get('w').numel).toBe(0);
    // a non-empty tensor that large cannot be held: refused, naming its size
    expectRefused(
      fileBytes(`{"w":${entry('[4294967296,4194304]', '[0,0]')}}`),
      /tensor "w": shape \[4294967296,4194304\] of F32 needs \d+ bytes, above 9007199254740991/,
    );
  });

  it('still accepts ordinary integers, with any spacing', () => {
    const ok = readSafetensors(fileBytes(`{ "w" : { "dtype" : "F32" , "shape" : [ 2 , 1 ] , "data_offsets" : [ 0 , 8 ] } }  `, 8));
    expect(ok.get('w').shape).toEqual([2, 1]);
  });
});

describe('metadata', () => {
  it('accepts "__metadata__": null as no metadata (the reference does)', () => {
    const f = readSafetensors(fileBytes(`{"__metadata__":null,"w":${entry('[1]', '[0,4]')}}`, 4));
    expect(f.metadata).toEqual({});
    expect(f.names()).toEqual(['w']);
  });

  it('keeps a metadata key named "__proto__" as a key (it used to vanish into the prototype)', () => {
    const f = readSafetensors(fileBytes('{"__metadata__":{"__proto__":"x","format":"pt"}}'));
    expect(Object.keys(f.metadata)).toEqual(['__proto__', 'format']);
    expect(Object.getOwnPropertyDescriptor(f.metadata, '__proto__')?.value).toBe('x');
  });

  it('reads "__metadata__" written twice as an error, like any repeated key', () => {
    expectRefused(fileBytes('{"__metadata__":{"a":"b"},"__metadata__":{"c":"d"}}'), /tensor name "__metadata__" appears twice|"__metadata__" appears twice/);
  });
});

describe('what the reader does with a file the writer made', () => {
  it('reads back names that are valid Unicode, including astral characters and "__proto__"', () => {
    const names = ['😀', '～', '__proto__', 'constructor', '', 'a\u0000b'];
    const tensors = Object.fromEntries(names.map((n, i) => [n, { dtype: 'F32' as const, shape: [1], data: new Float32Array([i]) }]));
    const f = readSafetensors(writeSafetensors(tensors));
    expect(new Set(f.names())).toEqual(new Set(names));
    for (const [i, n] of names.entries()) expect(Array.from(f.toFloat32(n))).toEqual([i]);
  });
});
