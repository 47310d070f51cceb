/**
 * Matmul throughput (GFLOP/s) of the cpu backend against TensorFlow.js, on the shapes BERT-base multiplies:
 *
 *   [128 x 768]  @ [768 x 768]    one sequence through an attention projection (Q, K, V or output)
 *   [2048 x 768] @ [768 x 3072]   a batch of 16 x 128 tokens into the feed-forward layer
 *   [2048 x 3072] @ [3072 x 768]  ... and out of it
 *
 * Implementations, all on the same float32 inputs in one process:
 *   ours (TypeScript) matmulBlocked (src/accel/cpu/matmul-blocked.ts), the pure-TypeScript kernel, 1 thread
 *                     (the cpu backend's product for float64, and for float32 with setCpuMatmul('typescript'))
 *   ours, N threads   matmulProduct(), the cpu backend's float32 product (the wasm SIMD kernel) split over N threads
 *                     (N = BERT_THREADS or the number of cores; only when N > 1)
 *   ours (naive)      matmulNaive, the textbook triple loop it is tested against (smallest shape only: it is slow)
 *   ours (wasm SIMD)  matmulWasm, our WebAssembly f32x4 kernel (src/accel/wasm/matmul.wat), 1 thread: the kernel of
 *                     the wasm backend (BERT_BACKEND=wasm), compared like for like with tfjs-backend-wasm
 *   gpujs webasm      the gpujs backend's matmul: a gpu.js kernel in gpu.js's WebAssembly + SIMD mode
 *                     (src/accel/gpujs), one gpu.js "thread" per element of C
 *   tfjs-backend-cpu  tf.matMul(a, b) on TensorFlow.js's plain-JavaScript backend
 *   tfjs-backend-wasm tf.matMul(a, b) on its WebAssembly backend (XNNPACK; SIMD and threads when available,
 *                     which the output reports; in Node it runs without threads)
 * tfjs-backend-cpu and the naive loop are single-threaded: "ours (TypeScript)" is their like-for-like comparison,
 * "ours (wasm SIMD)" that of tfjs-backend-wasm.
 *
 * A matmul of [m, k] @ [k, n] does m*n*k multiply-adds = 2mnk floating-point operations; GFLOP/s is
 * 2mnk / seconds / 1e9. For tfjs the timed call is tf.matMul(a, b).dataSync(): dataSync waits for the result
 * and copies it into a Float32Array, which our kernel writes directly (so tfjs pays one extra copy of the
 * output, small next to the product: m*n floats against m*n*k multiply-adds).
 *
 * The implementations take turns run by run (report.ts timeInterleaved), so a change in the machine's load
 * hits all of them alike. Each is warmed up once per shape, except tfjs-backend-cpu, warmed up on the first
 * shape only (a warm-up compiles code; at the large shapes one of its runs takes over ten seconds). The
 * default (5 runs) takes about three minutes on an idle 2-core machine, most of it in tfjs-backend-cpu.
 *
 * Usage: npm run bench:matmul -- [--runs N] [--slow-runs N] [--json FILE]
 *   --runs N       timed runs per measurement (default 5), after one warm-up run
 *   --slow-runs N  timed runs for the slow implementations (tfjs-backend-cpu, gpujs webasm, naive) (default: --runs)
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { getCpuThreads, matmulBlocked, matmulProduct, matmulNaive, Rng, setBackend, setCpuThreads, stopWorkers, type MatmulArgs } from '../src/index.ts';
import { registerGpujsBackend } from '../src/accel/gpujs/index.ts';
import { matmulWasm, stopWasmWorkers } from '../src/accel/wasm/index.ts';
import { productArgs, randomArray, relativeDiff } from './matmul-setup.ts';
import { formatNumber, makeResult, parseBenchArgs, printTable, timeInterleaved, writeJsonReport, type BenchResult, type Contestant } from './report.ts';

interface MatmulShape {
  m: number;
  k: number;
  n: number;
}

const SHAPES: MatmulShape[] = [
  { m: 128, k: 768, n: 768 },
  { m: 2048, k: 768, n: 3072 },
  { m: 2048, k: 3072, n: 768 },
];

const OURS = 'ours (TypeScript, 1 thread)';
const OURS_WASM = 'ours (wasm SIMD, 1 thread)';
const NAIVE = 'ours (matmulNaive)';
const TFJS_CPU = 'tfjs-backend-cpu';
const TFJS_WASM = 'tfjs-backend-wasm';
const GPUJS_WEBASM = 'gpujs webasm';
const WALL = 'GFLOP/s';
const CPU = 'GFLOP/s (CPU time)';

/** "matmul 128x768 @ 768x768" */
function shapeName({ m, k, n }: MatmulShape): string {
  return `matmul ${m}x${k} @ ${k}x${n}`;
}

function flops({ m, k, n }: MatmulShape): number {
  return 2 * m * n * k;
}

/** Our kernels, called directly with the same layout tfjs gets: A [m, k], B [k, n], no transposes. */
function ourMatmul(fn: (args: MatmulArgs) => void, a: Float32Array, b: Float32Array, out: Float32Array, s: MatmulShape): void {
  fn(productArgs(a, b, out, s));
}

/**
 * tf.matMul(a, b).dataSync() on tfjs backend `backend`, whose inputs live on that backend (created there,
 * so that no call pays for moving them); `last.out` keeps the latest output.
 */
async function tfjsMatmul(
  backend: string,
  a: Float32Array,
  b: Float32Array,
  s: MatmulShape,
  last: { out: Float32Array },
): Promise<{ run: () => void; dispose: () => Promise<void> }> {
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend "${backend}" could not be initialised`);
  const ta = tf.tensor2d(a, [s.m, s.k]);
  const tb = tf.tensor2d(b, [s.k, s.n]);
  return {
    run: () => {
      const c = tf.matMul(ta, tb);
      last.out = c.dataSync() as Float32Array;
      c.dispose();
    },
    dispose: async () => {
      await tf.setBackend(backend);
      ta.dispose();
      tb.dispose();
    },
  };
}

/** `--slow-runs N` from the arguments report.ts did not take; `fallback` when absent. */
function parseSlowRuns(rest: string[], fallback: number): number {
  if (rest.length === 0) return fallback;
  if (rest.length !== 2 || rest[0] !== '--slow-runs') {
    throw new Error(`bench/matmul: unknown arguments "${rest.join(' ')}"; expected --runs N, --slow-runs N, --json FILE`);
  }
  const n = Number(rest[1]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--slow-runs: expected a positive integer, found "${rest[1]}"`);
  return n;
}

async function main(): Promise<void> {
  const started = performance.now();
  const args = parseBenchArgs(process.argv.slice(2));
  const runs = args.runs ?? 5;
  const slowRuns = parseSlowRuns(args.rest, runs);
  // Production mode: no debug checks, and no console banner suggesting tfjs-node.
  tf.enableProdMode();

  // The wasm backend fetches its .wasm files; in Node it needs their folder as a file path.
  const require = createRequire(import.meta.url);
  setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/');
  await tf.setBackend('wasm');
  await tf.ready();
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const wasmThreads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  const wasmInfo = `SIMD ${simd ? 'on' : 'off'}, multithreading ${wasmThreads ? 'on' : 'off'}, ${getThreadsCount()} thread(s)`;
  console.log(
    `Node ${process.version}, tfjs-core ${tf.version_core}; tfjs-backend-wasm: ${wasmInfo}; our kernel: 1 thread${getCpuThreads() > 1 ? ` and ${getCpuThreads()} threads` : ''}`,
  );
  console.log(`timed runs: ${runs} (tfjs-backend-cpu and naive: ${slowRuns}), after one warm-up run\n`);

  // The gpujs backend's matmul kernel in webasm mode, taken from the registry once; then back to cpu.
  setBackend(registerGpujsBackend('webasm'));
  const gpujsMatmul = matmulProduct();
  setBackend('cpu');

  // Threads our kernel may use by default (BERT_THREADS, else the number of cores).
  const threads = getCpuThreads();
  const oursThreaded = `ours (cpu backend: wasm SIMD, ${threads} threads)`;

  const rng = new Rng(2024);
  const results: BenchResult[] = [];
  const notes: string[] = [];
  for (const [shapeIndex, s] of SHAPES.entries()) {
    const name = shapeName(s);
    const a = randomArray(s.m * s.k, rng);
    const b = randomArray(s.k * s.n, rng);
    process.stdout.write(`${name} ...`);

    const ours = new Float32Array(s.m * s.n);
    const oursT = new Float32Array(s.m * s.n);
    const naive = new Float32Array(s.m * s.n);
    const oursWasm = new Float32Array(s.m * s.n);
    const wasm = { out: new Float32Array(0) };
    const cpu = { out: new Float32Array(0) };
    const wasmCall = await tfjsMatmul('wasm', a, b, s, wasm);
    const cpuCall = await tfjsMatmul('cpu', a, b, s, cpu);
    const contestants: (Contestant & { impl: string })[] = [
      { impl: OURS, before: () => setCpuThreads(1), run: () => ourMatmul(matmulBlocked, a, b, ours, s), runs },
      // Our WebAssembly SIMD kernel (src/accel/wasm/matmul.wat), the 'wasm' backend's matmul.
      { impl: OURS_WASM, before: () => setCpuThreads(1), run: () => ourMatmul(matmulWasm, a, b, oursWasm, s), runs },
      { impl: TFJS_WASM, before: () => tf.setBackend('wasm'), run: wasmCall.run, runs },
      // tfjs-backend-cpu takes seconds per product at the larger shapes, so it is warmed up on the first
      // shape only: by then its code is compiled, which is what the warm-up is for.
      { impl: TFJS_CPU, before: () => tf.setBackend('cpu'), run: cpuCall.run, runs: slowRuns, warmup: shapeIndex === 0 ? 1 : 0 },
    ];
    const gpujsOut = new Float32Array(s.m * s.n);
    contestants.push({ impl: GPUJS_WEBASM, run: () => ourMatmul(gpujsMatmul, a, b, gpujsOut, s), runs: slowRuns });
    if (threads > 1) {
      contestants.push({ impl: oursThreaded, before: () => setCpuThreads(threads), run: () => ourMatmul(matmulProduct(), a, b, oursT, s), runs });
    }
    // The textbook loop, as a reference point, on the smallest shape only (it is as slow as tfjs-backend-cpu).
    if (shapeIndex === 0) contestants.push({ impl: NAIVE, run: () => ourMatmul(matmulNaive, a, b, naive, s), runs: slowRuns });

    const timings = await timeInterleaved(contestants);
    contestants.forEach((c, i) => {
      results.push(
        makeResult(
          name,
          c.impl,
          WALL,
          timings[i].wallMs.map((ms) => flops(s) / (ms * 1e6)),
        ),
      );
      results.push(
        makeResult(
          name,
          c.impl,
          CPU,
          timings[i].cpuMs.map((ms) => flops(s) / (ms * 1e6)),
        ),
      );
    });
    await wasmCall.dispose();
    await cpuCall.dispose();
    process.stdout.write(' done\n');
    if (threads > 1 && oursT.some((v, i) => v !== oursWasm[i])) throw new Error(`${name}: the ${threads}-thread wasm product differs from the 1-thread one`);
    if (shapeIndex === 0) notes.push(`${name}: |blocked - naive| / max|naive| = ${relativeDiff(ours, naive).toExponential(1)}`);
    notes.push(
      `${name}: |wasm - blocked| / max|blocked| = ${relativeDiff(oursWasm, ours).toExponential(1)}, |gpujs - blocked| / max|blocked| = ${relativeDiff(gpujsOut, ours).toExponential(1)}`,
    );
    notes.push(
      `${name}: |ours - tfjs-cpu| / max|tfjs-cpu| = ${relativeDiff(ours, cpu.out).toExponential(1)}, |ours - tfjs-wasm| / max|tfjs-wasm| = ${relativeDiff(ours, wasm.out).toExponential(1)}`,
    );
  }

  console.log();
  const find = (name: string, impl: string, metric: string): BenchResult | undefined =>
    results.find((o) => o.name === name && o.impl === impl && o.metric === metric);
  const rows = results
    .filter((r) => r.metric === WALL)
    .map((r) => {
      const cpu = find(r.name, r.impl, CPU)!;
      const ratio = (impl: string, metric: string): string => {
        const mine = metric === WALL ? r : cpu;
        const other = find(r.name, impl, metric);
        return other ? `${formatNumber(mine.median / other.median)}x` : '-';
      };
      return [
        r.name,
        r.impl,
        formatNumber(r.median),
        formatNumber(cpu.median),
        String(r.runs),
        ratio(TFJS_CPU, WALL),
        ratio(TFJS_CPU, CPU),
        ratio(TFJS_WASM, WALL),
        ratio(TFJS_WASM, CPU),
      ];
    });
  printTable(['shape', 'impl', 'GFLOP/s wall', 'GFLOP/s CPU', 'runs', 'vs tfjs-cpu wall', 'CPU', 'vs tfjs-wasm wall', 'CPU'], rows);
  console.log('\nMedians over the timed runs. "wall" divides the flops by wall-clock time, "CPU" by the CPU time the');
  console.log('process used (all its threads), which leaves out the time spent waiting for a core on a busy machine.');
  console.log(threads > 1 ? `All but "${oursThreaded}" run on one thread; for it, CPU is per CPU-second.` : 'Everything runs on one thread.');
  console.log(`tfjs-backend-wasm: ${wasmInfo}`);
  console.log('Agreement of the outputs (float32):');
  for (const note of notes) console.log(`  ${note}`);

  if (args.json) {
    writeJsonReport(args.json, results);
    console.log(`\nwrote ${args.json}`);
  }
  console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(0)} s`);
  setCpuThreads(threads);
  await stopWorkers();
  await stopWasmWorkers();
}

await main();
