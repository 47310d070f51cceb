/**
 * Whole pretraining steps with the weights on a device (the gpujs-webgpu path of issue 7): forward and
 * backward of MLM + NSP, global-norm clipping and the AdamW update, with the model's parameters placed on
 * the device as `bert pretrain --backend gpujs-webgpu` places them. Reports tokens/s, and per step what
 * crossed between host and device (uploads and reads, in values) and how many device kernels ran: what is
 * still computed on the host shows up there.
 *
 * The first step's loss is compared with the cpu backend's for the same model and batch (float32 rounding;
 * skipped with --no-check, since BERT-Base on the cpu backend takes a while).
 *
 * Usage: npx tsx bench/device-train.ts [--mode webasm|webgpu|cpu] [--model tiny|mini|small|base]
 *          [--batch N] [--seq N] [--vocab N] [--steps N] [--dropout-masks stream|counter] [--no-check] [--json FILE]
 * On this machine WebGPU runs through scripts/webgpu-local.sh (lavapipe: correct, not fast); on a GPU
 * machine bench/gpu-check.ts calls measureDeviceTraining for BERT-Base.
 */
import { registerDeviceBackend, releaseDeviceBackend, type DeviceMode } from '../src/accel/gpujs/webgpu-backend.ts';
import type { GpujsTensorDevice } from '../src/accel/gpujs/device-tensors.ts';
import {
  activeDevice,
  AdamW,
  BertConfig,
  BertForPreTraining,
  BertModel,
  clipGradNorm,
  noGrad,
  randint,
  placeOnActiveDevice,
  releaseUnusedDeviceMemory,
  Rng,
  setBackend,
  stopWorkers,
  type Tensor,
} from '../src/index.ts';
import { randomTrainBatch } from './train-batch.ts';
import { formatNumber, makeResult, parseBenchArgs, printTable, writeJsonReport, type BenchResult } from './report.ts';

export interface DeviceTrainingCase {
  preset: 'tiny' | 'mini' | 'small' | 'medium' | 'base';
  vocab: number;
  batch: number;
  seq: number;
  /** Timed steps (after one warm-up step that compiles the kernels). */
  steps: number;
  /** Compare the first step's loss with the cpu backend's. */
  check: boolean;
  /**
   * How dropout masks are made (the model's dropoutSource.masks), on both sides: 'counter' (default) on the device itself,
   * 'stream' on the host and uploaded. The cpu reference uses the same kind, so that the losses compare.
   */
  masks?: 'stream' | 'counter';
}

export interface DeviceTrainingResult {
  name: string;
  tokensPerSecond: number[];
  msPerStep: number[];
  firstStepMs: number;
  /** Per timed step, averaged. */
  perStep: { uploadedValues: number; uploads: number; readValues: number; reads: number; kernels: number };
  loss: number;
  cpuLoss: number | null;
  /** Device buffers not yet freed after the last timed step (a leak would grow with the steps). */
  deviceMemory: { liveBuffers: number; liveValues: number };
}

/** One training step; returns the loss. */
function step(model: BertForPreTraining, batch: ReturnType<typeof randomTrainBatch>, params: Tensor[], optimizer: AdamW): number {
  const out = model.forward(batch);
  const loss = out.loss!.item();
  out.loss!.backward();
  clipGradNorm(params, 1);
  optimizer.step();
  optimizer.zeroGrad();
  return loss;
}

function setup(c: DeviceTrainingCase, masks: 'stream' | 'counter') {
  const config = BertConfig.preset(c.preset, { vocabSize: c.vocab, maxPositionEmbeddings: Math.max(512, c.seq) });
  const model = new BertForPreTraining(config, { seed: 'device-train' }).train();
  model.dropoutSource.masks = masks;
  const named = model.namedParameters();
  return {
    model,
    params: named.map(([, p]) => p),
    optimizer: new AdamW(named, { lr: 1e-4, eps: 1e-6, weightDecay: 0.01 }),
    batch: randomTrainBatch(c, new Rng('device-train:batch')),
  };
}

/**
 * Time `c.steps` training steps on device backend `backend` (registered by registerDeviceBackend), the
 * weights on its device.
 */
export async function measureDeviceTraining(backend: string, c: DeviceTrainingCase): Promise<DeviceTrainingResult> {
  return measureWithMasks(backend, c, c.masks ?? 'counter');
}

async function measureWithMasks(backend: string, c: DeviceTrainingCase, masks: 'stream' | 'counter'): Promise<DeviceTrainingResult> {
  const name = `BERT-${c.preset[0].toUpperCase()}${c.preset.slice(1)} train step (batch ${c.batch}, seq ${c.seq}, vocab ${c.vocab}, ${masks} dropout masks)`;
  let cpuLoss: number | null = null;
  if (c.check) {
    setBackend('cpu');
    const ref = setup(c, masks);
    cpuLoss = step(ref.model, ref.batch, ref.params, ref.optimizer);
  }
  setBackend(backend);
  const { model, params, optimizer, batch } = setup(c, masks);
  const device = placeOnActiveDevice(params) as GpujsTensorDevice | null;
  if (!device) throw new Error(`measureDeviceTraining: backend "${backend}" has no device`);
  let t0 = performance.now();
  const loss = step(model, batch, params, optimizer); // compiles every kernel
  await releaseUnusedDeviceMemory();
  const firstStepMs = performance.now() - t0;
  // Two more untimed steps: the optimizer's second update gathers the parameters into its groups and the
  // third is the first to read them there, each compiling kernels of its own (docs/backends.md, "Fewer launches").
  for (let i = 0; i < 2; i++) {
    step(model, batch, params, optimizer);
    await releaseUnusedDeviceMemory();
  }
  const before = { ...device.traffic };
  const msPerStep: number[] = [];
  for (let i = 0; i < c.steps; i++) {
    await releaseUnusedDeviceMemory(); // as the training loops do between steps (outside the timing)
    t0 = performance.now();
    step(model, batch, params, optimizer);
    msPerStep.push(performance.now() - t0);
  }
  const t = device.traffic;
  const per = (k: keyof typeof t) => (t[k] - before[k]) / Math.max(1, c.steps);
  const deviceMemory = { liveBuffers: device.memory.liveBuffers, liveValues: device.memory.liveValues };
  setBackend('cpu');
  return {
    name,
    tokensPerSecond: msPerStep.map((ms) => (c.batch * c.seq * 1000) / ms),
    msPerStep,
    firstStepMs,
    perStep: { uploadedValues: per('uploadedValues'), uploads: per('uploads'), readValues: per('readValues'), reads: per('reads'), kernels: per('kernels') },
    loss,
    cpuLoss,
    deviceMemory,
  };
}

/**
 * BERT inference latency with the weights on the device: one forward pass of BertModel (batch 1, seq
 * `seq`, evaluation mode), its last hidden state read back, median of `runs` after one warm-up that
 * compiles the kernels. The first output is compared with the cpu backend's (max |diff| returned).
 */
export async function measureDeviceInference(
  backend: string,
  preset: DeviceTrainingCase['preset'],
  seq: number,
  runs: number,
): Promise<{ name: string; ms: number[]; maxDiff: number }> {
  const config = BertConfig.preset(preset, { maxPositionEmbeddings: Math.max(512, seq) });
  const inputIds = randint([1, seq], config.vocabSize - 5, new Rng('device-inference'));
  setBackend('cpu');
  const model = new BertModel(config, { seed: 'device-inference' }).eval();
  const expected = noGrad(() => model.forward({ inputIds })).lastHiddenState.data;
  setBackend(backend);
  placeOnActiveDevice(model.parameters());
  const run = () => noGrad(() => model.forward({ inputIds })).lastHiddenState.data; // .data waits for the device
  const first = run();
  let maxDiff = 0;
  for (let i = 0; i < first.length; i++) maxDiff = Math.max(maxDiff, Math.abs(first[i] - expected[i]));
  const ms = await timeForwards(run, runs);
  setBackend('cpu');
  const name = `BERT-${preset[0].toUpperCase()}${preset.slice(1)} forward (batch 1, seq ${seq})`;
  return { name, ms, maxDiff };
}

/** `runs` timings of `forward` (ms), the device's unused buffers released before each, outside the timing. */
async function timeForwards(forward: () => void, runs: number): Promise<number[]> {
  const ms: number[] = [];
  for (let r = 0; r < runs; r++) {
    await releaseUnusedDeviceMemory();
    const t0 = performance.now();
    forward();
    ms.push(performance.now() - t0);
  }
  return ms;
}

/**
 * What one device kernel costs the host: forwards of a model with BERT-Base's depth and launches (12
 * layers) but a width of 64 and 8 tokens, so that the device's arithmetic is negligible and the time is
 * the posting, the device worker's gpu.js run and Dawn's encoding and submitting of each kernel. A
 * BERT-Base forward of batch 1 runs as many kernels (the count does not depend on the sizes), so
 * `kernels x perKernelUs` is the part of its latency that fewer or cheaper launches can remove. Median of
 * `runs` after two warm-ups; the last hidden state is read back once per forward.
 */
export async function measureDispatchCost(backend: string, runs: number): Promise<{ name: string; ms: number[]; kernels: number; perKernelUs: number }> {
  const config = BertConfig.preset('base', { hiddenSize: 64, numAttentionHeads: 4, intermediateSize: 256, vocabSize: 1000 });
  const inputIds = randint([1, 8], config.vocabSize - 5, new Rng('device-dispatch'));
  setBackend(backend);
  const model = new BertModel(config, { seed: 'device-dispatch' }).eval();
  const device = placeOnActiveDevice(model.parameters()) as GpujsTensorDevice | null;
  if (!device) throw new Error(`measureDispatchCost: backend "${backend}" has no device`);
  const run = () => noGrad(() => model.forward({ inputIds })).lastHiddenState.data; // .data waits for the device
  for (let i = 0; i < 2; i++) {
    run();
    await releaseUnusedDeviceMemory();
  }
  const kernelsBefore = device.traffic.kernels;
  const ms = await timeForwards(run, runs);
  const kernels = (device.traffic.kernels - kernelsBefore) / runs;
  setBackend('cpu');
  const median = [...ms].sort((a, b) => a - b)[Math.floor(runs / 2)];
  return { name: 'BERT-Base depth at width 64 (12 layers, batch 1, seq 8)', ms, kernels, perKernelUs: (1000 * median) / kernels };
}

/** The result as table rows and benchmark records. */
export function reportDeviceTraining(r: DeviceTrainingResult, impl: string): { rows: string[][]; results: BenchResult[] } {
  const results = [makeResult(r.name, impl, 'tokens/s', r.tokensPerSecond), makeResult(r.name, impl, 'ms', r.msPerStep)];
  const mb = (values: number) => `${formatNumber((values * 4) / 1e6)} MB`;
  const p = r.perStep;
  const rows = [
    [
      r.name,
      formatNumber(results[0].median),
      formatNumber(results[1].median),
      `${(r.firstStepMs / 1000).toFixed(1)} s`,
      `${formatNumber(p.uploads)} (${mb(p.uploadedValues)})`,
      `${formatNumber(p.reads)} (${mb(p.readValues)})`,
      formatNumber(p.kernels),
      r.cpuLoss === null ? `${r.loss.toFixed(4)}` : `${r.loss.toFixed(4)} vs cpu ${r.cpuLoss.toFixed(4)}`,
      `${r.deviceMemory.liveBuffers} (${mb(r.deviceMemory.liveValues)})`,
    ],
  ];
  return { rows, results };
}

export const DEVICE_TRAINING_HEADER = [
  'step',
  'tokens/s',
  'ms/step',
  'first step',
  'uploads/step',
  'reads/step',
  'kernels/step',
  'loss (step 1)',
  'device buffers live',
];

/** Whether the device's first-step loss equals the cpu backend's to float32 rounding of a long sum. */
export function lossMatches(r: DeviceTrainingResult): boolean {
  return r.cpuLoss === null || Math.abs(r.loss - r.cpuLoss) <= 1e-4 * Math.abs(r.cpuLoss);
}

async function main(): Promise<void> {
  const bench = parseBenchArgs(process.argv.slice(2));
  let mode: DeviceMode = 'webasm';
  const c: DeviceTrainingCase = { preset: 'tiny', vocab: 8000, batch: 8, seq: 64, steps: bench.runs ?? 3, check: true };
  for (let i = 0; i < bench.rest.length; i++) {
    const [flag, value] = [bench.rest[i], bench.rest[i + 1]];
    if (flag === '--no-check') {
      c.check = false;
      continue;
    }
    if (value === undefined) throw new Error(`device-train: ${flag} needs a value`);
    if (flag === '--mode' && ['webasm', 'webgpu', 'cpu'].includes(value)) mode = value as DeviceMode;
    else if (flag === '--model' && ['tiny', 'mini', 'small', 'medium', 'base'].includes(value)) c.preset = value as DeviceTrainingCase['preset'];
    else if (flag === '--batch') c.batch = Number(value);
    else if (flag === '--seq') c.seq = Number(value);
    else if (flag === '--vocab') c.vocab = Number(value);
    else if (flag === '--steps') c.steps = Number(value);
    else if (flag === '--dropout-masks' && (value === 'stream' || value === 'counter')) c.masks = value;
    else
      throw new Error(
        `device-train: unknown argument "${flag} ${value}"; expected --mode, --model, --batch, --seq, --vocab, --steps, --dropout-masks stream|counter, --no-check, --runs, --json`,
      );
    i++;
  }
  const backend = registerDeviceBackend(mode);
  const r = await measureDeviceTraining(backend, c);
  const { rows, results } = reportDeviceTraining(r, `gpu.js ${mode}, weights on the device`);
  printTable(DEVICE_TRAINING_HEADER, rows);
  if (bench.json) writeJsonReport(bench.json, results);
  if (activeDevice() === null) setBackend('cpu');
  await releaseDeviceBackend(backend);
  await stopWorkers();
  if (!lossMatches(r)) {
    console.error(`device-train: the device's loss ${r.loss} differs from the cpu backend's ${r.cpuLoss}`);
    process.exitCode = 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('device-train.ts') || process.argv[1]?.endsWith('device-train.js'))
  await main();
