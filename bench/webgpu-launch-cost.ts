/**
 * What one kernel launch costs the host on WebGPU, apart from what the kernel computes: 3,000 launches of a
 * kernel that adds 1 to 512 values, timed until the last submit returns (the host's cost) and again until
 * the device has finished, five ways side by side:
 *
 *   gpu.js run         a gpu.js pipeline kernel, as the device runs every kernel but the products: gpu.js's
 *                      JavaScript, then a params upload, a new output buffer, a bind group, an encoder and a
 *                      submit a launch;
 *   the same calls     those WebGPU calls written out, without gpu.js's JavaScript;
 *   no params upload   as the tiled products launch (sizes compiled in): buffer, bind group, encoder, submit;
 *   submit every 10    output buffer, bind group and a compute pass a launch, one encoder and submit for 10;
 *   submit every 150   the same for 150 (a runner that records a whole forward before submitting).
 *
 * The difference between the first line and the last is what a launch would save if every kernel were
 * recorded by a runner of our own instead of gpu.js (docs/performance.md, "What a kernel costs the host").
 * It runs in a worker thread of its own: a thread that holds Dawn must end on its own (webgpu-setup.ts).
 *
 *   bash scripts/webgpu-local.sh --import tsx bench/webgpu-launch-cost.ts [--runs N] [--json FILE]
 *
 * On a GPU machine, bench/gpu-check.ts runs it as well (measureLaunchCost).
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { formatNumber, makeResult, parseBenchArgs, printTable, writeJsonReport, type BenchResult } from './report.ts';

const LAUNCHES = 3000;
const VALUES = 512;
const TASK = 'webgpu-launch-cost';

const VARIANTS = ['gpu.js run', 'the same calls', 'no params upload', 'submit every 10', 'submit every 150'] as const;
type Variant = (typeof VARIANTS)[number];

/** Microseconds a launch for each variant, one sample per turn: on the host, and until the device was done. */
type Samples = Record<Variant, { host: number[]; done: number[] }>;

/** A WebGPU object from Dawn (the DOM's WebGPU types are not part of this project's TypeScript setup). */
// biome-ignore lint/suspicious/noExplicitAny: untyped native objects, used only in this measurement
type Native = any;

/** The body of the worker: every variant, `turns` times in turn. */
async function measureHere(turns: number): Promise<Samples> {
  const { installWebGPU } = await import('../src/accel/gpujs/webgpu-setup.ts');
  const { GPU, WebGPUContext } = await import('../src/accel/gpujs/gpu.ts');
  const { release, collectDawn } = await installWebGPU();
  const gpu = new GPU({ mode: 'webgpu' });
  const { device } = (await WebGPUContext.acquire()) as unknown as { device: Native };
  const usage = (globalThis as Native).GPUBufferUsage;
  const module = device.createShaderModule({
    code: `@group(0) @binding(0) var<uniform> params: vec4<u32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  if (id.x < params.x) { y[id.x] = x[id.x] + 1.0; }
}`,
  });
  const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
  const layout = pipeline.getBindGroupLayout(0);
  const params = device.createBuffer({ size: 16, usage: usage.UNIFORM | usage.COPY_DST });
  const x = device.createBuffer({ size: VALUES * 4, usage: usage.STORAGE | usage.COPY_DST });
  const paramsValues = new Uint32Array([VALUES, 0, 0, 0]);

  const addOne = gpu.createKernel(
    function (this: { thread: { x: number } }, v: number[]) {
      return v[this.thread.x] + 1;
    },
    { output: [VALUES], pipeline: true, immutable: true, asyncMode: true, precision: 'single' },
  ) as unknown as (v: unknown) => Promise<{ delete(): void }>;
  const input = await (
    gpu.createKernel(
      function (this: { thread: { x: number } }) {
        return this.thread.x;
      },
      { output: [VALUES], pipeline: true, asyncMode: true, precision: 'single' },
    ) as unknown as () => Promise<unknown>
  )();

  /** Record one launch into `encoder` (a new one, submitted at once, when null); its output buffer. */
  const launch = (encoder: Native | null, writeParams: boolean): Native => {
    if (writeParams) device.queue.writeBuffer(params, 0, paramsValues);
    const y = device.createBuffer({ size: VALUES * 4, usage: usage.STORAGE | usage.COPY_SRC });
    const bindGroup = device.createBindGroup({
      layout,
      entries: [
        { binding: 0, resource: { buffer: params } },
        { binding: 1, resource: { buffer: x } },
        { binding: 2, resource: { buffer: y } },
      ],
    });
    const enc = encoder ?? device.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(VALUES / 64);
    pass.end();
    if (!encoder) device.queue.submit([enc.finish()]);
    return y;
  };

  /** Launches a variant `LAUNCHES` times; the outputs are freed afterwards, as the device frees dead tensors. */
  const run = async (variant: Variant): Promise<{ host: number; done: number }> => {
    const outputs: { destroy(): void }[] = [];
    await device.queue.onSubmittedWorkDone();
    const t0 = performance.now();
    if (variant === 'gpu.js run') {
      for (let i = 0; i < LAUNCHES; i++) {
        const y = await addOne(input);
        outputs.push({ destroy: () => y.delete() });
      }
    } else {
      const batch = variant === 'submit every 10' ? 10 : variant === 'submit every 150' ? 150 : 1;
      let encoder: Native | null = batch > 1 ? device.createCommandEncoder() : null;
      for (let i = 0; i < LAUNCHES; i++) {
        outputs.push(launch(encoder, variant === 'the same calls'));
        if (encoder && (i + 1) % batch === 0) {
          device.queue.submit([encoder.finish()]);
          encoder = i + 1 < LAUNCHES ? device.createCommandEncoder() : null;
        }
      }
      if (encoder) device.queue.submit([encoder.finish()]);
    }
    const host = performance.now() - t0;
    await device.queue.onSubmittedWorkDone();
    const done = performance.now() - t0;
    for (const y of outputs) y.destroy();
    return { host: (1000 * host) / LAUNCHES, done: (1000 * done) / LAUNCHES };
  };

  const samples = Object.fromEntries(VARIANTS.map((v) => [v, { host: [], done: [] }])) as unknown as Samples;
  try {
    for (const v of VARIANTS) await run(v); // warm-up: compiles, first allocations
    for (let turn = 0; turn < turns; turn++) {
      for (const v of VARIANTS) {
        const r = await run(v);
        samples[v].host.push(r.host);
        samples[v].done.push(r.done);
      }
    }
  } finally {
    params.destroy();
    x.destroy();
    gpu.destroy();
    await WebGPUContext.destroy();
    release();
  }
  collectDawn();
  return samples;
}

/**
 * Measure in a worker thread of its own and give the results: per variant, the host's microseconds a launch
 * and the microseconds a launch until the device was done, one sample per turn.
 */
export function measureLaunchCost(turns: number): Promise<BenchResult[]> {
  const here = import.meta.url;
  const options = { workerData: { task: TASK, entry: here, turns } };
  const worker = here.endsWith('.ts') ? new Worker(new URL('../src/accel/cpu/tsx-worker.mjs', here), options) : new Worker(new URL(here), options);
  return new Promise((resolve, reject) => {
    let samples: Samples | null = null;
    worker.on('message', (s: Samples) => {
      samples = s;
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      if (!samples) return reject(new Error(`webgpu-launch-cost: the worker exited with code ${code} before reporting`));
      const s = samples;
      resolve(
        VARIANTS.flatMap((v) => [
          makeResult(`WebGPU launch, ${v}`, 'host', 'us/launch', s[v].host),
          makeResult(`WebGPU launch, ${v}`, 'until the device is done', 'us/launch', s[v].done),
        ]),
      );
    });
  });
}

/** The results as a table: each variant's host and device-done microseconds, and the host's ratio to gpu.js's run. */
export function printLaunchCost(results: readonly BenchResult[]): void {
  const host = (v: Variant) => results.find((r) => r.name === `WebGPU launch, ${v}` && r.impl === 'host')?.median ?? Number.NaN;
  const done = (v: Variant) => results.find((r) => r.name === `WebGPU launch, ${v}` && r.impl !== 'host')?.median ?? Number.NaN;
  const base = host('gpu.js run');
  printTable(
    ['launch', 'host us', 'until done us', 'host vs gpu.js run'],
    VARIANTS.map((v) => [v, formatNumber(host(v)), formatNumber(done(v)), `${formatNumber(base / host(v))}x`]),
  );
}

async function main(): Promise<void> {
  const bench = parseBenchArgs(process.argv.slice(2));
  if (bench.rest.length) throw new Error(`webgpu-launch-cost: unknown argument "${bench.rest[0]}"; expected --runs N, --json FILE`);
  const turns = bench.runs ?? 5;
  console.log(`${LAUNCHES} launches of a kernel over ${VALUES} values, each way, ${turns} turns (medians):`);
  const results = await measureLaunchCost(turns);
  printLaunchCost(results);
  if (bench.json) writeJsonReport(bench.json, results);
}

if (!isMainThread && workerData?.task === TASK) {
  const samples = await measureHere(workerData.turns as number);
  parentPort?.postMessage(samples);
  parentPort?.close();
} else if (process.argv[1]?.endsWith('webgpu-launch-cost.ts') || process.argv[1]?.endsWith('webgpu-launch-cost.js')) {
  await main();
}
