/**
 * The element types ("dtypes") a safetensors file can name, their sizes, and the bit-level conversions
 * between the 16-bit float formats (IEEE half precision "F16" and bfloat16 "BF16") and JavaScript numbers.
 *
 * Both 16-bit formats are ordinary binary floating point, only narrower:
 *
 *   format  sign  exponent  mantissa  bias  largest finite   smallest subnormal
 *   F16      1      5         10       15   65504            2^-24
 *   BF16     1      8          7      127   ~3.39e38         2^-133
 *   (F32     1      8         23      127   ~3.40e38         2^-149)
 *
 * so one pair of functions, parameterised by the exponent and mantissa widths, handles both.
 */

/** Every dtype name this project reads. (The format also has F8/F6/F4 variants; they are not supported.) */
export const SAFETENSORS_DTYPES = ['F64', 'F32', 'F16', 'BF16', 'I64', 'I32', 'I16', 'I8', 'U64', 'U32', 'U16', 'U8', 'BOOL'] as const;
export type SafetensorsDtype = (typeof SAFETENSORS_DTYPES)[number];

/** The dtypes `writeSafetensors` can write. */
export const SAFETENSORS_WRITABLE_DTYPES = ['F64', 'F32', 'F16', 'BF16', 'I64', 'I32', 'I8', 'U8', 'BOOL'] as const;
export type SafetensorsWritableDtype = (typeof SAFETENSORS_WRITABLE_DTYPES)[number];

/** Dtypes that exist in the safetensors specification but that this reader does not decode. */
export const KNOWN_UNSUPPORTED_DTYPES = ['F8_E5M2', 'F8_E4M3', 'F8_E8M0', 'F6_E2M3', 'F6_E3M2', 'F4', 'C64'] as const;

/** Bytes per element. */
export const SAFETENSORS_DTYPE_SIZE: Record<SafetensorsDtype, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
};

/**
 * The order in which the reference writer lays tensors out: by dtype, largest alignment first (this is the
 * reverse of the declaration order of the `Dtype` enum in the Rust `safetensors` crate), then by name. Putting
 * 8-byte types first means every tensor starts at a multiple of its own element size.
 */
export const WRITE_ORDER: readonly SafetensorsDtype[] = ['U64', 'I64', 'F64', 'F32', 'U32', 'I32', 'BF16', 'F16', 'U16', 'I16', 'I8', 'U8', 'BOOL'];

export function isDtype(s: unknown): s is SafetensorsDtype {
  return typeof s === 'string' && (SAFETENSORS_DTYPES as readonly string[]).includes(s);
}

export function isFloatDtype(d: SafetensorsDtype): boolean {
  return d === 'F64' || d === 'F32' || d === 'F16' || d === 'BF16';
}

/** Is this machine little-endian? (Every current JS platform is, but the format requires LE, so we check.) */
export const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

// ---------------------------------------------------------------------------------------------------------
// Narrow floats <-> numbers
// ---------------------------------------------------------------------------------------------------------

/**
 * Decode a narrow float stored in the low `1 + expBits + mantBits` bits of `bits`.
 *
 *   exponent field e, mantissa field m, bias b = 2^(expBits-1) - 1:
 *     e = 0            -> subnormal: (-1)^s * m / 2^mantBits * 2^(1-b)   (includes ±0)
 *     e = all ones     -> m = 0: ±Infinity, otherwise NaN
 *     otherwise        -> normal:    (-1)^s * (1 + m / 2^mantBits) * 2^(e-b)
 */
export function decodeNarrowFloat(bits: number, expBits: number, mantBits: number): number {
  const sign = (bits >>> (expBits + mantBits)) & 1 ? -1 : 1;
  const expMax = (1 << expBits) - 1;
  const e = (bits >>> mantBits) & expMax;
  const m = bits & ((1 << mantBits) - 1);
  const bias = (1 << (expBits - 1)) - 1;
  if (e === 0) return sign * m * 2 ** (1 - bias - mantBits);
  if (e === expMax) return m === 0 ? sign * Infinity : NaN;
  return sign * (1 + m / 2 ** mantBits) * 2 ** (e - bias);
}

/**
 * Encode a number as a narrow float, rounding to the nearest representable value with ties to even (the
 * IEEE default, what PyTorch and NumPy do). Rounds directly from the double, so there is no double rounding.
 * Values too large become ±Infinity; NaN becomes the quiet NaN with the sign kept.
 */
export function encodeNarrowFloat(x: number, expBits: number, mantBits: number): number {
  const signBit = x < 0 || Object.is(x, -0) ? 1 << (expBits + mantBits) : 0;
  const expMax = (1 << expBits) - 1;
  if (Number.isNaN(x)) return signBit | (expMax << mantBits) | (1 << (mantBits - 1));
  const a = Math.abs(x);
  const bias = (1 << (expBits - 1)) - 1;
  const minExp = 1 - bias; // exponent of the smallest normal number
  if (a < 2 ** minExp) {
    // Subnormal range: the value is m * 2^(minExp - mantBits) with an integer m <= 2^mantBits.
    // m = 2^mantBits (after rounding up) is the bit pattern of the smallest normal, which is right.
    return signBit | roundHalfEven(a * 2 ** (mantBits - minExp));
  }
  if (a === Infinity) return signBit | (expMax << mantBits);
  let e = Math.floor(Math.log2(a)); // log2 can be off by one next to a power of two: fix it exactly
  if (2 ** e > a) e--;
  if (2 ** (e + 1) <= a) e++;
  let m = roundHalfEven((a / 2 ** e - 1) * 2 ** mantBits); // a / 2^e is in [1, 2) and exact
  if (m === 2 ** mantBits) {
    m = 0; // rounded up to the next power of two
    e++;
  }
  if (e + bias >= expMax) return signBit | (expMax << mantBits); // overflow -> Infinity
  return signBit | ((e + bias) << mantBits) | m;
}

function roundHalfEven(q: number): number {
  const f = Math.floor(q);
  const r = q - f;
  if (r > 0.5 || (r === 0.5 && f % 2 === 1)) return f + 1;
  return f;
}

/** IEEE half precision bits (0..65535) -> number. 0x3C00 = 1, 0x7C00 = Infinity, 0x0001 = 2^-24. */
export function float16BitsToNumber(bits: number): number {
  return decodeNarrowFloat(bits, 5, 10);
}

/** number -> IEEE half precision bits, round to nearest even. */
export function numberToFloat16Bits(x: number): number {
  return encodeNarrowFloat(x, 5, 10);
}

/** bfloat16 bits (the top 16 bits of a float32) -> number. 0x3F80 = 1. */
export function bfloat16BitsToNumber(bits: number): number {
  return decodeNarrowFloat(bits, 8, 7);
}

/** number -> bfloat16 bits, round to nearest even. */
export function numberToBfloat16Bits(x: number): number {
  return encodeNarrowFloat(x, 8, 7);
}
