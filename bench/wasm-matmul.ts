/**
 * Matmul throughput (GFLOP/s) of the wasm backend's SIMD kernel against the cpu backend's scalar matmulProduct, on
 * Linear-layer products x @ W^T (x [m, k], W stored [n, k]) of BERT-base and of BERT-Tiny training:
 *   cpu, 1 thread / cpu, N threads     matmulBlocked (src/accel/cpu)
 *   wasm, 1 thread / wasm, N threads   matmulWasm (src/accel/wasm/matmul.wat)
 * N is getCpuThreads() (BERT_THREADS, default the cores), at least 2. Calls go through matmulProduct() with
 * setBackend / setCpuThreads switched before each, in turns (timeInterleaved). The wasm times include
 * packing the operands into wasm memory and copying C out. GFLOP/s = 2mnk / wall seconds / 1e9, median over
 * the timed runs after one warm-up; the ratio columns divide by the cpu figure with the same thread count.
 * The wasm and cpu results are compared (max |difference| relative to max |C|) as a sanity check.
 *
 * Usage: npx tsx bench/wasm-matmul.ts [--runs N] [--json FILE]
 */
import '../src/accel/wasm/index.ts';
import { getCpuThreads, matmulProduct, Rng, setBackend, setCpuThreads } from '../src/index.ts';
import { onBackend, productArgs, randomArray, relativeDiff } from './matmul-setup.ts';
import { formatNumber, makeResult, parseBenchArgs, printTable, timeInterleaved, writeJsonReport, type BenchResult, type Contestant } from './report.ts';

/** [m x k] @ [n x k]^T */
const SHAPES = [
  { m: 128, k: 768, n: 768, what: 'BERT-base, 128 tokens' },
  { m: 2048, k: 768, n: 3072, what: 'BERT-base FFN in' },
  { m: 2048, k: 3072, n: 768, what: 'BERT-base FFN out' },
  { m: 2048, k: 128, n: 128, what: 'BERT-Tiny attention proj' },
  { m: 2048, k: 128, n: 512, what: 'BERT-Tiny FFN in' },
  { m: 320, k: 128, n: 8000, what: 'BERT-Tiny MLM head' },
];

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2));
  if (args.rest.length > 0) throw new Error(`bench/wasm-matmul: unknown arguments "${args.rest.join(' ')}"; expected --runs N, --json FILE`);
  const runs = args.runs ?? 5;
  const threads = Math.max(2, getCpuThreads());
  console.log(`Node ${process.version}; threads for the multi-threaded runs: ${threads}; timed runs ${runs}\n`);
  const rng = new Rng(2025);
  const results: BenchResult[] = [];
  const rows: string[][] = [];
  for (const s of SHAPES) {
    const name = `matmul ${s.m}x${s.k} @ (${s.n}x${s.k})^T`;
    const flops = 2 * s.m * s.n * s.k;
    const a = randomArray(s.m * s.k, rng);
    const b = randomArray(s.n * s.k, rng);
    const outs = [0, 1, 2, 3].map(() => new Float32Array(s.m * s.n));
    const call = (out: Float32Array) => productArgs(a, b, out, s, true);
    const contestants: (Contestant & { impl: string })[] = [
      { impl: 'cpu, 1 thread', before: onBackend('cpu', 1), run: () => matmulProduct()(call(outs[0])), runs },
      { impl: `cpu, ${threads} threads`, before: onBackend('cpu', threads), run: () => matmulProduct()(call(outs[1])), runs },
      { impl: 'wasm, 1 thread', before: onBackend('wasm', 1), run: () => matmulProduct()(call(outs[2])), runs },
      { impl: `wasm, ${threads} threads`, before: onBackend('wasm', threads), run: () => matmulProduct()(call(outs[3])), runs },
    ];
    process.stdout.write(`${name} ...`);
    const timings = await timeInterleaved(contestants);
    process.stdout.write(' done\n');
    const gflops = timings.map((t) => t.wallMs.map((ms) => flops / (ms / 1000) / 1e9));
    contestants.forEach((c, i) => results.push(makeResult(name, c.impl, 'GFLOP/s', gflops[i])));
    const med = results.slice(-4).map((r) => r.median);
    const diff = Math.max(relativeDiff(outs[2], outs[0]), relativeDiff(outs[3], outs[0]));
    rows.push([
      `${s.m}x${s.k} @ (${s.n}x${s.k})^T  ${s.what}`,
      ...med.map((x) => formatNumber(x)),
      formatNumber(med[2] / med[0]) + 'x',
      formatNumber(med[3] / med[1]) + 'x',
      diff < 1e-5 ? 'ok' : `DIFF ${diff}`,
    ]);
  }
  setBackend('cpu');
  setCpuThreads(getCpuThreads());
  console.log('\nGFLOP/s (median of ' + runs + ')\n');
  printTable(['product', 'cpu 1t', `cpu ${threads}t`, 'wasm 1t', `wasm ${threads}t`, 'wasm/cpu 1t', `wasm/cpu ${threads}t`, 'same C'], rows);
  if (args.json) writeJsonReport(args.json, results);
}

await main();
