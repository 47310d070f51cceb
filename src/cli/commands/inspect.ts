/**
 * `bert inspect FILE.safetensors`: what is in a weights file. Names, dtypes, shapes and parameter counts of
 * every tensor, the file's metadata and the totals, optionally with per-tensor statistics.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from '../args.ts';
import type { Command } from '../command.ts';
import { loadSafetensors, type SafetensorsFile } from '../../io/safetensors.ts';
import { SAFETENSORS_DTYPE_SIZE } from '../../io/dtypes.ts';

export interface InspectOptions {
  /** Add min, max, mean and standard deviation of each tensor. */
  stats?: boolean;
  /** Only tensors whose name contains this text. */
  filter?: string;
}

interface TensorRow {
  name: string;
  dtype: string;
  shape: number[];
  params: number;
  bytes: number;
  stats?: { min: number; max: number; mean: number; std: number };
}

/** A JSON-friendly summary of the file (what `--json` prints). */
export function inspectSummary(file: SafetensorsFile, opts: InspectOptions = {}) {
  const rows: TensorRow[] = [];
  for (const e of file.entries.values()) {
    if (opts.filter && !e.name.includes(opts.filter)) continue;
    const bytes = e.numel * SAFETENSORS_DTYPE_SIZE[e.dtype];
    const row: TensorRow = { name: e.name, dtype: e.dtype, shape: e.shape, params: e.numel, bytes };
    if (opts.stats) row.stats = stats(file.toFloat64(e.name));
    rows.push(row);
  }
  return {
    source: file.source,
    headerBytes: file.headerLength,
    metadata: file.metadata,
    tensors: rows,
    totalParams: rows.reduce((n, r) => n + r.params, 0),
    totalBytes: rows.reduce((n, r) => n + r.bytes, 0),
  };
}

/** mean = Σx / n, std = sqrt(Σ(x - mean)² / n) (population); NaN for an empty tensor. */
function stats(x: Float64Array): { min: number; max: number; mean: number; std: number } {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of x) {
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  const mean = sum / x.length;
  let sq = 0;
  for (const v of x) sq += (v - mean) ** 2;
  return x.length ? { min, max, mean, std: Math.sqrt(sq / x.length) } : { min: NaN, max: NaN, mean: NaN, std: NaN };
}

const int = (n: number) => n.toLocaleString('en-US');
const num = (v: number) => (Number.isFinite(v) ? v.toPrecision(4) : String(v));

/** The human-readable table `bert inspect` prints. */
export function formatInspect(file: SafetensorsFile, opts: InspectOptions = {}): string {
  const s = inspectSummary(file, opts);
  const header = ['name', 'dtype', 'shape', 'params'];
  if (opts.stats) header.push('min', 'max', 'mean', 'std');
  const body = s.tensors.map((r) => {
    const cells = [r.name, r.dtype, `[${r.shape.join(', ')}]`, int(r.params)];
    if (r.stats) cells.push(num(r.stats.min), num(r.stats.max), num(r.stats.mean), num(r.stats.std));
    return cells;
  });
  const total = ['total', '', '', int(s.totalParams)];
  const table = [header, ...body, total];
  const widths = header.map((_, c) => Math.max(...table.map((row) => (row[c] ?? '').length)));
  const numeric = (c: number) => c >= 3; // right-align numbers
  const line = (row: string[]) =>
    row.map((cell, c) => (numeric(c) ? (cell ?? '').padStart(widths[c]) : (cell ?? '').padEnd(widths[c]))).join('  ').trimEnd();

  const metaKeys = Object.keys(s.metadata);
  const shown = opts.filter
    ? `${s.tensors.length} of ${file.entries.size} tensors (name contains "${opts.filter}")`
    : `${s.tensors.length} tensors`;
  return [
    `${s.source}: ${shown}, ${int(s.totalParams)} parameters, ${int(s.totalBytes)} bytes of data, ${int(s.headerBytes)}-byte header`,
    `metadata: ${metaKeys.length ? metaKeys.map((k) => `${k}=${JSON.stringify(s.metadata[k])}`).join(', ') : '(none)'}`,
    '',
    line(header),
    ...body.map(line),
    line(total),
  ].join('\n');
}

export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'list the tensors of a .safetensors file: names, dtypes, shapes, parameter counts, metadata',
  usage: 'bert inspect FILE.safetensors|MODEL_DIR [--stats] [--filter TEXT] [--json]',
  flags: {
    stats: { kind: 'boolean', help: 'also show min, max, mean and std of each tensor' },
    filter: { kind: 'string', help: 'only tensors whose name contains TEXT' },
    json: { kind: 'boolean', help: 'print a JSON summary instead of a table' },
  },
  async run(argv) {
    const { flags, positionals } = parseArgs(argv, inspectCommand.flags, { positionals: { min: 1, max: 1, what: 'safetensors file or model directory' } });
    let path = positionals[0];
    // A model directory (as save_pretrained writes it) holds its weights in model.safetensors.
    if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) path = join(path, 'model.safetensors');
    const file = loadSafetensors(path);
    const opts: InspectOptions = { stats: flags.stats === true, filter: flags.filter as string | undefined };
    console.log(flags.json ? JSON.stringify(inspectSummary(file, opts), null, 2) : formatInspect(file, opts));
    return 0;
  },
};
