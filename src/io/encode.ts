/**
 * Turning one tensor's typed array into the little-endian bytes a safetensors file stores.
 *
 * `encodeTensorPlain` writes every element through a DataView with `littleEndian = true` (correct on any
 * machine). `encodeTensor` returns a view of the caller's own array, with no copy, when the array already
 * holds the right element type and the host is little-endian; otherwise it falls back to the plain version.
 * Tests check that both give the same bytes.
 */
import { SAFETENSORS_DTYPE_SIZE, HOST_IS_LITTLE_ENDIAN, numberToBfloat16Bits, numberToFloat16Bits } from './dtypes.ts';
import { SafetensorsError } from './safetensors.ts';
import type { SafetensorsData, TensorToWrite } from './safetensors-write.ts';

/** The arrays each dtype accepts (see `TensorToWrite`). */
const ACCEPTS: Record<TensorToWrite['dtype'], string[]> = {
  F32: ['Float32Array', 'Float64Array'],
  F64: ['Float64Array', 'Float32Array'],
  F16: ['Uint16Array', 'Float32Array', 'Float64Array'],
  BF16: ['Uint16Array', 'Float32Array', 'Float64Array'],
  I64: ['BigInt64Array', 'Int32Array'],
  I32: ['Int32Array', 'BigInt64Array'],
  I8: ['Int8Array'],
  U8: ['Uint8Array'],
  BOOL: ['Uint8Array'],
};

/** The array type each dtype is stored as natively (a view of it is already the file's bytes). */
const NATIVE: Record<TensorToWrite['dtype'], string> = {
  F32: 'Float32Array',
  F64: 'Float64Array',
  F16: 'Uint16Array',
  BF16: 'Uint16Array',
  I64: 'BigInt64Array',
  I32: 'Int32Array',
  I8: 'Int8Array',
  U8: 'Uint8Array',
  BOOL: 'Uint8Array',
};

function checkData(name: string, t: TensorToWrite): void {
  const kind = arrayKind(t.data);
  if (!ACCEPTS[t.dtype].includes(kind)) {
    throw new SafetensorsError(`cannot write safetensors: tensor "${name}": dtype ${t.dtype} needs ${ACCEPTS[t.dtype].join(' or ')}, got ${kind}`);
  }
  if (t.dtype === 'BOOL') {
    const i = (t.data as Uint8Array).findIndex((v) => v > 1);
    if (i >= 0) throw new SafetensorsError(`cannot write safetensors: tensor "${name}": BOOL element ${i} is ${t.data[i]}, not 0 or 1`);
  }
  if (t.dtype === 'I32' && t.data instanceof BigInt64Array) {
    const i = t.data.findIndex((v) => v < -2147483648n || v > 2147483647n);
    if (i >= 0) throw new SafetensorsError(`cannot write safetensors: tensor "${name}": element ${i} is ${t.data[i]}, outside int32`);
  }
}

const ARRAY_TYPES = [Float32Array, Float64Array, Int32Array, BigInt64Array, Uint16Array, Int8Array, Uint8Array];

/** The typed-array class name of `data` ('Uint8Array' for a Node Buffer too). */
function arrayKind(data: SafetensorsData): string {
  const found = ARRAY_TYPES.find((C) => data instanceof C);
  return found ? found.name : Object.prototype.toString.call(data).slice(8, -1);
}

/** Plain: the tensor's little-endian bytes, written element by element into a new buffer. */
export function encodeTensorPlain(name: string, t: TensorToWrite): Uint8Array {
  checkData(name, t);
  const n = t.data.length;
  const out = new Uint8Array(n * SAFETENSORS_DTYPE_SIZE[t.dtype]);
  const v = new DataView(out.buffer);
  const d = t.data;
  switch (t.dtype) {
    case 'F64':
      for (let i = 0; i < n; i++) v.setFloat64(i * 8, d[i] as number, true);
      break;
    case 'F32':
      for (let i = 0; i < n; i++) v.setFloat32(i * 4, d[i] as number, true); // rounds a float64 to float32
      break;
    case 'F16':
    case 'BF16': {
      const encode = t.dtype === 'F16' ? numberToFloat16Bits : numberToBfloat16Bits;
      const raw = d instanceof Uint16Array;
      for (let i = 0; i < n; i++) v.setUint16(i * 2, raw ? (d[i] as number) : encode(d[i] as number), true);
      break;
    }
    case 'I64':
      for (let i = 0; i < n; i++) v.setBigInt64(i * 8, BigInt(d[i]), true);
      break;
    case 'I32':
      for (let i = 0; i < n; i++) v.setInt32(i * 4, Number(d[i]), true);
      break;
    case 'I8':
      for (let i = 0; i < n; i++) v.setInt8(i, d[i] as number);
      break;
    case 'U8':
    case 'BOOL':
      for (let i = 0; i < n; i++) v.setUint8(i, d[i] as number);
      break;
  }
  return out;
}

/** The tensor's little-endian bytes: a view of `t.data` (no copy) when possible, else `encodeTensorPlain`. */
export function encodeTensor(name: string, t: TensorToWrite): Uint8Array {
  checkData(name, t);
  const d = t.data;
  if (arrayKind(d) === NATIVE[t.dtype] && (HOST_IS_LITTLE_ENDIAN || SAFETENSORS_DTYPE_SIZE[t.dtype] === 1)) {
    return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  }
  return encodeTensorPlain(name, t);
}
