/**
 * `npm run bench`: run every benchmark in bench/ one after another, each in its own Node process (so one
 * benchmark's JIT state, heap and loaded libraries cannot affect the next), then print one summary table and
 * optionally merge all results into one JSON file.
 *
 * A benchmark is any bench/*.ts other than this file and report.ts (files starting with "_" are skipped too).
 * Each must accept `--runs N` and `--json FILE` (use parseBenchArgs and writeJsonReport from report.ts).
 *
 * Usage: npm run bench -- [--runs N] [--json FILE] [--only NAME,NAME]
 *   --runs N     forwarded to every benchmark
 *   --json FILE  write {"results": [...]} with the results of all benchmarks
 *   --only LIST  run only these benchmarks (file names without .ts, e.g. --only matmul)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { discoverBenchmarks, formatNumber, parseBenchArgs, printTable, readJsonReport, writeJsonReport, type BenchResult } from './report.ts';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));

function main(): number {
  const args = parseBenchArgs(process.argv.slice(2));
  let only: string[] | null = null;
  for (let i = 0; i < args.rest.length; i++) {
    if (args.rest[i] === '--only' && args.rest[i + 1] !== undefined) only = args.rest[++i].split(',');
    else throw new Error(`bench/all: unknown argument "${args.rest[i]}"; expected --runs N, --json FILE, --only NAME,NAME`);
  }
  const found = discoverBenchmarks(BENCH_DIR);
  const names = found.map((f) => basename(f, '.ts'));
  for (const name of only ?? []) {
    if (!names.includes(name)) throw new Error(`bench/all: --only names "${name}", but bench/ holds: ${names.join(', ')}`);
  }
  const files = found.filter((f) => only === null || only.includes(basename(f, '.ts')));

  const tmp = mkdtempSync(join(tmpdir(), 'bert-ts-bench-'));
  const results: BenchResult[] = [];
  const failed: string[] = [];
  try {
    for (const file of files) {
      const name = basename(file, '.ts');
      const json = join(tmp, `${name}.json`);
      const forwarded = [...(args.runs === undefined ? [] : ['--runs', String(args.runs)]), '--json', json];
      console.log(`\n=== bench/${file} ${forwarded.slice(0, -2).join(' ')}`.trimEnd());
      const started = performance.now();
      // bin/run.mjs runs the TypeScript file with the runtime settings the `bert` command uses.
      const child = spawnSync(process.execPath, [join(BENCH_DIR, '..', 'bin', 'run.mjs'), join(BENCH_DIR, file), ...forwarded], { stdio: 'inherit' });
      const seconds = ((performance.now() - started) / 1000).toFixed(0);
      if (child.status !== 0) {
        failed.push(`${file} (${child.error?.message ?? (child.signal ? `signal ${child.signal}` : `exit code ${child.status}`)})`);
        console.log(`=== bench/${file} FAILED after ${seconds} s`);
        continue;
      }
      try {
        results.push(...readJsonReport(json).results);
      } catch (e) {
        failed.push(`${file} (${(e as Error).message})`);
        continue;
      }
      console.log(`=== bench/${file} done in ${seconds} s`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }

  console.log('\n=== Summary (medians)');
  printTable(
    ['benchmark', 'impl', 'median', 'metric', 'runs'],
    results.map((r) => [r.name, r.impl, formatNumber(r.median), r.metric, String(r.runs)]),
  );
  if (args.json) {
    writeJsonReport(args.json, results);
    console.log(`\nwrote ${args.json} (${results.length} results from ${files.length - failed.length} benchmarks)`);
  }
  if (failed.length > 0) {
    console.error(`\n${failed.length} benchmark(s) failed: ${failed.join('; ')}`);
    return 1;
  }
  return 0;
}

try {
  process.exitCode = main();
} catch (e) {
  console.error((e as Error).message);
  process.exitCode = 2;
}
