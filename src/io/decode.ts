/**
 * Turning the little-endian bytes of one tensor into JavaScript typed arrays.
 *
 * The plain versions read every element through a DataView with `littleEndian = true`, which is correct on
 * any machine. The fast versions copy the bytes once and view them as a typed array; typed arrays use the
 * host's byte order, so the fast path is only taken on a little-endian host (all current JS platforms).
 * Tests check that both give the same arrays.
 */
import { bfloat16BitsToNumber, SAFETENSORS_DTYPE_SIZE, float16BitsToNumber, HOST_IS_LITTLE_ENDIAN, isFloatDtype, type SafetensorsDtype } from './dtypes.ts';

/** A function reading element `i` of a little-endian buffer as a number (I64/U64 may lose precision). */
export function elementReader(dtype: SafetensorsDtype): (view: DataView, i: number) => number {
  switch (dtype) {
    case 'F64':
      return (v, i) => v.getFloat64(i * 8, true);
    case 'F32':
      return (v, i) => v.getFloat32(i * 4, true);
    case 'F16':
      return (v, i) => float16BitsToNumber(v.getUint16(i * 2, true));
    case 'BF16':
      return (v, i) => bfloat16BitsToNumber(v.getUint16(i * 2, true));
    case 'I64':
      return (v, i) => Number(v.getBigInt64(i * 8, true));
    case 'U64':
      return (v, i) => Number(v.getBigUint64(i * 8, true));
    case 'I32':
      return (v, i) => v.getInt32(i * 4, true);
    case 'U32':
      return (v, i) => v.getUint32(i * 4, true);
    case 'I16':
      return (v, i) => v.getInt16(i * 2, true);
    case 'U16':
      return (v, i) => v.getUint16(i * 2, true);
    case 'I8':
      return (v, i) => v.getInt8(i);
    case 'U8':
    case 'BOOL':
      return (v, i) => v.getUint8(i);
  }
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A fresh, 8-byte-aligned copy of `bytes` (ArrayBuffers always start aligned). */
function alignedCopy(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer;
}

/** Plain: any dtype -> float64 numbers, element by element. */
export function decodeFloat64Plain(dtype: SafetensorsDtype, bytes: Uint8Array): Float64Array {
  const n = bytes.byteLength / SAFETENSORS_DTYPE_SIZE[dtype];
  const out = new Float64Array(n);
  const read = elementReader(dtype);
  const view = viewOf(bytes);
  for (let i = 0; i < n; i++) out[i] = read(view, i);
  return out;
}

/** Plain: any dtype -> float32 numbers (rounded to nearest), element by element. */
export function decodeFloat32Plain(dtype: SafetensorsDtype, bytes: Uint8Array): Float32Array {
  const n = bytes.byteLength / SAFETENSORS_DTYPE_SIZE[dtype];
  const out = new Float32Array(n);
  const read = elementReader(dtype);
  const view = viewOf(bytes);
  for (let i = 0; i < n; i++) out[i] = read(view, i);
  return out;
}

/** Any dtype -> Float64Array (a fresh copy). */
export function decodeFloat64(dtype: SafetensorsDtype, bytes: Uint8Array): Float64Array {
  if (dtype === 'F64' && HOST_IS_LITTLE_ENDIAN) return new Float64Array(alignedCopy(bytes));
  return decodeFloat64Plain(dtype, bytes);
}

/** Any dtype -> Float32Array (a fresh copy; F64 and large integers are rounded to float32). */
export function decodeFloat32(dtype: SafetensorsDtype, bytes: Uint8Array): Float32Array {
  if (dtype === 'F32' && HOST_IS_LITTLE_ENDIAN) return new Float32Array(alignedCopy(bytes));
  if (dtype === 'F64' && HOST_IS_LITTLE_ENDIAN) return Float32Array.from(new Float64Array(alignedCopy(bytes)));
  return decodeFloat32Plain(dtype, bytes);
}

/**
 * Integer dtype -> Int32Array (a fresh copy). Throws, naming `what` and the first offending element, for a
 * float dtype or for a value outside [-2^31, 2^31 - 1].
 */
export function decodeInt32(dtype: SafetensorsDtype, bytes: Uint8Array, what: string): Int32Array {
  if (isFloatDtype(dtype)) {
    throw new Error(`${what} is ${dtype}, not an integer tensor; read it with toFloat32/toFloat64`);
  }
  if (dtype === 'I32' && HOST_IS_LITTLE_ENDIAN) return new Int32Array(alignedCopy(bytes));
  const n = bytes.byteLength / SAFETENSORS_DTYPE_SIZE[dtype];
  const out = new Int32Array(n);
  const read = elementReader(dtype);
  const view = viewOf(bytes);
  for (let i = 0; i < n; i++) {
    const v = read(view, i);
    if (v < -2147483648 || v > 2147483647) {
      const exact = dtype === 'I64' ? view.getBigInt64(i * 8, true) : dtype === 'U64' ? view.getBigUint64(i * 8, true) : v;
      throw new Error(`${what}: element ${i} of ${dtype} is ${exact}, outside the int32 range [-2147483648, 2147483647]`);
    }
    out[i] = v;
  }
  return out;
}

/** Integer dtype -> BigInt64Array (exact, a fresh copy). Throws for float dtypes and U64 values >= 2^63. */
export function decodeBigInt64(dtype: SafetensorsDtype, bytes: Uint8Array, what: string): BigInt64Array {
  if (isFloatDtype(dtype)) {
    throw new Error(`${what} is ${dtype}, not an integer tensor; read it with toFloat32/toFloat64`);
  }
  const n = bytes.byteLength / SAFETENSORS_DTYPE_SIZE[dtype];
  const out = new BigInt64Array(n);
  const view = viewOf(bytes);
  if (dtype === 'I64') {
    for (let i = 0; i < n; i++) out[i] = view.getBigInt64(i * 8, true);
  } else if (dtype === 'U64') {
    for (let i = 0; i < n; i++) {
      const v = view.getBigUint64(i * 8, true);
      if (v > 0x7fffffffffffffffn) throw new Error(`${what}: element ${i} of U64 is ${v}, outside the int64 range`);
      out[i] = v;
    }
  } else {
    const read = elementReader(dtype);
    for (let i = 0; i < n; i++) out[i] = BigInt(read(view, i));
  }
  return out;
}
