import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  discoverBenchmarks,
  formatNumber,
  formatTable,
  makeResult,
  median,
  parseBenchArgs,
  readJsonReport,
  timeInterleaved,
  timeRuns,
  writeJsonReport,
} from '../../bench/report.ts';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'bench-report-test-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('median', () => {
  it('takes the middle of an odd count and the mean of the two middles of an even count, unsorted input', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });
  it('does not reorder its argument', () => {
    const xs = [3, 1, 2];
    median(xs);
    expect(xs).toEqual([3, 1, 2]);
  });
  it('rejects an empty list', () => {
    expect(() => median([])).toThrow(/at least one sample/);
  });
});

describe('parseBenchArgs', () => {
  it('reads --runs and --json in both spellings and keeps the rest in order', () => {
    expect(parseBenchArgs(['--runs', '7', '--json', 'out.json'])).toEqual({ runs: 7, json: 'out.json', rest: [] });
    expect(parseBenchArgs(['--runs=3', '--only', 'matmul', '--json=a/b.json'])).toEqual({ runs: 3, json: 'a/b.json', rest: ['--only', 'matmul'] });
    expect(parseBenchArgs([])).toEqual({ rest: [] });
  });
  it('names the flag and the bad value', () => {
    expect(() => parseBenchArgs(['--runs', '0'])).toThrow('--runs: expected a positive integer, found "0"');
    expect(() => parseBenchArgs(['--runs', '2.5'])).toThrow('found "2.5"');
    expect(() => parseBenchArgs(['--json'])).toThrow('--json: expected a value');
  });
});

describe('formatNumber and formatTable', () => {
  it('prints three significant figures without exponents', () => {
    expect(formatNumber(1.23456)).toBe('1.23');
    expect(formatNumber(0.0123456)).toBe('0.0123');
    expect(formatNumber(1234.5)).toBe('1235');
    expect(formatNumber(0)).toBe('0');
  });
  it('left-aligns the first column, right-aligns the others, with a rule under the header', () => {
    const table = formatTable(
      ['shape', 'GFLOP/s'],
      [
        ['small', '1.5'],
        ['a longer one', '12.25'],
      ],
    );
    expect(table.split('\n')).toEqual(['shape         GFLOP/s', '------------  -------', 'small             1.5', 'a longer one    12.25']);
  });
  it('rejects a row with the wrong number of cells', () => {
    expect(() => formatTable(['a', 'b'], [['1']])).toThrow('row 0 has 1 cells, the header has 2');
  });
});

describe('JSON reports', () => {
  it('round-trips {"results": [...]} with name, impl, metric, median, runs', () => {
    const file = join(tempDir(), 'sub', 'out.json');
    const r = makeResult('matmul 2x2 @ 2x2', 'ours', 'GFLOP/s', [3, 1, 2]);
    expect(r).toEqual({ name: 'matmul 2x2 @ 2x2', impl: 'ours', metric: 'GFLOP/s', median: 2, runs: 3, samples: [3, 1, 2] });
    writeJsonReport(file, [r]);
    const raw = JSON.parse(readFileSync(file, 'utf8'));
    expect(Object.keys(raw)).toEqual(['results']);
    expect(raw.results[0]).toMatchObject({ name: 'matmul 2x2 @ 2x2', impl: 'ours', metric: 'GFLOP/s', median: 2, runs: 3 });
    expect(readJsonReport(file)).toEqual({ results: [r] });
  });
  it('says which file and which field is wrong', () => {
    const dir = tempDir();
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"results": [{"name": "x", "impl": "y", "metric": "ms", "median": "fast", "runs": 5}]}');
    expect(() => readJsonReport(bad)).toThrow(`${bad}: results[0].median should be a number, found "fast"`);
    writeFileSync(bad, '{"result": []}');
    expect(() => readJsonReport(bad)).toThrow('expected an object with a "results" array');
    writeFileSync(bad, 'not json');
    expect(() => readJsonReport(bad)).toThrow(`${bad}: expected a JSON benchmark report`);
  });
});

describe('discoverBenchmarks', () => {
  it('lists the *.ts benchmarks, sorted, without the runner, the helper, declarations and scratch files', () => {
    const dir = tempDir();
    for (const f of ['tokenizer.ts', 'all.ts', 'report.ts', 'matmul.ts', '_scratch.ts', 'types.d.ts', 'notes.md', 'bert.ts']) {
      writeFileSync(join(dir, f), '');
    }
    expect(discoverBenchmarks(dir)).toEqual(['bert.ts', 'matmul.ts', 'tokenizer.ts']);
  });
});

describe('timing', () => {
  it('timeRuns warms up untimed, then returns one wall and one CPU time per timed run', async () => {
    let calls = 0;
    const t = await timeRuns(() => calls++, 4, 2);
    expect(calls).toBe(6);
    expect(t.wallMs).toHaveLength(4);
    expect(t.cpuMs).toHaveLength(4);
    for (const ms of [...t.wallMs, ...t.cpuMs]) expect(ms).toBeGreaterThanOrEqual(0);
  });
  it('timeInterleaved warms everyone up, then takes turns, and stops each contestant after its runs', async () => {
    const log: string[] = [];
    const timings = await timeInterleaved([
      { before: () => log.push('before a'), run: () => log.push('a'), runs: 3 },
      { run: () => log.push('b'), runs: 1, warmup: 0 },
      { run: () => log.push('c'), runs: 2, warmup: 2 },
    ]);
    expect(log).toEqual([
      // warm-ups
      'before a',
      'a',
      'c',
      'c',
      // round 0, 1, 2
      'before a',
      'a',
      'b',
      'c',
      'before a',
      'a',
      'c',
      'before a',
      'a',
    ]);
    expect(timings.map((t) => t.wallMs.length)).toEqual([3, 1, 2]);
    expect(timings.map((t) => t.cpuMs.length)).toEqual([3, 1, 2]);
  });
});
