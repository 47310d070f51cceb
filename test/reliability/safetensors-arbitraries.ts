/**
 * fast-check generators of safetensors inputs for safetensors-fuzz.test.ts: valid files, mutations of them, and
 * headers built from the format's grammar with hostile values in every position.
 */
import fc from 'fast-check';
import { SAFETENSORS_WRITABLE_DTYPES, type TensorToWrite } from '../../src/io/index.ts';
import { firstLoneSurrogate } from '../../src/io/unicode.ts';

// ---------------------------------------------------------------------------------------------------------
// Valid files
// ---------------------------------------------------------------------------------------------------------

export const TRICKY_NAMES = [
  '～',
  '😀',
  '\ue000',
  '𝐀',
  'é',
  'a',
  'A',
  '',
  ' ',
  '"',
  '\\',
  'a\u0000b',
  '\n',
  '__proto__',
  'constructor',
  '__metadata',
  '0',
  '10',
  '9',
];
export const nameArb = fc
  .oneof(fc.constantFrom(...TRICKY_NAMES), fc.string({ unit: 'binary', maxLength: 6 }), fc.string({ maxLength: 12 }))
  .filter((s) => s !== '__metadata__' && firstLoneSurrogate(s) < 0);

/** Elements of `dtype` in the array type that holds them exactly (F16/BF16 as raw bits, any pattern). */
function dataArb(dtype: (typeof SAFETENSORS_WRITABLE_DTYPES)[number], n: number): fc.Arbitrary<TensorToWrite['data']> {
  const ints = (min: number, max: number) => fc.array(fc.integer({ min, max }), { minLength: n, maxLength: n });
  switch (dtype) {
    case 'F64':
      return fc.array(fc.double(), { minLength: n, maxLength: n }).map((a) => new Float64Array(a));
    case 'F32':
      return fc.array(fc.float(), { minLength: n, maxLength: n }).map((a) => new Float32Array(a));
    case 'F16':
    case 'BF16':
      return ints(0, 0xffff).map((a) => new Uint16Array(a));
    case 'I64':
      return fc.array(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { minLength: n, maxLength: n }).map((a) => new BigInt64Array(a));
    case 'I32':
      return ints(-(2 ** 31), 2 ** 31 - 1).map((a) => new Int32Array(a));
    case 'I8':
      return ints(-128, 127).map((a) => new Int8Array(a));
    case 'U8':
      return ints(0, 255).map((a) => new Uint8Array(a));
    case 'BOOL':
      return ints(0, 1).map((a) => new Uint8Array(a));
  }
}

export const tensorArb: fc.Arbitrary<TensorToWrite> = fc
  .tuple(fc.constantFrom(...SAFETENSORS_WRITABLE_DTYPES), fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }))
  .chain(([dtype, shape]) =>
    dataArb(
      dtype,
      shape.reduce((a, b) => a * b, 1),
    ).map((data) => ({ dtype, shape, data })),
  );

export const metadataArb = fc.option(
  fc.dictionary(
    nameArb,
    fc.string({ unit: 'binary', maxLength: 8 }).filter((s) => firstLoneSurrogate(s) < 0),
    { maxKeys: 3 },
  ),
  {
    nil: undefined,
  },
);
export const validArb = fc.tuple(fc.dictionary(nameArb, tensorArb, { maxKeys: 6 }), metadataArb);

export const bytesOf = (a: TensorToWrite['data']) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

// ---------------------------------------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------------------------------------

export const enc = new TextEncoder();
const JSONISH = [...'{}[]":,.eE-+019 \\'].map((c) => c.charCodeAt(0)).concat([0x00, 0xff, 0xef, 0xbb, 0xbf, 0xc3, 0xed, 0x0a]);
const NUMBER_FORMS = ['.0', 'e0', 'E1', '.5', '0', '000'];
const NUMBER_SWAPS = ['-0', '1.0', '4e0', '18446744073709551616', '18446744073709551615', '9007199254740993', '9007199254740991', '1e400', '-1', '0'];

export type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; byte: number }
  | { kind: 'insert'; at: number; bytes: number[] }
  | { kind: 'delete'; at: number; count: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'length'; value: bigint }
  | { kind: 'bom' }
  | { kind: 'number'; which: number; suffix: string; swap: string | null };

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.oneof(fc.constantFrom(...JSONISH), fc.integer({ min: 0, max: 255 })) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.array(fc.constantFrom(...JSONISH), { minLength: 1, maxLength: 4 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('length' as const),
    value: fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.constantFrom(0n, 1n, 7n, 8n, 100_000_001n, 2n ** 63n, 2n ** 64n - 1n)),
  }),
  fc.constant({ kind: 'bom' as const }),
  fc.record({
    kind: fc.constant('number' as const),
    which: fc.nat(),
    suffix: fc.constantFrom(...NUMBER_FORMS),
    swap: fc.option(fc.constantFrom(...NUMBER_SWAPS), { nil: null }),
  }),
);

/** The header length field of `b` (capped to the bytes present), for mutations of the header text. */
function headerEnd(b: Uint8Array): number {
  if (b.byteLength < 8) return b.byteLength;
  const n = new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
  return Number(n > BigInt(b.byteLength - 8) ? BigInt(b.byteLength) : 8n + n);
}

/** Replace the header text, fixing the length field (so that the mutation reaches the JSON checks). */
function withHeader(b: Uint8Array, text: Uint8Array): Uint8Array {
  const end = headerEnd(b);
  const out = new Uint8Array(8 + text.byteLength + (b.byteLength - end));
  new DataView(out.buffer).setBigUint64(0, BigInt(text.byteLength), true);
  out.set(text, 8);
  out.set(b.subarray(end), 8 + text.byteLength);
  return out;
}

export function mutate(b: Uint8Array, m: Mutation): Uint8Array {
  const at = b.byteLength ? (m.kind !== 'length' && m.kind !== 'bom' && m.kind !== 'number' ? m.at % b.byteLength : 0) : 0;
  switch (m.kind) {
    case 'flip': {
      const out = b.slice();
      if (out.byteLength) out[at] ^= 1 << m.bit;
      return out;
    }
    case 'set': {
      const out = b.slice();
      if (out.byteLength) out[at] = m.byte;
      return out;
    }
    case 'insert': {
      // inside the header: keep the length field right, so that the JSON parser sees the change
      const end = headerEnd(b);
      if (b.byteLength >= 8 && at >= 8 && at < end) {
        const text = b.subarray(8, end);
        const k = at - 8;
        return withHeader(b, new Uint8Array([...text.subarray(0, k), ...m.bytes, ...text.subarray(k)]));
      }
      return new Uint8Array([...b.subarray(0, at), ...m.bytes, ...b.subarray(at)]);
    }
    case 'delete':
      return new Uint8Array([...b.subarray(0, at), ...b.subarray(at + m.count)]);
    case 'truncate':
      return b.slice(0, at);
    case 'length': {
      const out = b.byteLength >= 8 ? b.slice() : new Uint8Array(8);
      new DataView(out.buffer).setBigUint64(0, m.value, true);
      return out;
    }
    case 'bom':
      return b.byteLength < 8 ? b : withHeader(b, new Uint8Array([0xef, 0xbb, 0xbf, ...b.subarray(8, headerEnd(b))]));
    case 'number': {
      if (b.byteLength < 8) return b;
      const text = new TextDecoder().decode(b.subarray(8, headerEnd(b)));
      const numbers = [...text.matchAll(/\d+/g)];
      if (!numbers.length) return b;
      const hit = numbers[m.which % numbers.length];
      const replaced = m.swap ?? `${hit[0]}${m.suffix}`;
      return withHeader(b, enc.encode(text.slice(0, hit.index) + replaced + text.slice(hit.index! + hit[0].length)));
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Random headers from the format's grammar, with hostile values anywhere
// ---------------------------------------------------------------------------------------------------------

const rawNumber = fc.oneof(
  fc.nat({ max: 64 }).map(String),
  fc.constantFrom(
    '0',
    '4',
    '8',
    '16',
    '1.0',
    '4e0',
    '4E+0',
    '0.5',
    '-0',
    '-4',
    '1e400',
    '18446744073709551615',
    '18446744073709551616',
    '9007199254740993',
    '00',
    '1.',
    '+1',
  ),
);
const rawString = fc
  .oneof(
    fc.constantFrom(...TRICKY_NAMES, '\\ud800', '\\udc00x', '\\ud83d\\ude00', '\\u0000', '\\"'),
    fc.string({ unit: 'binary', maxLength: 5 }).filter((s) => firstLoneSurrogate(s) < 0),
  )
  .map((s) => (s.startsWith('\\') ? `"${s}"` : JSON.stringify(s)));
const rawDtype = fc.oneof(
  fc.constantFrom(...['F64', 'F32', 'F16', 'BF16', 'I64', 'I32', 'I16', 'I8', 'U64', 'U32', 'U16', 'U8', 'BOOL'].map((d) => `"${d}"`)),
  fc.constantFrom('"F8_E4M3"', '"f32"', '"C64"', '"F4"', '"F32 "', '7', 'null', '["F32"]'),
);
const rawJson: fc.Arbitrary<string> = fc.oneof(
  fc.json({ maxDepth: 3 }),
  rawNumber,
  rawString,
  fc.constantFrom('[', '{', '}', ']', '', 'nul', 'true', '[1,2', '{"a":1,}'),
);
const rawList = (item: fc.Arbitrary<string>) => fc.array(item, { maxLength: 4 }).map((xs) => `[${xs.join(',')}]`);
const rawEntry = fc
  .record(
    {
      dtype: fc.oneof({ weight: 5, arbitrary: rawDtype }, { weight: 1, arbitrary: rawJson }),
      shape: fc.oneof({ weight: 5, arbitrary: rawList(rawNumber) }, { weight: 1, arbitrary: rawJson }),
      data_offsets: fc.oneof({ weight: 5, arbitrary: fc.tuple(rawNumber, rawNumber).map(([a, b]) => `[${a},${b}]`) }, { weight: 1, arbitrary: rawJson }),
      extra: fc.option(fc.tuple(rawString, rawJson), { nil: undefined }),
    },
    { requiredKeys: [] },
  )
  .map((e) => {
    const parts = Object.entries(e)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => (k === 'extra' ? `${(v as string[])[0]}:${(v as string[])[1]}` : `"${k}":${v}`));
    return `{${parts.join(',')}}`;
  });
const rawMetadata = fc.oneof(
  fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 })).map((m) => JSON.stringify(m)),
  rawJson,
);
export const rawHeaderArb = fc
  .record({
    entries: fc.array(fc.tuple(rawString, fc.oneof({ weight: 6, arbitrary: rawEntry }, { weight: 1, arbitrary: rawJson })), { maxLength: 5 }),
    metadata: fc.option(rawMetadata, { nil: undefined }),
    lead: fc.constantFrom('', ' ', '\n', '\ufeff', '\t'),
    trail: fc.constantFrom('', '   ', '\u0000', '\r\n', '}'),
    data: fc.oneof(fc.nat({ max: 48 }), fc.constant(-1)),
  })
  .map(({ entries, metadata, lead, trail, data }) => {
    const parts = entries.map(([k, v]) => `${k}:${v}`);
    if (metadata !== undefined) parts.unshift(`"__metadata__":${metadata}`);
    const text = `${lead}{${parts.join(',')}}${trail}`;
    // data = -1: exactly as long as the largest end offset written in the text, so that some headers are valid
    const ends = [...text.matchAll(/"data_offsets":\[(\d+),(\d+)\]/g)].map((m) => Number(m[2]));
    const length = data >= 0 ? data : Math.min(4096, Math.max(0, ...ends));
    return { text, length };
  });
