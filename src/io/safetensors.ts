/**
 * Reading safetensors files: the format Hugging Face uses for model weights (`model.safetensors`).
 *
 * The format
 * ----------
 *   bytes 0..8        N, the length of the header, an unsigned 64-bit little-endian integer
 *   bytes 8..8+N      the header: UTF-8 JSON, one object
 *                       {
 *                         "__metadata__": {"format": "pt"},                 (optional, strings only)
 *                         "bert.pooler.dense.bias": {
 *                           "dtype": "F32",                                 (element type, see dtypes.ts)
 *                           "shape": [32],                                  ([] for a scalar)
 *                           "data_offsets": [0, 128]                        ([begin, end) in the data section)
 *                         },
 *                         ...
 *                       }
 *                     The reference writer pads the JSON with spaces so that N is a multiple of 8.
 *   bytes 8+N..end    the data section: each tensor's elements, row-major ("C order"), little-endian.
 *
 * Offsets count from the start of the data section, not of the file. A valid file has no gaps and no
 * overlaps: sorted by offset, the tensors cover the data section exactly, each one's byte count being
 * (product of shape) × (bytes per element). Tensors shared in memory ("tied" weights) are stored once.
 *
 * There is no code in the file, only numbers, which is why it is safe to load files from strangers (unlike
 * PyTorch's pickle-based `.bin`), and the header says where every tensor is, so one can be read without
 * the others.
 *
 * What the reader refuses follows Hugging Face's reference reader (the Rust `safetensors` crate), which refuses
 * everything its format does not allow: a header above 100 MB; one that is not UTF-8, starts with a byte-order
 * mark, is not one JSON object, nests more than 127 levels or holds a string with an unpaired surrogate
 * ("\ud800"); a dtype it does not know; shape and data_offsets that are not lists of non-negative integers
 * written with digits only (4.0, 4e0 and -0 are refused, though JSON.parse reads them as integers); a shape whose
 * product overflows; offsets that disagree with shape × dtype size, overlap, leave a hole or miss the end of the
 * file. Where we differ, we are stricter, and say so: a tensor name written twice (the reference keeps the last),
 * integers above 2^53 (a JavaScript number cannot hold them), and the F8/F6/F4/C64 dtypes (we do not decode
 * them). The reference reader also accepts an entry written as a list ["F32", [2], [0, 8]] (a quirk of its JSON
 * library, not part of the format): refused here. docs/reliability.md lists the tests.
 *
 * `readSafetensors` checks all of this and says precisely what is wrong when something is; the returned
 * `SafetensorsFile` gives each tensor's bytes as a view into the input (no copy) and converts them to typed
 * arrays on request.
 */
import { readFileSync } from 'node:fs';
import { decodeBigInt64, decodeFloat32, decodeFloat64, decodeInt32 } from './decode.ts';
import { SAFETENSORS_DTYPES, SAFETENSORS_DTYPE_SIZE, isDtype, KNOWN_UNSUPPORTED_DTYPES, type SafetensorsDtype } from './dtypes.ts';
import { MAX_JSON_DEPTH, scanHeader, type HeaderScan } from './header-scan.ts';
import { utf8Length } from './unicode.ts';

/** The reference implementation refuses headers above 100 MB; so do we (a corrupt length could be huge). */
export const MAX_HEADER_BYTES = 100_000_000;

const U64_MAX = 2n ** 64n - 1n;

/** Raised for any malformed safetensors file; the message names the file and what is wrong. */
export class SafetensorsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SafetensorsError';
  }
}

/** One tensor of a safetensors file. */
export interface SafetensorsEntry {
  name: string;
  dtype: SafetensorsDtype;
  /** Dimensions, outermost first; [] for a scalar. */
  shape: number[];
  /** Number of elements: the product of `shape` (1 for a scalar). */
  numel: number;
  /** [begin, end) of this tensor in the data section. */
  dataOffsets: [number, number];
  /** The tensor's raw little-endian bytes: a view into the file's bytes, not a copy. Do not modify. */
  bytes: Uint8Array;
}

/** A parsed safetensors file. Tensors are listed in the order of their data in the file. */
export class SafetensorsFile {
  constructor(
    /** Where the bytes came from (a path, or '<bytes>'): used in error messages. */
    readonly source: string,
    /** Every tensor by name, in data order. */
    readonly entries: Map<string, SafetensorsEntry>,
    /** The `__metadata__` strings ({} when the file has none). */
    readonly metadata: Record<string, string>,
    /** N, the length of the JSON header in bytes (the data section starts at byte 8 + N). */
    readonly headerLength: number,
  ) {}

  /** Tensor names in data order. */
  names(): string[] {
    return [...this.entries.keys()];
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** The entry for `name`; throws naming the file and the closest names when there is none. */
  get(name: string): SafetensorsEntry {
    const e = this.entries.get(name);
    if (e) return e;
    const close = closestNames(name, this.names());
    const hint = close.length ? `; closest names: ${close.map((n) => `"${n}"`).join(', ')}` : '';
    throw new SafetensorsError(`${this.source}: no tensor named "${name}" (the file has ${this.entries.size} tensors${hint})`);
  }

  /** The tensor as float32 (a fresh copy; F16/BF16 decoded exactly, F64 and integers rounded). */
  toFloat32(name: string): Float32Array {
    const e = this.get(name);
    return decodeFloat32(e.dtype, e.bytes);
  }

  /** The tensor as float64 (a fresh copy; exact for every dtype except I64/U64 beyond 2^53). */
  toFloat64(name: string): Float64Array {
    const e = this.get(name);
    return decodeFloat64(e.dtype, e.bytes);
  }

  /** An integer tensor as int32 (a fresh copy); throws for float tensors and values outside int32. */
  toInt32(name: string): Int32Array {
    const e = this.get(name);
    return decodeInt32(e.dtype, e.bytes, `${this.source}: tensor "${name}"`);
  }

  /** An integer tensor as int64 (a fresh copy, exact); throws for float tensors. */
  toBigInt64(name: string): BigInt64Array {
    const e = this.get(name);
    return decodeBigInt64(e.dtype, e.bytes, `${this.source}: tensor "${name}"`);
  }
}

/**
 * Parse and validate a safetensors file held in memory.
 * @param bytes the whole file
 * @param source a name for error messages (usually the path)
 */
export function readSafetensors(bytes: Uint8Array, source = '<bytes>'): SafetensorsFile {
  const fail = (msg: string): never => {
    throw new SafetensorsError(`${source}: ${msg}`);
  };
  // A Node Buffer is a Uint8Array; view it as a plain one so entries compare equal to plain arrays.
  bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);

  // 1. The header length.
  if (bytes.byteLength < 8) {
    fail(`file is ${bytes.byteLength} bytes, shorter than the 8-byte header length every safetensors file starts with`);
  }
  const n64 = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n64 > BigInt(bytes.byteLength - 8)) {
    fail(
      `header length is ${n64} bytes but only ${bytes.byteLength - 8} bytes follow the length field ` +
        `(file is ${bytes.byteLength} bytes): the file is truncated or is not a safetensors file`,
    );
  }
  const headerLength = Number(n64);
  if (headerLength > MAX_HEADER_BYTES) fail(`header length ${headerLength} bytes is above the ${MAX_HEADER_BYTES}-byte limit`);
  const dataStart = 8 + headerLength;
  const dataLength = bytes.byteLength - dataStart;

  // 2. The header: UTF-8 without a byte-order mark, JSON nested at most MAX_JSON_DEPTH levels, an object, no
  //    repeated keys, valid Unicode in every string.
  const headerBytes = bytes.subarray(8, dataStart);
  let text = '';
  try {
    // ignoreBOM keeps a byte-order mark in the text (by default TextDecoder drops it), so that we can refuse it
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(headerBytes);
  } catch {
    fail(`header (bytes 8..${dataStart}) is not valid UTF-8`);
  }
  if (text.charCodeAt(0) === 0xfeff) {
    fail(`header starts with a UTF-8 byte-order mark (bytes EF BB BF); the header must start with the JSON itself ('{')`);
  }
  const scan = scanHeader(text);
  const at = (index: number) => `byte ${utf8Length(text.slice(0, index))} of the header`;
  if (scan.tooDeep) {
    fail(`header nests arrays and objects ${scan.tooDeep.depth} levels deep at ${at(scan.tooDeep.index)}; at most ${MAX_JSON_DEPTH} are allowed`);
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (err) {
    fail(`header (bytes 8..${dataStart}) is not valid JSON: ${(err as Error).message}; it starts ${JSON.stringify(text.slice(0, 40))}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    fail(`header must be a JSON object {name: {dtype, shape, data_offsets}}, found ${describeJson(header)}`);
  }
  if (scan.loneSurrogate) {
    const { index, raw } = scan.loneSurrogate;
    fail(`the string at ${at(index)} (${truncate(raw, 40)}) holds an unpaired UTF-16 surrogate escape; strings must be valid Unicode`);
  }
  const dup = scan.duplicate;
  if (dup) {
    if (dup.path.length === 0) fail(`tensor name ${quoted(dup.key)} appears twice in the header`);
    fail(`key ${quoted(dup.key)} appears twice in the header entry for ${quoted(dup.path.join('.'))}`);
  }

  // 3. Metadata and each tensor's description.
  let metadata: Record<string, string> = {};
  const parsed: SafetensorsEntry[] = [];
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (value === null) continue; // the reference reads null as "no metadata"
      if (typeof value !== 'object' || Array.isArray(value)) {
        fail(`__metadata__ must be an object of strings, found ${describeJson(value)}`);
      }
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`__metadata__ must map strings to strings; ${quoted(k)} is ${describeJson(v)}`);
      }
      // fromEntries, not assignment: a key "__proto__" must stay a key
      metadata = Object.fromEntries(Object.entries(value as Record<string, string>));
      continue;
    }
    parsed.push(parseEntry(name, value, bytes, dataStart, dataLength, scan, fail));
  }

  // 4. The tensors must tile the data section: sorted by offset, each begins where the previous ended.
  const sorted = [...parsed].sort((a, b) => a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1]);
  let covered = 0;
  let previous: SafetensorsEntry | null = null;
  for (const e of sorted) {
    const [begin] = e.dataOffsets;
    if (begin < covered && previous) {
      fail(`tensors ${quoted(previous.name)} (data_offsets ${fmtRange(previous)}) and ${quoted(e.name)} (data_offsets ${fmtRange(e)}) overlap`);
    }
    if (begin > covered) {
      const after = previous ? ` between ${quoted(previous.name)} and ${quoted(e.name)}` : ` before ${quoted(e.name)}`;
      fail(`bytes [${covered}, ${begin}) of the data section belong to no tensor (a hole${after}); tensors must be contiguous`);
    }
    covered = e.dataOffsets[1];
    previous = e;
  }
  if (covered !== dataLength) {
    fail(`the data section is ${dataLength} bytes but the tensors cover only [0, ${covered}): ` + `${dataLength - covered} trailing bytes belong to no tensor`);
  }
  return new SafetensorsFile(source, new Map(sorted.map((e) => [e.name, e])), metadata, headerLength);
}

/** Read and parse a safetensors file from disk (synchronously). */
export function loadSafetensors(path: string): SafetensorsFile {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new SafetensorsError(`cannot read ${path}: ${(err as Error).message}`);
  }
  return readSafetensors(bytes, path);
}

/** Validate one header entry and cut its bytes out of the data section. */
function parseEntry(
  name: string,
  value: unknown,
  bytes: Uint8Array,
  dataStart: number,
  dataLength: number,
  scan: HeaderScan,
  fail: (msg: string) => never,
): SafetensorsEntry {
  const where = `tensor ${quoted(name)}`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(`${where}: expected {dtype, shape, data_offsets}, found ${describeJson(value)}`);
  }
  const info = value as Record<string, unknown>;
  for (const key of ['dtype', 'shape', 'data_offsets']) if (!Object.hasOwn(info, key)) fail(`${where}: missing "${key}"`);

  const dtype = info.dtype;
  if (!isDtype(dtype)) {
    if ((KNOWN_UNSUPPORTED_DTYPES as readonly unknown[]).includes(dtype)) {
      fail(`${where}: dtype ${dtype} is not supported by this reader; supported: ${SAFETENSORS_DTYPES.join(', ')}`);
    }
    fail(`${where}: unknown dtype ${previewJson(dtype)}; expected one of ${SAFETENSORS_DTYPES.join(', ')}`);
  }
  const d = dtype as SafetensorsDtype;

  // Numbers of this entry's lists not written as short plain digits, exactly as written (usually none).
  const rawNumbers = scan.rawNumbers.get(name);
  /** A list element must be written with digits only, and be small enough for a JavaScript number to hold. */
  const checkInteger = (field: string, index: number, v: number, what: string) => {
    let raw = rawNumbers?.get(`${field}[${index}]`);
    if (raw === undefined) {
      if (Number.isSafeInteger(v) && v >= 0) return; // written as short plain digits (the scan keeps all others)
      raw = String(v);
    }
    if (!/^(0|[1-9][0-9]*)$/.test(raw)) {
      fail(
        `${where}: ${field}[${index}] is written ${truncate(raw, 40)}; expected a non-negative integer written with digits only (no sign, fraction or exponent)`,
      );
    }
    if (!Number.isSafeInteger(v))
      fail(`${where}: ${field}[${index}] is ${truncate(raw, 40)}, above ${Number.MAX_SAFE_INTEGER}, the largest ${what} this reader can address`);
  };

  const shape = info.shape;
  if (!Array.isArray(shape) || !shape.every((s) => typeof s === 'number')) {
    fail(`${where}: shape must be a list of non-negative integers, found ${previewJson(shape)}`);
  }
  const dims = shape as number[];
  dims.forEach((s, i) => checkInteger('shape', i, s, 'dimension'));
  // The reference multiplies dimension by dimension in unsigned 64-bit integers and refuses on overflow, even
  // when a later dimension is 0; so do we (in BigInt, as the product can pass 2^53 before a 0 brings it back).
  let product = 1n;
  for (let i = 0; i < dims.length; i++) {
    product *= BigInt(dims[i]);
    if (product > U64_MAX) fail(`${where}: shape ${JSON.stringify(dims)} overflows: the product of its first ${i + 1} dimensions is above 2^64 - 1`);
  }
  const numel = Number(product);
  const byteCount = numel * SAFETENSORS_DTYPE_SIZE[d];
  if (!Number.isSafeInteger(byteCount)) {
    fail(`${where}: shape ${JSON.stringify(dims)} of ${d} needs ${byteCount} bytes, above ${Number.MAX_SAFE_INTEGER}`);
  }

  const offsets = info.data_offsets;
  const offsetsMessage = () => `${where}: data_offsets must be [begin, end] with integers 0 <= begin <= end, found ${previewJson(offsets)}`;
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => typeof o === 'number')) fail(offsetsMessage());
  const [begin, end] = offsets as [number, number];
  checkInteger('data_offsets', 0, begin, 'offset');
  checkInteger('data_offsets', 1, end, 'offset');
  if (begin > end) fail(offsetsMessage());
  if (end - begin !== byteCount) {
    fail(
      `${where}: data_offsets [${begin}, ${end}] hold ${end - begin} bytes but shape ${JSON.stringify(dims)} of ${d} ` +
        `needs ${byteCount} (${numel} element${numel === 1 ? '' : 's'} × ${SAFETENSORS_DTYPE_SIZE[d]} bytes)`,
    );
  }
  if (end > dataLength) {
    fail(
      `${where}: data_offsets [${begin}, ${end}] go beyond the data section, which is ${dataLength} bytes ` +
        `(bytes ${dataStart}..${dataStart + dataLength} of the file)`,
    );
  }
  return {
    name,
    dtype: d,
    shape: [...dims],
    numel,
    dataOffsets: [begin, end],
    bytes: bytes.subarray(dataStart + begin, dataStart + end),
  };
}

/** A tensor name for a message: quoted, and cut when it is long (a hostile header can hold a 50 MB name). */
function quoted(name: string, max = 200): string {
  return name.length > max ? `"${name.slice(0, max)}..." (${name.length} characters)` : `"${name}"`;
}

function fmtRange(e: SafetensorsEntry): string {
  return `[${e.dataOffsets[0]}, ${e.dataOffsets[1]}]`;
}

/** A short description of a JSON value for error messages: its kind and the start of its text (bounded). */
function describeJson(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array ${previewJson(v)}`;
  if (typeof v === 'object') return `an object ${previewJson(v)}`;
  return `${typeof v} ${previewJson(v)}`;
}

/**
 * JSON text of `v`, cut after about `max` characters. Unlike JSON.stringify it stops early, so a value of
 * millions of elements costs nothing, and it never recurses more than `max` levels.
 */
function previewJson(v: unknown, max = 60): string {
  let out = '';
  const emit = (x: unknown, depth: number): void => {
    if (out.length > max) return;
    if (Array.isArray(x) || (typeof x === 'object' && x !== null)) {
      if (depth > max) {
        out += '...';
        return;
      }
      const isArray = Array.isArray(x);
      out += isArray ? '[' : '{';
      let first = true;
      for (const key in x) {
        if (out.length > max) return;
        if (!first) out += ',';
        first = false;
        if (!isArray) out += `${JSON.stringify(key)}:`;
        emit((x as Record<string, unknown>)[key], depth + 1);
      }
      out += isArray ? ']' : '}';
      return;
    }
    out += JSON.stringify(x) ?? String(x);
  };
  emit(v, 0);
  return truncate(out, max);
}

function truncate(s: string, max = 60): string {
  return s.length > max ? `${s.slice(0, max)}...` : s;
}

/** Up to 3 names that share the longest common prefix + suffix with `name`: hints for a misspelt name. */
function closestNames(name: string, names: string[]): string[] {
  const score = (other: string): number => {
    let p = 0;
    while (p < name.length && p < other.length && name[p] === other[p]) p++;
    let s = 0;
    while (s < name.length - p && s < other.length - p && name[name.length - 1 - s] === other[other.length - 1 - s]) s++;
    return p + s;
  };
  return names
    .map((n) => ({ n, s: score(n) }))
    .filter((x) => x.s > 0)
    .sort((a, b) => b.s - a.s || a.n.localeCompare(b.n))
    .slice(0, 3)
    .map((x) => x.n);
}
