/**
 * A bounded fuzz of the safetensors reader and writer (fast-check, fixed seed).
 *
 * Properties:
 *   - the reader, given any bytes, either returns tensors that agree with the header (names, dtypes, shapes,
 *     offsets that tile the data section, bytes of the right length) or throws a SafetensorsError whose message
 *     starts with the file name; never another exception, never a stack overflow, never a hang;
 *   - a file the writer writes reads back identically (same names, dtypes, shapes and bytes), and writing what
 *     was read gives the same file again;
 *   - the writer, given any input, either writes such a file or throws a SafetensorsError before writing.
 *
 * Inputs: valid files (random names including astral characters, every writable dtype, empty and scalar
 * shapes, metadata) and mutations of them (bit flips, bytes that matter to JSON, insertions, deletions,
 * truncations, a changed length field, a byte-order mark, numbers rewritten as 4.0, 4e0, -0, 2^64 or 2^53+1);
 * random headers built from the format's grammar with hostile values in every position; deep nesting.
 *
 * The suite runs RUNS cases per property (400 + 2,000 + 1,500 + 100 + 600 = 4,600 in all); BERT_FUZZ_RUNS=N runs N for
 * each, BERT_FUZZ_SEED=S another seed: `BERT_FUZZ_RUNS=100000 npx vitest run test/reliability/safetensors-fuzz.test.ts`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  readSafetensors,
  SAFETENSORS_DTYPE_SIZE,
  SAFETENSORS_WRITABLE_DTYPES,
  SafetensorsError,
  writeSafetensors,
  type SafetensorsFile,
  type TensorToWrite,
} from '../../src/io/index.ts';
import { bytesOf, enc, mutate, mutationArb, nameArb, rawHeaderArb, validArb } from './safetensors-arbitraries.ts';

const RUNS_OVERRIDE = Number(process.env.BERT_FUZZ_RUNS ?? '') || 0;
const SEED = Number(process.env.BERT_FUZZ_SEED ?? '') || 20240616;
const params = (numRuns: number) => ({ numRuns: RUNS_OVERRIDE || numRuns, seed: SEED, endOnFailure: true });
/** Generous: a few thousand small cases take a few seconds, far more under BERT_FUZZ_RUNS. */
const TIMEOUT = RUNS_OVERRIDE ? 3_600_000 : 60_000;

// ---------------------------------------------------------------------------------------------------------
// The property every read must satisfy
// ---------------------------------------------------------------------------------------------------------

const tally = { ok: 0, refused: 0 };

/** Read `bytes`; on success check the result against the header, on failure check the error. */
function readChecked(bytes: Uint8Array): SafetensorsFile | null {
  let file: SafetensorsFile;
  try {
    file = readSafetensors(bytes, 'fuzz.safetensors');
  } catch (err) {
    if (!(err instanceof SafetensorsError)) {
      throw new Error(`the reader threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}, not a SafetensorsError`);
    }
    expect(err.message.startsWith('fuzz.safetensors: ')).toBe(true);
    expect(err.message.length).toBeGreaterThan('fuzz.safetensors: '.length + 10);
    expect(err.message.length).toBeLessThan(1000); // bounded, whatever the header holds
    tally.refused++;
    return null;
  }
  tally.ok++;
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, Record<string, unknown>>;
  const names = Object.keys(header).filter((k) => k !== '__metadata__');
  expect(file.names().length).toBe(names.length);
  let covered = 0;
  for (const e of file.entries.values()) {
    const h = header[e.name];
    expect(e.dtype).toBe(h.dtype);
    expect(e.shape).toEqual(h.shape);
    expect(e.dataOffsets).toEqual(h.data_offsets);
    expect(e.dataOffsets[0]).toBe(covered); // data order, no hole, no overlap
    covered = e.dataOffsets[1];
    expect(e.numel).toBe(e.shape.reduce((a, b) => a * b, 1));
    expect(e.bytes.byteLength).toBe(e.numel * SAFETENSORS_DTYPE_SIZE[e.dtype]);
    expect(e.bytes.byteOffset - bytes.byteOffset).toBe(8 + n + e.dataOffsets[0]);
    expect(file.toFloat64(e.name).length).toBe(e.numel);
  }
  expect(8 + n + covered).toBe(bytes.byteLength);
  return file;
}

// ---------------------------------------------------------------------------------------------------------
// The properties
// ---------------------------------------------------------------------------------------------------------

describe('safetensors fuzz', () => {
  it(
    'a file the writer writes reads back identically, and writing it again gives the same bytes',
    () => {
      fc.assert(
        fc.property(validArb, ([tensors, metadata]) => {
          const bytes = writeSafetensors(tensors, metadata);
          const file = readChecked(bytes)!;
          expect(file).not.toBeNull();
          expect(new Set(file.names())).toEqual(new Set(Object.keys(tensors)));
          expect(file.metadata).toEqual(metadata ?? {});
          const again: [string, TensorToWrite][] = [];
          for (const [name, t] of Object.entries(tensors)) {
            const e = file.get(name);
            expect(e.dtype).toBe(t.dtype);
            expect(e.shape).toEqual(t.shape);
            expect(Buffer.from(e.bytes).equals(Buffer.from(bytesOf(t.data)))).toBe(true);
            const copy = e.bytes.slice().buffer;
            const data =
              t.data instanceof BigInt64Array
                ? new BigInt64Array(copy)
                : t.data instanceof Float64Array
                  ? new Float64Array(copy)
                  : t.data instanceof Float32Array
                    ? new Float32Array(copy)
                    : t.data instanceof Int32Array
                      ? new Int32Array(copy)
                      : t.data instanceof Uint16Array
                        ? new Uint16Array(copy)
                        : t.data instanceof Int8Array
                          ? new Int8Array(copy)
                          : new Uint8Array(copy);
            again.push([name, { dtype: e.dtype as TensorToWrite['dtype'], shape: e.shape, data }]);
          }
          // fromEntries, not assignment: a tensor named "__proto__" must stay a key
          expect(Buffer.from(writeSafetensors(Object.fromEntries(again), metadata === undefined ? undefined : file.metadata)).equals(Buffer.from(bytes))).toBe(
            true,
          );
        }),
        params(400),
      );
    },
    TIMEOUT,
  );

  it(
    'mutated valid files are read consistently or refused with a SafetensorsError',
    () => {
      fc.assert(
        fc.property(validArb, fc.array(mutationArb, { minLength: 1, maxLength: 4 }), ([tensors, metadata], mutations) => {
          let bytes = writeSafetensors(tensors, metadata);
          for (const m of mutations) bytes = mutate(bytes, m);
          readChecked(bytes);
        }),
        params(2000),
      );
    },
    TIMEOUT,
  );

  it(
    'random headers with hostile values anywhere are read consistently or refused',
    () => {
      const before = { ...tally };
      fc.assert(
        fc.property(rawHeaderArb, fc.integer({ min: 0, max: 255 }), ({ text, length }, fill) => {
          const header = enc.encode(text);
          const bytes = new Uint8Array(8 + header.byteLength + length).fill(fill);
          new DataView(bytes.buffer).setBigUint64(0, BigInt(header.byteLength), true);
          bytes.set(header, 8);
          readChecked(bytes);
        }),
        params(1500),
      );
      // the generator must reach both outcomes, or the property says little
      expect(tally.ok - before.ok).toBeGreaterThan(0);
      expect(tally.refused - before.refused).toBeGreaterThan(0);
    },
    TIMEOUT,
  );

  it(
    'deep nesting, closed or not, anywhere in the header, is refused quickly',
    () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 128, max: 300_000 }),
          fc.constantFrom('[', '{"a":', '[{"b":'),
          fc.constantFrom('top', 'entry', 'metadata'),
          fc.boolean(),
          (depth, open, where, closed) => {
            const close = open === '[' ? ']' : open === '{"a":' ? '}' : '}]';
            const levels = Math.ceil(depth / (open === '[{"b":' ? 2 : 1));
            const nest = open.repeat(levels) + '0' + (closed ? close.repeat(levels) : '');
            const text =
              where === 'top' ? nest : where === 'entry' ? `{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":${nest}}}` : `{"__metadata__":${nest}}`;
            const header = enc.encode(text);
            const bytes = new Uint8Array(8 + header.byteLength + 4);
            new DataView(bytes.buffer).setBigUint64(0, BigInt(header.byteLength), true);
            bytes.set(header, 8);
            const t0 = performance.now();
            expect(readChecked(bytes)).toBeNull();
            expect(performance.now() - t0).toBeLessThan(1000);
          },
        ),
        params(100),
      );
    },
    TIMEOUT,
  );

  it(
    'the writer, given any input, writes a file that reads back or refuses with a SafetensorsError',
    () => {
      const shapeArb = fc.array(fc.oneof(fc.integer({ min: -2, max: 4 }), fc.constantFrom(1.5, NaN, 2 ** 53, Infinity)), { maxLength: 3 });
      const anyName = fc.oneof(nameArb, fc.constantFrom('__metadata__', 'w\ud800', '\udc00'));
      const anyTensor = fc.record({
        dtype: fc.constantFrom(...SAFETENSORS_WRITABLE_DTYPES, 'U16', 'F8_E4M3', 'f32'),
        shape: shapeArb,
        data: fc.oneof(
          fc.array(fc.double(), { maxLength: 6 }).map((a) => new Float64Array(a)),
          fc.array(fc.float(), { maxLength: 6 }).map((a) => new Float32Array(a)),
          fc.array(fc.integer({ min: -3, max: 300 }), { maxLength: 6 }).map((a) => new Int32Array(a)),
          fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 6 }).map((a) => new Uint8Array(a)),
          fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 6 }).map((a) => new Uint16Array(a)),
          fc.array(fc.bigInt({ min: -(2n ** 40n), max: 2n ** 40n }), { maxLength: 6 }).map((a) => new BigInt64Array(a)),
        ),
      }) as fc.Arbitrary<TensorToWrite>;
      const anyMetadata = fc.option(fc.dictionary(fc.oneof(nameArb, fc.constant('k\ud800')), fc.oneof(fc.string({ maxLength: 4 }), fc.constant('\udfff'))), {
        nil: undefined,
      });
      fc.assert(
        fc.property(fc.dictionary(anyName, anyTensor, { maxKeys: 4 }), anyMetadata, (tensors, metadata) => {
          let bytes: Uint8Array;
          try {
            bytes = writeSafetensors(tensors, metadata);
          } catch (err) {
            if (!(err instanceof SafetensorsError)) throw new Error(`the writer threw ${String(err)}, not a SafetensorsError`);
            expect(err.message).toMatch(/^cannot write safetensors: /);
            return;
          }
          const file = readChecked(bytes)!;
          expect(file).not.toBeNull();
          expect(new Set(file.names())).toEqual(new Set(Object.keys(tensors)));
          for (const [name, t] of Object.entries(tensors)) {
            expect(file.get(name).shape).toEqual(t.shape);
            expect(file.get(name).dtype).toBe(t.dtype);
          }
        }),
        params(600),
      );
    },
    TIMEOUT,
  );
});
