/**
 * Shared helpers for every benchmark in bench/: command-line flags, timing, the median, a plain-text table,
 * and the JSON file that `npm run bench` merges.
 *
 * Every benchmark takes the same two flags:
 *   --runs N     timed runs per measurement (after one untimed warm-up run)
 *   --json FILE  also write the results as {"results": [{name, impl, metric, median, runs, samples}]}
 *
 * A result names what was measured (`name`, e.g. "matmul 128x768 @ 768x768"), who did it (`impl`, e.g.
 * "ours (cpu matmulBlocked)"), the unit (`metric`, e.g. "GFLOP/s"), the median over the timed runs, the
 * number of timed runs, and the individual samples (so noise can be judged afterwards).
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** One measured figure. */
export interface BenchResult {
  /** What was measured, e.g. "matmul 128x768 @ 768x768". */
  name: string;
  /** Which implementation, e.g. "tfjs-backend-cpu". */
  impl: string;
  /** Unit of `median` and `samples`, e.g. "GFLOP/s", "ms", "tokens/s". */
  metric: string;
  /** Median of `samples`. */
  median: number;
  /** Number of timed runs (the length of `samples`). */
  runs: number;
  /** Each timed run's figure, in `metric` (written by makeResult; optional when reading older files). */
  samples?: number[];
}

/** The file written by `--json`. */
export interface BenchReport {
  results: BenchResult[];
}

export interface BenchArgs {
  /** `--runs N`, or undefined when not given (each benchmark picks its default). */
  runs?: number;
  /** `--json FILE`, or undefined. */
  json?: string;
  /** Arguments this parser did not recognise, in order (a benchmark may read its own flags from them). */
  rest: string[];
}

/**
 * Read `--runs N` and `--json FILE` (also `--runs=N`, `--json=FILE`) from `argv` (without node and the
 * script path). Errors name the flag and the value that was wrong.
 */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const out: BenchArgs = { rest: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    if (flag !== '--runs' && flag !== '--json') {
      out.rest.push(arg);
      continue;
    }
    let value: string | undefined;
    if (eq > 0 && arg.startsWith('--')) value = arg.slice(eq + 1);
    else value = argv[++i];
    if (value === undefined || value === '') throw new Error(`${flag}: expected a value after the flag, found nothing`);
    if (flag === '--runs') {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new Error(`--runs: expected a positive integer, found "${value}"`);
      out.runs = n;
    } else {
      out.json = value;
    }
  }
  return out;
}

/** The median: the middle value of the sorted samples (the mean of the two middle ones for an even count). */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) throw new Error('median: expected at least one sample, found none');
  const s = [...samples].sort((x, y) => x - y);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Per-run timings: wall-clock time, and the CPU time this process used (user + system, all its threads). */
export interface Timings {
  wallMs: number[];
  cpuMs: number[];
}

/**
 * Time `fn`: `warmup` untimed calls (to let the JIT compile it and caches fill), then `runs` timed calls.
 *
 * Both clocks are read. On a machine shared with other work, wall-clock time includes the time the process
 * waited for a core; CPU time (process.cpuUsage) counts only the time it ran (still slowed by neighbours
 * sharing caches and cores). It sums all the process's threads: worker threads, and V8's garbage collector
 * and compiler threads (a small extra).
 * @returns milliseconds per timed call, each array of length `runs`
 */
export async function timeRuns(fn: () => unknown, runs: number, warmup = 1): Promise<Timings> {
  for (let i = 0; i < warmup; i++) await fn();
  const wallMs: number[] = [];
  const cpuMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    wallMs.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpuMs.push((c.user + c.system) / 1000);
  }
  return { wallMs, cpuMs };
}

/** One implementation in `timeInterleaved`. */
export interface Contestant {
  /** Untimed preparation before each of its calls (e.g. switching a library's backend). */
  before?: () => unknown;
  /** The call to time. */
  run: () => unknown;
  /** Timed calls. */
  runs: number;
  /** Untimed calls first (default 1). */
  warmup?: number;
}

/**
 * Time several implementations of the same work by turns: after the warm-ups, round r times call r of every
 * contestant that has one left. On a machine whose load changes while the benchmark runs, every contestant
 * then sees the same mix of quiet and busy moments, so their ratios are fairer than when each runs as a block.
 * @returns one Timings per contestant, in order
 */
export async function timeInterleaved(contestants: readonly Contestant[]): Promise<Timings[]> {
  for (const c of contestants) {
    for (let i = 0; i < (c.warmup ?? 1); i++) {
      await c.before?.();
      await c.run();
    }
  }
  const timings = contestants.map((): Timings => ({ wallMs: [], cpuMs: [] }));
  const rounds = Math.max(0, ...contestants.map((c) => c.runs));
  for (let r = 0; r < rounds; r++) {
    for (const [i, c] of contestants.entries()) {
      if (r >= c.runs) continue;
      await c.before?.();
      const t = await timeRuns(c.run, 1, 0);
      timings[i].wallMs.push(t.wallMs[0]);
      timings[i].cpuMs.push(t.cpuMs[0]);
    }
  }
  return timings;
}

/** Build a result from per-run samples already converted to `metric`. */
export function makeResult(name: string, impl: string, metric: string, samples: readonly number[]): BenchResult {
  return { name, impl, metric, median: median(samples), runs: samples.length, samples: [...samples] };
}

/** A number with `digits` significant figures, without exponent notation for everyday sizes. */
export function formatNumber(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const magnitude = Math.floor(Math.log10(Math.abs(x)));
  const decimals = Math.max(0, digits - 1 - magnitude);
  return x.toFixed(Math.min(decimals, 10));
}

/**
 * A plain-text table: the first column left-aligned, the others right-aligned, a rule under the header.
 * @param header column titles
 * @param rows one array of cells per row, each as long as `header`
 */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  for (const [r, row] of rows.entries()) {
    if (row.length !== header.length) throw new Error(`formatTable: row ${r} has ${row.length} cells, the header has ${header.length}`);
  }
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c])))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Print `formatTable(header, rows)` to stdout. */
export function printTable(header: readonly string[], rows: readonly (readonly string[])[]): void {
  console.log(formatTable(header, rows));
}

/** Write `{"results": [...]}` to `file` (creating its folder), pretty-printed. */
export function writeJsonReport(file: string, results: readonly BenchResult[]): void {
  mkdirSync(dirname(file), { recursive: true });
  const report: BenchReport = { results: [...results] };
  writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
}

/** Read a file written by `writeJsonReport`, checking its layout. */
export function readJsonReport(file: string): BenchReport {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: expected a JSON benchmark report, could not parse it: ${(e as Error).message}`);
  }
  const results = (parsed as { results?: unknown })?.results;
  if (!Array.isArray(results)) throw new Error(`${file}: expected an object with a "results" array`);
  results.forEach((r: unknown, i) => {
    const o = r as Record<string, unknown>;
    for (const key of ['name', 'impl', 'metric'] as const) {
      if (typeof o?.[key] !== 'string') throw new Error(`${file}: results[${i}].${key} should be a string, found ${JSON.stringify(o?.[key])}`);
    }
    for (const key of ['median', 'runs'] as const) {
      if (typeof o[key] !== 'number') throw new Error(`${file}: results[${i}].${key} should be a number, found ${JSON.stringify(o[key])}`);
    }
  });
  return { results: results as BenchResult[] };
}

/** Files in bench/ that are not benchmarks: the runner and the helpers. */
const NOT_BENCHMARKS = new Set(['all.ts', 'report.ts', 'matmul-setup.ts']);

/**
 * The benchmark files in `dir`, sorted by name: every *.ts except all.ts, report.ts, matmul-setup.ts, *.d.ts and files whose
 * name starts with "_" (scratch files).
 */
export function discoverBenchmarks(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.startsWith('_') && !NOT_BENCHMARKS.has(f))
    .sort();
}
