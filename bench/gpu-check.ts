/**
 * GPU check: gpu.js's WebGPU matmul ('gpujs-webgpu' backend) against the cpu backend, on a lent GPU machine.
 *
 * For each shape it checks every element of the GPU product against float32's error bound around the cpu
 * product, then times both (median of --runs, after one warm-up). GPU times include everything a call of
 * matmulProduct() pays: copying A and B into shared memory, upload, dispatch, readback, copying C out.
 *
 *   shapes: the three BERT-base products of bench/matmul.ts, and the attention products of one layer
 *   (batch 16 x 12 heads: Q K^T and probs V) and a weight gradient (x^T dy, transposeA).
 *
 * Then BERT-Base inference (batch 1, seq 128) with the weights on the device, its output checked against the
 * cpu backend's, by default and with each variant still to decide (one-kernel LayerNorm and softmax,
 * gpu.js's products); what one kernel costs the host (measureDispatchCost: BERT-Base's 12 layers at width
 * 64, so that the time is the launches'; and bench/webgpu-launch-cost.ts, a launch through gpu.js against
 * the same WebGPU calls and against many launches to a submit); and whole training steps with the weights
 * on the device (bench/device-train.ts): BERT-Mini, its first loss checked against the cpu backend's, and
 * BERT-Base (batch 32, seq 128), each with what crossed between host and device per step. BERT-Base runs
 * twice: with the tiled products (the default) and with gpu.js's, side by side.
 *
 * Dawn (the `webgpu` package) needs glibc 2.38, so plain node cannot load it on the Debian 12 build machine
 * (scripts/webgpu-local.sh runs it there on lavapipe, a software Vulkan driver); without that it
 * runs with `--mode webasm` (same bridge and checks, gpu.js's WebAssembly mode instead of WebGPU), which is
 * how the script itself is tested.
 *
 * On the GPU machine, prepared on the build machine by `bash bench/gpu-check-pack.sh` (compiles to
 * JavaScript under .devcarry/gpu-build, packs node and the needed node_modules under .devcarry), run with
 * carry [".devcarry"]:
 *   source .devcarry/prelude.sh && tar xJf .devcarry/modules.tar.xz && \
 *     /tmp/node .devcarry/gpu-build/bench/gpu-check.js --runs 5 --json $OUT/gpu-check.json
 *
 * Usage here: npx tsx bench/gpu-check.ts --mode webasm [--runs N] [--json FILE] [--small]
 *   --mode webgpu|webasm|cpu  gpu.js mode on the device worker (default webgpu)
 *   --small                   only the smaller shapes and a BERT-Tiny step (quick check of the script)
 *   --train-steps N           timed training steps per model after the warm-up step (default 3)
 */
import '../src/accel/cpu/index.ts';
import { getCpuThreads, lastThreadedMatmulStats, stopWorkers } from '../src/accel/cpu/index.ts';
import { deviceMatmul, devicePermute } from '../src/accel/device.ts';
import { ROW_KERNEL_WORK_TRIED, type GpujsTensorDevice } from '../src/accel/gpujs/device-tensors.ts';
import { deviceOfBackend, registerDeviceBackend, releaseDeviceBackend, type DeviceMode } from '../src/accel/gpujs/webgpu-backend.ts';
import type { DeviceStorage } from '../src/accel/device.ts';
import type { MatmulArgs } from '../src/accel/kernels.ts';
import { setBackend } from '../src/autograd/dispatch.ts';
import { matmulProduct } from '../src/accel/products.ts';
import { Rng } from '../src/tensor/random.ts';
import {
  DEVICE_TRAINING_HEADER,
  lossMatches,
  measureDeviceInference,
  measureDeviceTraining,
  measureDispatchCost,
  reportDeviceTraining,
  type DeviceTrainingCase,
} from './device-train.ts';
import { formatNumber, makeResult, parseBenchArgs, printTable, timeRuns, writeJsonReport, type BenchResult } from './report.ts';
import { measureLaunchCost, printLaunchCost } from './webgpu-launch-cost.ts';

interface Shape {
  name: string;
  batch: number;
  m: number;
  k: number;
  n: number;
  transposeA?: boolean;
  transposeB?: boolean;
  small?: boolean;
}

const SHAPES: Shape[] = [
  { name: 'matmul 128x768 @ 768x768', batch: 1, m: 128, k: 768, n: 768, small: true },
  { name: 'matmul 2048x768 @ 768x3072', batch: 1, m: 2048, k: 768, n: 3072 },
  { name: 'matmul 2048x3072 @ 3072x768', batch: 1, m: 2048, k: 3072, n: 768 },
  { name: 'attention Q K^T 192 x 128x64 @ (128x64)^T', batch: 192, m: 128, k: 64, n: 128, transposeB: true, small: true },
  { name: 'attention probs V 192 x 128x128 @ 128x64', batch: 192, m: 128, k: 128, n: 64, small: true },
  { name: 'weight grad (2048x768)^T @ 2048x768', batch: 1, m: 768, k: 2048, n: 768, transposeA: true },
];

function parseMode(rest: string[]): { mode: DeviceMode; small: boolean; trainSteps: number } {
  let mode: DeviceMode = 'webgpu';
  let small = false;
  let trainSteps = 3;
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--small') small = true;
    else if (rest[i] === '--mode' && ['webgpu', 'webasm', 'cpu'].includes(rest[i + 1])) mode = rest[++i] as DeviceMode;
    else if (rest[i] === '--train-steps' && Number(rest[i + 1]) >= 1) trainSteps = Number(rest[++i]);
    else throw new Error(`gpu-check: unknown argument "${rest[i]}"; expected --mode webgpu|webasm|cpu, --small, --runs N, --json FILE`);
  }
  return { mode, small, trainSteps };
}

/** Products by gpu.js's kernels (B^T copied first, as they need) instead of the tiled ones; returns the undo. */
function useGpujsProducts(device: GpujsTensorDevice): () => void {
  const saved = [device.tiledProducts, device.transposeBFirst] as const;
  device.tiledProducts = false;
  device.transposeBFirst = true;
  return () => {
    [device.tiledProducts, device.transposeBFirst] = saved;
  };
}

function args(s: Shape, a: Float32Array, b: Float32Array, out: Float32Array): MatmulArgs {
  return {
    a,
    b,
    out,
    batch: s.batch,
    m: s.m,
    n: s.n,
    k: s.k,
    transposeA: s.transposeA ?? false,
    transposeB: s.transposeB ?? false,
    aBatchStride: s.m * s.k,
    bBatchStride: s.k * s.n,
  };
}

async function main(): Promise<void> {
  const started = performance.now();
  const bench = parseBenchArgs(process.argv.slice(2));
  const runs = bench.runs ?? 5;
  const { mode, small, trainSteps } = parseMode(bench.rest);
  console.log(`Node ${process.version}, cpu backend threads: ${getCpuThreads()}, device worker: gpu.js mode ${mode}`);
  let t0 = performance.now();
  const device = registerDeviceBackend(mode);
  console.log(`device backend "${device}" ready in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);

  const rng = new Rng(7);
  const results: BenchResult[] = [];
  const checks: string[][] = [];
  let failed = false;
  for (const s of SHAPES.filter((x) => !small || x.small)) {
    const flops = 2 * s.batch * s.m * s.n * s.k;
    const a = Float32Array.from({ length: s.batch * s.m * s.k }, () => rng.uniform(-1, 1));
    const b = Float32Array.from({ length: s.batch * s.k * s.n }, () => rng.uniform(-1, 1));
    const cpuOut = new Float32Array(s.batch * s.m * s.n);
    const gpuOut = new Float32Array(s.batch * s.m * s.n);
    const absOut = new Float32Array(s.batch * s.m * s.n);
    process.stdout.write(`${s.name} ...`);

    // Correctness: |gpu - cpu| <= (k + 3) 2^-24 sum_p |a_p b_p| (float32 summation bound, plus the cpu
    // result's own final rounding); sum |a||b| is one more cpu product, of the absolute values.
    setBackend('cpu');
    matmulProduct()(args(s, a, b, cpuOut));
    matmulProduct()(args(s, a.map(Math.abs), b.map(Math.abs), absOut));
    setBackend(device);
    t0 = performance.now();
    matmulProduct()(args(s, a, b, gpuOut)); // the first call compiles the kernel for this shape
    const firstMs = performance.now() - t0;
    let worst = 0;
    let maxAbs = 0;
    for (let i = 0; i < cpuOut.length; i++) {
      const err = Math.abs(gpuOut[i] - cpuOut[i]);
      const bound = (s.k + 3) * 2 ** -24 * absOut[i];
      maxAbs = Math.max(maxAbs, err);
      worst = Math.max(worst, bound > 0 ? err / bound : err === 0 ? 0 : Infinity);
    }
    if (!(worst <= 1)) failed = true;
    checks.push([s.name, maxAbs.toExponential(2), worst.toFixed(3), worst <= 1 ? 'ok' : 'FAILED', `${firstMs.toFixed(0)} ms`]);

    // Timing, in turns: device, then cpu, each `runs` times.
    const gpuTimes = await timeRuns(() => matmulProduct()(args(s, a, b, gpuOut)), runs, 0);
    setBackend('cpu');
    const cpuTimes = await timeRuns(() => matmulProduct()(args(s, a, b, cpuOut)), runs, 0);
    const threaded = lastThreadedMatmulStats();
    results.push(
      makeResult(
        s.name,
        `gpu.js ${mode} (device worker)`,
        'GFLOP/s',
        gpuTimes.wallMs.map((ms) => flops / (ms * 1e6)),
      ),
    );
    results.push(
      makeResult(
        s.name,
        `cpu backend, ${getCpuThreads()} threads`,
        'GFLOP/s',
        cpuTimes.wallMs.map((ms) => flops / (ms * 1e6)),
      ),
    );
    process.stdout.write(` done${threaded ? ` (cpu: ${threaded.chunks} chunks, ${threaded.byWorkers} by workers)` : ''}\n`);
  }

  console.log('\nCorrectness (every element; ratio = worst |gpu - cpu| / float32 bound, must be <= 1):');
  printTable(['shape', 'max |gpu - cpu|', 'ratio', 'check', 'first call'], checks);
  console.log(`\nThroughput, median of ${runs} runs (wall clock; GPU includes copies, upload and readback):`);
  printTable(
    ['shape', 'impl', 'GFLOP/s', 'runs'],
    results.map((r) => [r.name, r.impl, formatNumber(r.median), String(r.runs)]),
  );
  if (bench.json) {
    writeJsonReport(bench.json, results); // written again after the training steps
    console.log(`\nwrote ${bench.json}`);
  }
  // The device kernel alone, operands already on the device (what a device-resident training step pays),
  // for a product whose B is stored transposed (a Linear layer's weight): the tiled WGSL kernel (the
  // default on WebGPU, tiled-products.ts), and gpu.js's kernel reading B^T in place (strided across
  // neighbouring threads) or transposed first by a permute kernel (then read contiguously).
  const residentRows: string[][] = [];
  const tensorDevice = deviceOfBackend(device) as GpujsTensorDevice;
  // deviceMatmul's own copy of B^T is turned off here, so that each variant does what its label says.
  const [copiesBFirst, tiledProducts] = [tensorDevice.transposeBFirst, tensorDevice.tiledProducts];
  tensorDevice.transposeBFirst = false;
  for (const s of SHAPES.filter((x) => (!small || x.small) && x.batch === 1 && !x.transposeA)) {
    const flops = 2 * s.m * s.n * s.k;
    const a = tensorDevice.upload(Float32Array.from({ length: s.m * s.k }, () => rng.uniform(-1, 1)));
    const bT = tensorDevice.upload(Float32Array.from({ length: s.n * s.k }, () => rng.uniform(-1, 1))); // [n, k]
    const shape = { batch: 1, m: s.m, n: s.n, k: s.k, transposeA: false, aBatchStride: 0, bBatchStride: 0 };
    const inPlace = () => deviceMatmul(tensorDevice, a, bT, { ...shape, transposeB: true });
    const withProducts = (tiled: boolean, run: () => DeviceStorage) => () => {
      tensorDevice.tiledProducts = tiled;
      return run();
    };
    const variants: [string, () => DeviceStorage][] = [
      ...(tiledProducts ? ([['tiled WGSL, B^T read in place', withProducts(true, inPlace)]] as [string, () => DeviceStorage][]) : []),
      ['gpu.js, B^T read in place', withProducts(false, inPlace)],
      [
        'gpu.js, B transposed first',
        withProducts(false, () => deviceMatmul(tensorDevice, a, devicePermute(tensorDevice, bT, [s.k, s.n], [1, s.k]), { ...shape, transposeB: false })),
      ],
    ];
    for (const [label, run] of variants) {
      run().download(); // compile
      const times = await timeRuns(
        () => {
          let last: DeviceStorage | null = null;
          for (let r = 0; r < 5; r++) last = run();
          last!.download(); // waits for all five (the queue runs in order)
        },
        runs,
        0,
      );
      const result = makeResult(
        `${s.name} (B stored transposed), on the device`,
        `gpu.js ${mode}, ${label}`,
        'GFLOP/s',
        times.wallMs.map((ms) => (5 * flops) / (ms * 1e6)),
      );
      results.push(result);
      residentRows.push([result.name, label, formatNumber(result.median)]);
    }
  }
  [tensorDevice.transposeBFirst, tensorDevice.tiledProducts] = [copiesBFirst, tiledProducts];
  console.log('\nDevice-resident products (5 in a row per timing, operands on the device, no copies):');
  printTable(['product', 'B', 'GFLOP/s'], residentRows);

  // Inference latency with the weights on the device (issue 7's BERT-Base batch 1 x seq 128).
  const inference = await measureDeviceInference(device, small ? 'tiny' : 'base', 128, runs);
  const inferenceResult = makeResult(inference.name, `gpu.js ${mode}, weights on the device`, 'ms', inference.ms);
  results.push(inferenceResult);
  if (!(inference.maxDiff <= 1e-3)) failed = true;
  console.log(
    `\n${inference.name}: ${formatNumber(inferenceResult.median)} ms (median of ${runs}); max |device - cpu| of the last hidden state ${inference.maxDiff.toExponential(2)}${inference.maxDiff <= 1e-3 ? '' : ' FAILED (> 1e-3)'}`,
  );
  // The same two other ways, each a question only a GPU answers:
  // - LayerNorm and softmax as one kernel each (every thread finds its row's statistics) instead of two
  //   (statistics, then output): 37 launches fewer for cols times the reads (TensorDevice.rowKernelWork,
  //   off by default);
  // - gpu.js's products (one output a thread) instead of the tiled WGSL ones, B^T copied first as they
  //   need (TensorDevice.transposeBFirst): the tiled kernels read B^T in place, so 12 launches fewer.
  const variants: { label: string; set: () => () => void }[] = [
    {
      label: 'LayerNorm and softmax in one kernel each',
      set: () => {
        const saved = tensorDevice.rowKernelWork;
        tensorDevice.rowKernelWork = ROW_KERNEL_WORK_TRIED;
        return () => {
          tensorDevice.rowKernelWork = saved;
        };
      },
    },
    { label: "gpu.js's products, B^T copied first", set: () => useGpujsProducts(tensorDevice) },
  ];
  for (const variant of variants) {
    const restore = variant.set();
    const other = await measureDeviceInference(device, small ? 'tiny' : 'base', 128, runs);
    restore();
    const otherResult = makeResult(other.name, `gpu.js ${mode}, weights on the device, ${variant.label}`, 'ms', other.ms);
    results.push(otherResult);
    if (!(other.maxDiff <= 1e-3)) failed = true;
    console.log(
      `${other.name}, ${variant.label}: ${formatNumber(otherResult.median)} ms; max |device - cpu| ${other.maxDiff.toExponential(2)}${other.maxDiff <= 1e-3 ? '' : ' FAILED (> 1e-3)'}`,
    );
  }

  // What each kernel costs the host, with the device's arithmetic made negligible: the part of the latency
  // above that fewer or cheaper launches would remove.
  const dispatch = await measureDispatchCost(device, Math.max(runs, 5));
  results.push(makeResult(dispatch.name, `gpu.js ${mode}, weights on the device`, 'ms', dispatch.ms));
  console.log(
    `${dispatch.name}: ${formatNumber(results[results.length - 1].median)} ms, ${formatNumber(dispatch.kernels)} kernels a forward, ${formatNumber(dispatch.perKernelUs)} us a kernel`,
  );

  // Whole training steps with the weights on the device (the 1,000 tokens/s BERT-Base target of issue 7).
  const trainCases: (DeviceTrainingCase & { gpujsProducts?: boolean })[] = small
    ? [{ preset: 'tiny', vocab: 8000, batch: 8, seq: 64, steps: trainSteps, check: true }]
    : [
        { preset: 'mini', vocab: 30522, batch: 32, seq: 128, steps: trainSteps, check: true },
        { preset: 'base', vocab: 30522, batch: 32, seq: 128, steps: trainSteps, check: false },
        // The same step with gpu.js's products instead of the tiled ones.
        { preset: 'base', vocab: 30522, batch: 32, seq: 128, steps: trainSteps, check: false, gpujsProducts: true },
      ];
  const trainRows: string[][] = [];
  for (const c of trainCases) {
    const label = c.gpujsProducts ? ", gpu.js's products" : '';
    process.stdout.write(`\ntraining ${c.preset}${label}, batch ${c.batch} x seq ${c.seq}, ${c.steps} timed steps after a warm-up ...`);
    const restore = c.gpujsProducts ? useGpujsProducts(tensorDevice) : () => {};
    const r = await measureDeviceTraining(device, c);
    restore();
    const { rows, results: trainResults } = reportDeviceTraining({ ...r, name: `${r.name}${label}` }, `gpu.js ${mode}, weights on the device${label}`);
    trainRows.push(...rows);
    results.push(...trainResults);
    if (!lossMatches(r)) failed = true;
    process.stdout.write(` ${formatNumber(trainResults[0].median)} tokens/s\n`);
    printTable(DEVICE_TRAINING_HEADER, trainRows); // after each case, so a cut-off run still shows what it measured
  }
  if (bench.json) writeJsonReport(bench.json, results);

  setBackend('cpu');
  await releaseDeviceBackend(device);
  // The same question as the dispatch cost's without a model: what a launch costs through gpu.js, through
  // the same WebGPU calls written out, and with many launches to a submit (bench/webgpu-launch-cost.ts).
  // Last, once the device worker has ended: a thread that holds Dawn may end only while no other does.
  if (mode === 'webgpu') {
    console.log('\nWhat a launch costs the host (3,000 launches of a kernel over 512 values, each way):');
    const launchCost = await measureLaunchCost(Math.max(runs, 3));
    results.push(...launchCost);
    printLaunchCost(launchCost);
    if (bench.json) writeJsonReport(bench.json, results);
  }
  console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(0)} s`);
  await stopWorkers();
  if (failed) {
    console.error('gpu-check: some products were outside the float32 bound');
    process.exitCode = 1;
  }
}

await main();
