/**
 * `bert inspect FILE.safetensors`: what is in a weights file. Names, dtypes, shapes and parameter counts of
 * every tensor, the file's metadata and the totals, optionally with per-tensor statistics. A sharded checkpoint
 * (`model.safetensors.index.json`, or a folder holding one) is shown shard by shard.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from '../args.ts';
import type { Command } from '../command.ts';
import { loadSafetensors, type SafetensorsFile } from '../../io/safetensors.ts';
import { loadShardIndex, type ShardIndex } from '../../io/shard-index.ts';
import { SAFETENSORS_DTYPE_SIZE } from '../../io/dtypes.ts';

const WEIGHTS_FILE = 'model.safetensors';
const WEIGHTS_INDEX_FILE = 'model.safetensors.index.json';

export interface InspectOptions {
  /** Add min, max, mean and standard deviation of each tensor, and its NaN and infinity counts. */
  stats?: boolean;
  /** Only tensors whose name contains this text. */
  filter?: string;
}

/**
 * A tensor's statistics. min, max, mean and std are over its finite values (null when it has none), so that one
 * NaN does not hide the range of the rest; `nan` and `inf` count the others.
 */
export interface TensorStats {
  min: number | null;
  max: number | null;
  mean: number | null;
  std: number | null;
  nan: number;
  inf: number;
}

interface TensorRow {
  name: string;
  dtype: string;
  shape: number[];
  params: number;
  bytes: number;
  stats?: TensorStats;
}

/** A JSON-friendly summary of the file (what `--json` prints). */
export function inspectSummary(file: SafetensorsFile, opts: InspectOptions = {}) {
  const rows: TensorRow[] = [];
  for (const e of file.entries.values()) {
    if (opts.filter && !e.name.includes(opts.filter)) continue;
    const bytes = e.numel * SAFETENSORS_DTYPE_SIZE[e.dtype];
    const row: TensorRow = { name: e.name, dtype: e.dtype, shape: e.shape, params: e.numel, bytes };
    if (opts.stats) row.stats = tensorStats(file.toFloat64(e.name));
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

/** Over the finite values: mean = Σx / n, std = sqrt(Σ(x - mean)² / n) (population). NaN and ±Inf counted apart. */
export function tensorStats(x: Float64Array): TensorStats {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let nan = 0;
  let inf = 0;
  for (const v of x) {
    if (Number.isNaN(v)) nan++;
    else if (!Number.isFinite(v)) inf++;
    else {
      if (v < min) min = v;
      if (v > max) max = v;
      sum += v;
    }
  }
  const n = x.length - nan - inf;
  if (n === 0) return { min: null, max: null, mean: null, std: null, nan, inf };
  const mean = sum / n;
  let sq = 0;
  for (const v of x) if (Number.isFinite(v)) sq += (v - mean) ** 2;
  return { min, max, mean, std: Math.sqrt(sq / n), nan, inf };
}

const int = (n: number) => n.toLocaleString('en-US');
const num = (v: number | null) => (v === null ? '-' : v.toPrecision(4));

/** The human-readable table `bert inspect` prints. */
export function formatInspect(file: SafetensorsFile, opts: InspectOptions = {}): string {
  const s = inspectSummary(file, opts);
  const header = ['name', 'dtype', 'shape', 'params'];
  if (opts.stats) header.push('min', 'max', 'mean', 'std', 'NaN', 'Inf');
  const body = s.tensors.map((r) => {
    const cells = [r.name, r.dtype, `[${r.shape.join(', ')}]`, int(r.params)];
    if (r.stats) cells.push(num(r.stats.min), num(r.stats.max), num(r.stats.mean), num(r.stats.std), int(r.stats.nan), int(r.stats.inf));
    return cells;
  });
  const total = ['total', '', '', int(s.totalParams)];
  const table = [header, ...body, total];
  const widths = header.map((_, c) => Math.max(...table.map((row) => (row[c] ?? '').length)));
  const numeric = (c: number) => c >= 3; // right-align numbers
  const line = (row: string[]) =>
    row
      .map((cell, c) => (numeric(c) ? (cell ?? '').padStart(widths[c]) : (cell ?? '').padEnd(widths[c])))
      .join('  ')
      .trimEnd();

  const metaKeys = Object.keys(s.metadata);
  const shown = opts.filter ? `${s.tensors.length} of ${file.entries.size} tensors (name contains "${opts.filter}")` : `${s.tensors.length} tensors`;
  const lines = [
    `${s.source}: ${shown}, ${int(s.totalParams)} parameters, ${int(s.totalBytes)} bytes of data, ${int(s.headerBytes)}-byte header`,
    `metadata: ${metaKeys.length ? metaKeys.map((k) => `${k}=${JSON.stringify(s.metadata[k])}`).join(', ') : '(none)'}`,
  ];
  const bad = s.tensors.filter((r) => r.stats && (r.stats.nan || r.stats.inf));
  if (bad.length) {
    const counts = (t: TensorStats) => [t.nan ? `${int(t.nan)} NaN` : '', t.inf ? `${int(t.inf)} Inf` : ''].filter(Boolean).join(', ');
    const listed = bad.slice(0, 5).map((r) => `${r.name} (${counts(r.stats!)})`);
    if (bad.length > 5) listed.push(`and ${bad.length - 5} more`);
    lines.push(`${bad.length} tensor${bad.length === 1 ? ' holds' : 's hold'} NaN or infinite values: ${listed.join(', ')}`);
  }
  return [...lines, '', line(header), ...body.map(line), line(total)].join('\n');
}

/**
 * A sharded checkpoint (what `--json` prints for an index): each shard's summary, and the index entries that
 * disagree with the shards (a tensor listed in one file but held by another, or by none; one no entry lists).
 */
export function inspectShards(index: ShardIndex, opts: InspectOptions = {}, files = index.files.map((p) => loadSafetensors(p))) {
  const shards = files.map((f) => inspectSummary(f, opts));
  const problems: string[] = [];
  const holder = new Map<string, string>(); // tensor -> the shard file that holds it
  for (const f of files) for (const name of f.names()) holder.set(name, f.source);
  for (const [tensor, file] of index.weightMap) {
    const listed = join(dirname(index.path), file);
    const held = holder.get(tensor);
    if (held === undefined) problems.push(`"${tensor}" is listed in ${file} but no shard holds it`);
    else if (held !== listed) problems.push(`"${tensor}" is listed in ${file} but is in ${held}`);
  }
  for (const [name, file] of holder) if (!index.weightMap.has(name)) problems.push(`"${name}" (in ${file}) is not in the index`);
  return {
    source: index.path,
    shards,
    problems,
    totalParams: shards.reduce((n, s) => n + s.totalParams, 0),
    totalBytes: shards.reduce((n, s) => n + s.totalBytes, 0),
  };
}

/** `bert inspect` on a shard index: a line for the index and its problems, then each shard's table. */
export function formatShards(index: ShardIndex, opts: InspectOptions = {}): string {
  const files = index.files.map((p) => loadSafetensors(p));
  const s = inspectShards(index, opts, files);
  const problems = s.problems.slice(0, 10).map((p) => `  ${p}`);
  if (s.problems.length > 10) problems.push(`  and ${s.problems.length - 10} more`);
  if (problems.length) problems.unshift(`the index and the shards disagree on ${s.problems.length} tensor${s.problems.length === 1 ? '' : 's'}:`);
  return [
    `${s.source}: ${files.length} shard${files.length === 1 ? '' : 's'}, ${int(s.totalParams)} parameters, ${int(s.totalBytes)} bytes of data`,
    ...problems,
    ...files.map((f) => `\n${formatInspect(f, opts)}`),
  ].join('\n');
}

export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'list the tensors of a .safetensors file: names, dtypes, shapes, parameter counts, metadata',
  usage: 'bert inspect FILE.safetensors|MODEL_DIR|model.safetensors.index.json [--stats] [--filter TEXT] [--json]',
  flags: {
    stats: { kind: 'boolean', help: 'also show min, max, mean and std of the finite values of each tensor, and its NaN and Inf counts' },
    filter: { kind: 'string', help: 'only tensors whose name contains TEXT' },
    json: { kind: 'boolean', help: 'print a JSON summary instead of a table' },
  },
  async run(argv) {
    const { flags, positionals } = parseArgs(argv, inspectCommand.flags, { positionals: { min: 1, max: 1, what: 'safetensors file or model directory' } });
    let path = positionals[0];
    // A model directory (as save_pretrained writes it) holds its weights in model.safetensors, or in shards
    // listed by model.safetensors.index.json.
    if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) {
      const single = join(path, WEIGHTS_FILE);
      const index = join(path, WEIGHTS_INDEX_FILE);
      if (!existsSync(single) && !existsSync(index)) throw new Error(`${path}: no ${WEIGHTS_FILE} or ${WEIGHTS_INDEX_FILE} in this folder`);
      path = existsSync(single) ? single : index;
    }
    const opts: InspectOptions = { stats: flags.stats === true, filter: flags.filter as string | undefined };
    if (path.endsWith('.index.json')) {
      const index = loadShardIndex(path);
      console.log(flags.json ? JSON.stringify(inspectShards(index, opts), null, 2) : formatShards(index, opts));
      return 0;
    }
    const file = loadSafetensors(path);
    console.log(flags.json ? JSON.stringify(inspectSummary(file, opts), null, 2) : formatInspect(file, opts));
    return 0;
  },
};
