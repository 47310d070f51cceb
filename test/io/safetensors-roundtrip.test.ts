import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  readSafetensors,
  writeSafetensors,
  float16BitsToNumber,
  bfloat16BitsToNumber,
  type TensorToWrite,
  type SafetensorsWritableDtype,
} from '../../src/io/index.ts';
import { encodeTensor, encodeTensorPlain } from '../../src/io/encode.ts';
import { decodeFloat32, decodeFloat32Plain, decodeFloat64, decodeFloat64Plain } from '../../src/io/decode.ts';
import { SAFETENSORS_DTYPE_SIZE, WRITE_ORDER } from '../../src/io/dtypes.ts';

/** Shapes of rank 0..4 with dimensions 0..4: scalars, empty tensors and small ones. */
const shapeArb = fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 4 });
const numel = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Values of length n for each dtype, in the array type the writer takes natively. */
function dataArb(dtype: SafetensorsWritableDtype, n: number): fc.Arbitrary<TensorToWrite['data']> {
  const len = { minLength: n, maxLength: n };
  switch (dtype) {
    case 'F64':
      return fc.array(fc.double(), len).map((a) => Float64Array.from(a));
    case 'F32':
      return fc.array(fc.float(), len).map((a) => Float32Array.from(a));
    case 'F16':
    case 'BF16':
      return fc.array(fc.integer({ min: 0, max: 0xffff }), len).map((a) => Uint16Array.from(a));
    case 'I64':
      return fc.array(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), len).map((a) => BigInt64Array.from(a));
    case 'I32':
      return fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), len).map((a) => Int32Array.from(a));
    case 'I8':
      return fc.array(fc.integer({ min: -128, max: 127 }), len).map((a) => Int8Array.from(a));
    case 'U8':
      return fc.array(fc.integer({ min: 0, max: 255 }), len).map((a) => Uint8Array.from(a));
    case 'BOOL':
      return fc.array(fc.integer({ min: 0, max: 1 }), len).map((a) => Uint8Array.from(a));
  }
}

const dtypeArb = fc.constantFrom<SafetensorsWritableDtype>('F64', 'F32', 'F16', 'BF16', 'I64', 'I32', 'I8', 'U8', 'BOOL');

const tensorArb: fc.Arbitrary<TensorToWrite> = fc
  .tuple(dtypeArb, shapeArb)
  .chain(([dtype, shape]) => dataArb(dtype, numel(shape)).map((data) => ({ dtype, shape, data })));

/** Any names, including non-ASCII, quotes, lone surrogates and "__proto__"; never "__metadata__". */
const nameArb = fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), fc.constantFrom('__proto__', 'a"b\\c', 'é✓')).filter((s) => s !== '__metadata__');

const fileArb = fc.tuple(
  fc.uniqueArray(fc.tuple(nameArb, tensorArb), { selector: ([n]) => n, maxLength: 6 }).map((pairs) => Object.fromEntries(pairs)),
  fc.option(fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 8 })), { nil: undefined }),
);

/** Element-wise equality that treats NaN as equal to NaN and tells -0 from 0. */
function sameValues(a: ArrayLike<number | bigint>, b: ArrayLike<number | bigint>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

function rawBytes(data: TensorToWrite['data']): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

describe('safetensors round trip', () => {
  it('writes then reads back every dtype, shape (incl. scalars and 0-size) and name exactly', () => {
    fc.assert(
      fc.property(fileArb, ([tensors, metadata]) => {
        const file = readSafetensors(writeSafetensors(tensors, metadata));
        expect(file.entries.size).toBe(Object.keys(tensors).length);
        expect(file.metadata).toEqual(metadata && Object.keys(metadata).length ? metadata : {});
        for (const [name, t] of Object.entries(tensors)) {
          const e = file.get(name);
          expect(e.dtype).toBe(t.dtype);
          expect(e.shape).toEqual(t.shape);
          expect(e.numel).toBe(t.data.length);
          // byte-exact (this machine is little-endian, so the array's own bytes are the file's bytes)
          expect(e.bytes).toEqual(rawBytes(t.data));
          if (t.dtype === 'I64') expect(sameValues(file.toBigInt64(name), t.data as BigInt64Array)).toBe(true);
          if (t.dtype === 'F64') expect(sameValues(file.toFloat64(name), t.data as Float64Array)).toBe(true);
          if (t.dtype === 'F32') expect(sameValues(file.toFloat32(name), t.data as Float32Array)).toBe(true);
          if (t.dtype === 'I32' || t.dtype === 'I8' || t.dtype === 'U8' || t.dtype === 'BOOL') {
            expect(sameValues(file.toInt32(name), Array.from(t.data as Int32Array))).toBe(true);
          }
          if (t.dtype === 'F16' || t.dtype === 'BF16') {
            const decode = t.dtype === 'F16' ? float16BitsToNumber : bfloat16BitsToNumber;
            const expected = Array.from(t.data as Uint16Array, decode);
            expect(sameValues(file.toFloat64(name), expected)).toBe(true);
            expect(sameValues(file.toFloat32(name), Float32Array.from(expected))).toBe(true);
          }
        }
      }),
    );
  });

  it('F16 and BF16 written from float arrays read back exactly when the values are representable', () => {
    for (const dtype of ['F16', 'BF16'] as const) {
      const decode = dtype === 'F16' ? float16BitsToNumber : bfloat16BitsToNumber;
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 50 }), (patterns) => {
          const values = Float32Array.from(patterns.map(decode).filter((v) => !Number.isNaN(v)));
          const file = readSafetensors(writeSafetensors({ t: { dtype, shape: [values.length], data: values } }));
          expect(sameValues(file.toFloat32('t'), values)).toBe(true);
          // and from float64 too
          const file64 = readSafetensors(writeSafetensors({ t: { dtype, shape: [values.length], data: Float64Array.from(values) } }));
          expect(sameValues(file64.toFloat64('t'), Float64Array.from(values))).toBe(true);
        }),
      );
    }
  });

  it('converts between array types on write: F32 from Float64Array rounds, I64 from Int32Array widens', () => {
    const file = readSafetensors(
      writeSafetensors({
        f32: { dtype: 'F32', shape: [2], data: new Float64Array([0.1, 1e40]) },
        f64: { dtype: 'F64', shape: [1], data: new Float32Array([0.1]) },
        i64: { dtype: 'I64', shape: [2], data: new Int32Array([-5, 2 ** 31 - 1]) },
        i32: { dtype: 'I32', shape: [2], data: new BigInt64Array([-7n, 2n ** 31n - 1n]) },
      }),
    );
    expect(Array.from(file.toFloat32('f32'))).toEqual([Math.fround(0.1), Infinity]);
    expect(Array.from(file.toFloat64('f64'))).toEqual([Math.fround(0.1)]);
    expect(Array.from(file.toBigInt64('i64'))).toEqual([-5n, 2147483647n]);
    expect(Array.from(file.toInt32('i32'))).toEqual([-7, 2147483647]);
  });

  it('toInt32 reads I64 in range and names the tensor and element when a value does not fit', () => {
    const file = readSafetensors(
      writeSafetensors({
        ok: { dtype: 'I64', shape: [3], data: new BigInt64Array([-(2n ** 31n), 0n, 2n ** 31n - 1n]) },
        big: { dtype: 'I64', shape: [2, 2], data: new BigInt64Array([1n, 2n, 3000000000n, 4n]) },
      }),
      'ids.safetensors',
    );
    expect(Array.from(file.toInt32('ok'))).toEqual([-(2 ** 31), 0, 2 ** 31 - 1]);
    expect(() => file.toInt32('big')).toThrow(/ids\.safetensors: tensor "big": element 2 of I64 is 3000000000, outside the int32 range/);
    expect(Array.from(file.toFloat64('big'))).toEqual([1, 2, 3000000000, 4]);
  });

  it('toInt32/toBigInt64 refuse float tensors instead of truncating them', () => {
    const file = readSafetensors(writeSafetensors({ w: { dtype: 'F32', shape: [1], data: new Float32Array([1.5]) } }));
    expect(() => file.toInt32('w')).toThrow(/tensor "w" is F32, not an integer tensor/);
    expect(() => file.toBigInt64('w')).toThrow(/tensor "w" is F32, not an integer tensor/);
  });

  it('reads U16/U32/U64/I16 files written by hand (dtypes the writer does not produce)', () => {
    const header = JSON.stringify({
      a: { dtype: 'U16', shape: [2], data_offsets: [0, 4] },
      b: { dtype: 'I16', shape: [1], data_offsets: [4, 6] },
      c: { dtype: 'U32', shape: [1], data_offsets: [6, 10] },
      d: { dtype: 'U64', shape: [1], data_offsets: [10, 18] },
    });
    const data = new Uint8Array(18);
    const v = new DataView(data.buffer);
    v.setUint16(0, 65535, true);
    v.setUint16(2, 7, true);
    v.setInt16(4, -300, true);
    v.setUint32(6, 4000000000, true);
    v.setBigUint64(10, 2n ** 64n - 1n, true);
    const file = readSafetensors(concat(lengthPrefix(header), data));
    expect(Array.from(file.toInt32('a'))).toEqual([65535, 7]);
    expect(Array.from(file.toInt32('b'))).toEqual([-300]);
    expect(Array.from(file.toFloat64('c'))).toEqual([4000000000]);
    expect(() => file.toInt32('c')).toThrow(/element 0 of U32 is 4000000000/);
    expect(() => file.toBigInt64('d')).toThrow(/element 0 of U64 is 18446744073709551615, outside the int64 range/);
  });
});

describe('fast paths agree with the plain element-by-element versions', () => {
  it('encodeTensor (views) gives the same bytes as encodeTensorPlain (DataView)', () => {
    fc.assert(
      fc.property(tensorArb, (t) => {
        expect(encodeTensor('t', t)).toEqual(encodeTensorPlain('t', t));
      }),
    );
    const f = new Float32Array([0.5, -3]);
    expect(encodeTensor('t', { dtype: 'F16', shape: [2], data: f })).toEqual(encodeTensorPlain('t', { dtype: 'F16', shape: [2], data: f }));
  });

  it('decodeFloat32/decodeFloat64 give the same values as the plain versions, also from unaligned bytes', () => {
    fc.assert(
      fc.property(tensorArb, fc.integer({ min: 0, max: 7 }), (t, shift) => {
        const bytes = encodeTensorPlain('t', t);
        const unaligned = new Uint8Array(bytes.byteLength + shift);
        unaligned.set(bytes, shift);
        const view = unaligned.subarray(shift);
        expect(sameValues(decodeFloat32(t.dtype, view), decodeFloat32Plain(t.dtype, view))).toBe(true);
        expect(sameValues(decodeFloat64(t.dtype, view), decodeFloat64Plain(t.dtype, view))).toBe(true);
      }),
    );
  });

  it('reads a file that sits at an odd offset inside a larger buffer', () => {
    const bytes = writeSafetensors({ w: { dtype: 'F32', shape: [3], data: new Float32Array([1, 2.5, -3]) } });
    const big = new Uint8Array(bytes.byteLength + 3);
    big.set(bytes, 3);
    expect(Array.from(readSafetensors(big.subarray(3)).toFloat32('w'))).toEqual([1, 2.5, -3]);
  });

  it('toFloat32 returns a copy: changing it does not change the file', () => {
    const file = readSafetensors(writeSafetensors({ w: { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) } }));
    file.toFloat32('w')[0] = 99;
    expect(file.toFloat32('w')[0]).toBe(1);
  });
});

describe('writer byte layout', () => {
  it('header length is a multiple of 8, padded with spaces; offsets tile the data section; tensors are aligned', () => {
    fc.assert(
      fc.property(fileArb, ([tensors, metadata]) => {
        const bytes = writeSafetensors(tensors, metadata);
        const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
        expect(n % 8).toBe(0);
        const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
        expect(text.startsWith('{')).toBe(true);
        expect(text.trimEnd().endsWith('}')).toBe(true);
        expect(/^ *$/.test(text.slice(text.trimEnd().length))).toBe(true);
        expect(text.length - text.trimEnd().length).toBeLessThan(8);
        const header = JSON.parse(text) as Record<string, { dtype: string; data_offsets: [number, number] }>;
        const keys = Object.keys(header);
        if (metadata && Object.keys(metadata).length) expect(keys[0]).toBe('__metadata__');
        const entries = keys.filter((k) => k !== '__metadata__').map((k) => ({ name: k, ...header[k] }));
        let at = 0;
        for (const e of entries) {
          expect(e.data_offsets[0]).toBe(at); // header lists tensors in data order, contiguous
          expect((8 + n + at) % SAFETENSORS_DTYPE_SIZE[e.dtype as 'F32']).toBe(0); // aligned to its element size
          at = e.data_offsets[1];
        }
        expect(8 + n + at).toBe(bytes.byteLength);
      }),
    );
  });

  it('orders tensors like the reference writer: larger dtypes first, then by name', () => {
    const bytes = writeSafetensors(
      {
        'b.f16': { dtype: 'F16', shape: [1], data: new Uint16Array([0x3c00]) },
        'a.u8': { dtype: 'U8', shape: [3], data: new Uint8Array([1, 2, 3]) },
        'z.f32': { dtype: 'F32', shape: [1], data: new Float32Array([1]) },
        'a.f32': { dtype: 'F32', shape: [1], data: new Float32Array([2]) },
        'c.i64': { dtype: 'I64', shape: [1], data: new BigInt64Array([3n]) },
      },
      { format: 'pt' },
    );
    const file = readSafetensors(bytes);
    expect(file.names()).toEqual(['c.i64', 'a.f32', 'z.f32', 'b.f16', 'a.u8']);
    expect(WRITE_ORDER.indexOf('I64')).toBeLessThan(WRITE_ORDER.indexOf('F32'));
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + file.headerLength));
    expect(text.trimEnd()).toBe(
      '{"__metadata__":{"format":"pt"},' +
        '"c.i64":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},' +
        '"a.f32":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},' +
        '"z.f32":{"dtype":"F32","shape":[1],"data_offsets":[12,16]},' +
        '"b.f16":{"dtype":"F16","shape":[1],"data_offsets":[16,18]},' +
        '"a.u8":{"dtype":"U8","shape":[3],"data_offsets":[18,21]}}',
    );
  });

  it('an empty file is the 8-byte length and "{}" padded to 8 bytes', () => {
    const bytes = writeSafetensors({});
    expect(bytes.byteLength).toBe(16);
    expect(new TextDecoder().decode(bytes.subarray(8))).toBe('{}      ');
    expect(readSafetensors(bytes).entries.size).toBe(0);
    // like the reference writer, metadata that is given is written even when empty
    expect(new TextDecoder().decode(writeSafetensors({}, {}).subarray(8))).toBe('{"__metadata__":{}}     ');
  });

  it('counts the header length in UTF-8 bytes, not characters', () => {
    const bytes = writeSafetensors({ 'gewicht.ü✓': { dtype: 'F32', shape: [], data: new Float32Array([7]) } });
    const file = readSafetensors(bytes);
    expect(file.get('gewicht.ü✓').shape).toEqual([]);
    expect(Array.from(file.toFloat32('gewicht.ü✓'))).toEqual([7]);
  });
});

describe('writer errors name the tensor and the problem', () => {
  const cases: [string, Record<string, TensorToWrite>, RegExp][] = [
    [
      'wrong array type',
      { w: { dtype: 'F32', shape: [1], data: new Int32Array([1]) } },
      /tensor "w": dtype F32 needs Float32Array or Float64Array, got Int32Array/,
    ],
    [
      'length does not match shape',
      { w: { dtype: 'F32', shape: [2, 3], data: new Float32Array(5) } },
      /tensor "w": shape \[2,3\] has 6 elements but its data has 5/,
    ],
    [
      'negative dimension',
      { w: { dtype: 'F32', shape: [-1], data: new Float32Array(0) } },
      /tensor "w": shape must be a list of non-negative integers, found \[-1\]/,
    ],
    ['reserved name', { __metadata__: { dtype: 'F32', shape: [], data: new Float32Array(1) } }, /"__metadata__" is reserved/],
    ['BOOL not 0/1', { m: { dtype: 'BOOL', shape: [2], data: new Uint8Array([1, 2]) } }, /tensor "m": BOOL element 1 is 2, not 0 or 1/],
    [
      'I32 from out-of-range bigint',
      { i: { dtype: 'I32', shape: [1], data: new BigInt64Array([2n ** 40n]) } },
      /tensor "i": element 0 is 1099511627776, outside int32/,
    ],
    ['unknown dtype', { w: { dtype: 'F8' as 'F32', shape: [1], data: new Float32Array(1) } }, /tensor "w": dtype "F8" cannot be written/],
  ];
  for (const [label, tensors, message] of cases) {
    it(label, () => expect(() => writeSafetensors(tensors)).toThrow(message));
  }
  it('metadata values must be strings', () => {
    expect(() => writeSafetensors({}, { epoch: 3 as unknown as string })).toThrow(/metadata values must be strings; "epoch" is number/);
  });
});

function lengthPrefix(header: string): Uint8Array {
  const json = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + json.byteLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.byteLength), true);
  out.set(json, 8);
  return out;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a);
  out.set(b, a.byteLength);
  return out;
}
