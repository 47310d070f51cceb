/**
 * Writing safetensors files (the format is described at the top of safetensors.ts), laid out exactly as
 * Hugging Face's `safetensors` library lays them out, so that `transformers` and `safetensors` read them:
 *
 *   - tensors ordered by dtype, largest alignment first (F64/I64 before F32/I32 before F16/BF16 before bytes),
 *     then by name in the order of their UTF-8 bytes (as Rust compares strings; see unicode.ts); each
 *     tensor's data follows the previous one with no gap;
 *   - the header is compact JSON, `__metadata__` first (when metadata is given, even {}), then the tensors in
 *     data order, padded with spaces so that its length N is a multiple of 8 (then the data section starts
 *     at byte 8 + N, a multiple of 8, and with the ordering above every tensor is aligned to its element
 *     size, which lets readers view the bytes in place);
 *   - all numbers little-endian.
 *
 * Metadata keys are written in the order given; the reference writer keeps them in a hash map, so with more than
 * one key its order is arbitrary, and only files with at most one metadata key can be byte-identical to it.
 *
 * Whatever a reader would refuse is refused here, before a byte is written: a header above MAX_HEADER_BYTES (the
 * reference writer refuses it too), names or metadata that are not valid Unicode (UTF-8 cannot store them).
 */
import { encodeTensor } from './encode.ts';
import { writeFileAtomic, writeFileAtomicSync } from './atomic.ts';
import { SAFETENSORS_DTYPE_SIZE, SAFETENSORS_WRITABLE_DTYPES, WRITE_ORDER, type SafetensorsWritableDtype } from './dtypes.ts';
import { MAX_HEADER_BYTES, SafetensorsError } from './safetensors.ts';
import { compareUtf8, firstLoneSurrogate, jsonStringUtf8Length, utf8Length } from './unicode.ts';

/** Arrays a tensor's elements can be given in; which ones each dtype accepts is listed at `TensorToWrite`. */
export type SafetensorsData = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint16Array | Uint8Array | Int8Array;

/**
 * One tensor to write. `data` holds the elements in row-major order, `product(shape)` of them.
 *
 *   dtype    data
 *   F32      Float32Array, or Float64Array (rounded to float32)
 *   F64      Float64Array, or Float32Array
 *   F16      Uint16Array of raw half-precision bits, or Float32Array/Float64Array (rounded, ties to even)
 *   BF16     Uint16Array of raw bfloat16 bits, or Float32Array/Float64Array (rounded, ties to even)
 *   I64      BigInt64Array, or Int32Array
 *   I32      Int32Array, or BigInt64Array (each value must fit in int32)
 *   I8       Int8Array
 *   U8       Uint8Array
 *   BOOL     Uint8Array of 0s and 1s
 */
export interface TensorToWrite {
  dtype: SafetensorsWritableDtype;
  shape: readonly number[];
  data: SafetensorsData;
}

/** Where each tensor goes, and the finished header. */
export interface SafetensorsLayout {
  /** The 8-byte header length followed by the padded JSON header. */
  header: Uint8Array;
  /** Tensors in data order with their [begin, end) in the data section. */
  tensors: { name: string; tensor: TensorToWrite; begin: number; end: number }[];
  /** Size of the whole file in bytes. */
  totalBytes: number;
}

/** Validate the tensors and work out the file layout (no tensor data is touched). */
export function planSafetensors(tensors: Record<string, TensorToWrite>, metadata?: Record<string, string>): SafetensorsLayout {
  const fail = (msg: string): never => {
    throw new SafetensorsError(`cannot write safetensors: ${msg}`);
  };
  /** UTF-8 cannot hold half a surrogate pair: TextEncoder would write U+FFFD and the name would change. */
  const checkUnicode = (s: string, label: string, rule: string) => {
    const at = firstLoneSurrogate(s);
    if (at >= 0) fail(`${label} holds an unpaired UTF-16 surrogate (code unit ${at}); ${rule} must be valid Unicode`);
  };
  for (const [k, v] of Object.entries(metadata ?? {})) {
    if (typeof v !== 'string') fail(`metadata values must be strings; "${k}" is ${typeof v}`);
    checkUnicode(k, `metadata key ${JSON.stringify(k)}`, 'metadata');
    checkUnicode(v, `metadata value of ${JSON.stringify(k)}`, 'metadata');
  }
  const names = Object.keys(tensors);
  for (const name of names) {
    const t = tensors[name];
    if (name === '__metadata__') fail('"__metadata__" is reserved and cannot be a tensor name');
    checkUnicode(name, `tensor name ${JSON.stringify(name)}`, 'names');
    if (!(SAFETENSORS_WRITABLE_DTYPES as readonly string[]).includes(t.dtype)) {
      const expected = SAFETENSORS_WRITABLE_DTYPES.join(', ');
      fail(`tensor "${name}": dtype ${JSON.stringify(t.dtype)} cannot be written; expected one of ${expected}`);
    }
    if (!Array.isArray(t.shape) || !t.shape.every((s) => Number.isSafeInteger(s) && s >= 0)) {
      fail(`tensor "${name}": shape must be a list of non-negative integers, found ${JSON.stringify(t.shape)}`);
    }
    const numel = t.shape.reduce((a, b) => a * b, 1);
    if (t.data.length !== numel) {
      fail(`tensor "${name}": shape ${JSON.stringify(t.shape)} has ${numel} elements but its data has ${t.data.length}`);
    }
  }

  const rank = (t: TensorToWrite) => WRITE_ORDER.indexOf(t.dtype);
  names.sort((a, b) => rank(tensors[a]) - rank(tensors[b]) || compareUtf8(a, b));

  const laidOut: SafetensorsLayout['tensors'] = [];
  let offset = 0;
  const entries: string[] = []; // "name":{"dtype":...}
  for (const name of names) {
    const t = tensors[name];
    const begin = offset;
    const end = begin + t.data.length * SAFETENSORS_DTYPE_SIZE[t.dtype];
    laidOut.push({ name, tensor: t, begin, end });
    entries.push(`${JSON.stringify(name)}:{"dtype":"${t.dtype}","shape":${JSON.stringify(t.shape)},"data_offsets":[${begin},${end}]}`);
    offset = end;
  }

  // The size first, counted without building the JSON, so that a header above the limit costs no 100 MB copies.
  // {"__metadata__":{"k":"v",...},"name":{...},...}
  let metaBytes = 0;
  if (metadata) {
    const kv = Object.entries(metadata);
    metaBytes = '"__metadata__":{}'.length + Math.max(0, kv.length - 1);
    for (const [k, v] of kv) metaBytes += jsonStringUtf8Length(k) + 1 + jsonStringUtf8Length(v);
  }
  let entryBytes = Math.max(0, entries.length - 1);
  for (const e of entries) entryBytes += utf8Length(e);
  const jsonBytes = 2 + metaBytes + entryBytes + (metadata && entries.length ? 1 : 0);
  const padded = Math.ceil(jsonBytes / 8) * 8;
  if (padded > MAX_HEADER_BYTES) {
    fail(
      `the header would be ${padded} bytes, above the ${MAX_HEADER_BYTES}-byte limit of safetensors readers (ours and the reference): ` +
        `__metadata__ takes ${metaBytes} bytes and the ${names.length} tensor entr${names.length === 1 ? 'y' : 'ies'} ${entryBytes} bytes`,
    );
  }
  const parts = metadata ? [`"__metadata__":${JSON.stringify(metadata)}`, ...entries] : entries;
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  if (json.byteLength !== jsonBytes) throw new Error(`planSafetensors: header is ${json.byteLength} bytes, counted ${jsonBytes} (a bug)`);
  const header = new Uint8Array(8 + padded).fill(0x20); // 0x20 = ' '
  new DataView(header.buffer).setBigUint64(0, BigInt(padded), true);
  header.set(json, 8);
  return { header, tensors: laidOut, totalBytes: header.byteLength + offset };
}

/**
 * The file as a list of chunks: the header, then each tensor's bytes. Chunks are views of the caller's
 * arrays where no conversion is needed, so this costs no copy of the weights. Errors are raised here,
 * before anything is written.
 */
export function encodeSafetensors(tensors: Record<string, TensorToWrite>, metadata?: Record<string, string>): Uint8Array[] {
  const layout = planSafetensors(tensors, metadata);
  return [layout.header, ...layout.tensors.map(({ name, tensor }) => encodeTensor(name, tensor))];
}

/**
 * Serialize tensors to the bytes of a safetensors file.
 * @param tensors name -> {dtype, shape, data}; see `TensorToWrite` for the accepted arrays
 * @param metadata optional `__metadata__` strings, e.g. {format: 'pt'}
 */
export function writeSafetensors(tensors: Record<string, TensorToWrite>, metadata?: Record<string, string>): Uint8Array {
  const chunks = encodeSafetensors(tensors, metadata);
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** Write a safetensors file atomically (see `writeFileAtomic`): the old file stays until the new one is complete. */
export async function saveSafetensors(path: string, tensors: Record<string, TensorToWrite>, metadata?: Record<string, string>): Promise<void> {
  await writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

/** Synchronous `saveSafetensors`. */
export function saveSafetensorsSync(path: string, tensors: Record<string, TensorToWrite>, metadata?: Record<string, string>): void {
  writeFileAtomicSync(path, encodeSafetensors(tensors, metadata));
}
