/**
 * Matmul throughput (GFLOP/s) of every backend this project has, side by side in one process, on the
 * BERT-base shapes of bench/matmul.ts:
 *   cpu, 1 thread        matmulBlocked on the main thread (BERT_THREADS=1)
 *   cpu, N threads       the same kernel split over worker threads (bit-identical results, checked here)
 *   gpujs webasm         gpu.js's WebAssembly + SIMD mode, one thread per element of C (src/accel/gpujs)
 *   gpujs cpu            gpu.js's JavaScript mode, the same kernel
 * Calls go through matmulProduct() with setBackend / setCpuThreads switched before each, in turns
 * (timeInterleaved), so every contestant sees the same mix of quiet and busy moments of a shared machine.
 * GFLOP/s = 2mnk / wall-clock seconds / 1e9, median over the timed runs after one warm-up.
 *
 * Usage: npx tsx bench/backends.ts [--runs N] [--gpujs-cpu-all] [--json FILE]
 *   --gpujs-cpu-all  also time gpujs cpu mode on the two large shapes (about a minute per product there,
 *                    so by default it runs on the 128x768 @ 768x768 shape only)
 */
import { registerGpujsBackend } from '../src/accel/gpujs/index.ts';
import { getCpuThreads, matmulProduct, Rng, setBackend, stopWorkers } from '../src/index.ts';
import { onBackend, productArgs, randomArray, relativeDiff } from './matmul-setup.ts';
import { formatNumber, makeResult, parseBenchArgs, printTable, timeInterleaved, writeJsonReport, type BenchResult, type Contestant } from './report.ts';

const SHAPES = [
  { m: 128, k: 768, n: 768 },
  { m: 2048, k: 768, n: 3072 },
  { m: 2048, k: 3072, n: 768 },
];

function parseGpujsCpuAll(rest: string[]): boolean {
  if (rest.length === 0) return false;
  if (rest.length === 1 && rest[0] === '--gpujs-cpu-all') return true;
  throw new Error(`bench/backends: unknown arguments "${rest.join(' ')}"; expected --runs N, --gpujs-cpu-all, --json FILE`);
}

async function main(): Promise<void> {
  const started = performance.now();
  const args = parseBenchArgs(process.argv.slice(2));
  const runs = args.runs ?? 5;
  const gpujsCpuAll = parseGpujsCpuAll(args.rest);
  const threads = Math.max(2, getCpuThreads());
  console.log(`Node ${process.version}; cpu threads for the multi-threaded runs: ${threads}; timed runs ${runs}\n`);
  const rng = new Rng(2024);
  const results: BenchResult[] = [];
  for (const [shapeIndex, s] of SHAPES.entries()) {
    const name = `matmul ${s.m}x${s.k} @ ${s.k}x${s.n}`;
    const flops = 2 * s.m * s.n * s.k;
    const a = randomArray(s.m * s.k, rng);
    const b = randomArray(s.k * s.n, rng);
    const outs = [0, 1, 2, 3].map(() => new Float32Array(s.m * s.n));
    const call = (out: Float32Array) => productArgs(a, b, out, s);
    const contestants: (Contestant & { impl: string })[] = [
      { impl: 'cpu, 1 thread', before: onBackend('cpu', 1), run: () => matmulProduct()(call(outs[0])), runs },
      { impl: `cpu, ${threads} threads`, before: onBackend('cpu', threads), run: () => matmulProduct()(call(outs[1])), runs },
      { impl: 'gpujs webasm', before: onBackend(registerGpujsBackend('webasm'), 1), run: () => matmulProduct()(call(outs[2])), runs },
    ];
    const withGpujsCpu = gpujsCpuAll || shapeIndex === 0;
    if (withGpujsCpu)
      contestants.push({ impl: 'gpujs cpu', before: onBackend(registerGpujsBackend('cpu'), 1), run: () => matmulProduct()(call(outs[3])), runs });
    process.stdout.write(`${name} ...`);
    const timings = await timeInterleaved(contestants);
    // [docs: gflops] GFLOP/s = 2mnk / wall-clock seconds / 1e9 (flops = 2mnk; ms * 1e6 = s * 1e9).
    contestants.forEach((c, i) =>
      results.push(
        makeResult(
          name,
          c.impl,
          'GFLOP/s',
          timings[i].wallMs.map((ms) => flops / (ms * 1e6)),
        ),
      ),
    );
    if (outs[1].some((v, i) => v !== outs[0][i])) throw new Error(`${name}: the ${threads}-thread product differs from the 1-thread one`);
    const worst = Math.max(relativeDiff(outs[2], outs[0]), withGpujsCpu ? relativeDiff(outs[3], outs[0]) : 0);
    process.stdout.write(` done (threads bit-identical; gpujs max |diff| / max |C| = ${worst.toExponential(1)})\n`);
  }
  setBackend('cpu');
  console.log();
  const base = (r: BenchResult) => results.find((o) => o.name === r.name && o.impl === 'cpu, 1 thread')!.median;
  printTable(
    ['shape', 'impl', 'GFLOP/s', 'min', 'max', 'runs', 'vs 1 thread'],
    results.map((r) => [
      r.name,
      r.impl,
      formatNumber(r.median),
      formatNumber(Math.min(...r.samples!)),
      formatNumber(Math.max(...r.samples!)),
      String(r.runs),
      `${formatNumber(r.median / base(r))}x`,
    ]),
  );
  if (args.json) {
    writeJsonReport(args.json, results);
    console.log(`\nwrote ${args.json}`);
  }
  console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(0)} s`);
  await stopWorkers();
}

await main();
