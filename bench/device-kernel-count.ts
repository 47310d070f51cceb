/**
 * How many device kernels one BERT pretraining step runs, by kernel name: forward and backward of MLM +
 * NSP, global-norm clipping and the AdamW update, the weights on a device (gpu.js's webasm mode on the
 * device worker: the count is the same in every mode and at every batch size and sequence length, so a
 * small batch counts what a GPU runs at batch 32 x seq 128).
 *
 * With --inference it counts one forward of BertModel instead (batch 1, evaluation mode, no gradient), the
 * third: the first copies each Linear weight to row-major order for the products (kept from then on).
 * --row-kernels counts with LayerNorm and softmax as one kernel each where the rows are few (the setting
 * bench/gpu-check.ts tries, ROW_KERNEL_WORK_TRIED in src/accel/gpujs/device-tensors.ts). The count is what
 * WebGPU runs with its tiled products, which read a transposed B in place; --gpujs-products counts with
 * gpu.js's products instead, which on a GPU copy a transposed B to row-major order first.
 *
 * Usage: npx tsx bench/device-kernel-count.ts [--model tiny|mini|small|base] [--layers N] [--vocab N] [--inference] [--row-kernels] [--gpujs-products]
 * The step counted is the fourth, which runs as every later one: the first update of a parameter is a
 * kernel of its own, the second gathers the parameters into the buffers the grouped optimizer updates in
 * place from then on (src/accel/device.ts deviceAdamwGrouped), and the last group of a step is launched
 * when the next step first reads it, so step 3 still counts one gather of step 2. The first three steps'
 * totals are printed too.
 */
import { registerDeviceBackend, releaseDeviceBackend } from '../src/accel/gpujs/webgpu-backend.ts';
import { ROW_KERNEL_WORK_TRIED, type GpujsTensorDevice } from '../src/accel/gpujs/device-tensors.ts';
import {
  AdamW,
  BertConfig,
  BertForPreTraining,
  BertModel,
  clipGradNorm,
  noGrad,
  placeOnActiveDevice,
  randint,
  releaseUnusedDeviceMemory,
  Rng,
  setBackend,
  stopWorkers,
} from '../src/index.ts';
import { randomTrainBatch } from './train-batch.ts';

/** Whether a transposed B is copied to row-major order before a product, as gpu.js's products do on a GPU (--gpujs-products). */
let copyBFirst = false;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  let preset: 'tiny' | 'mini' | 'small' | 'base' = 'base';
  let layers: number | undefined;
  let vocab = 512;
  let inference = false;
  let rowKernels = false;
  for (let i = 0; i < args.length; i += 2) {
    const [flag, value] = [args[i], args[i + 1]];
    if (flag === '--inference' || flag === '--row-kernels' || flag === '--gpujs-products') {
      if (flag === '--inference') inference = true;
      else if (flag === '--row-kernels') rowKernels = true;
      else copyBFirst = true;
      i--; // a flag without a value
    } else if (flag === '--model' && ['tiny', 'mini', 'small', 'base'].includes(value)) preset = value as typeof preset;
    else if (flag === '--layers' && Number(value) > 0) layers = Number(value);
    else if (flag === '--vocab' && Number(value) > 5) vocab = Number(value);
    else
      throw new Error(
        `device-kernel-count: unknown argument "${flag} ${value ?? ''}"; expected --model tiny|mini|small|base, --layers N, --vocab N, --inference, --row-kernels, --gpujs-products`,
      );
  }
  const backend = registerDeviceBackend('webasm');
  setBackend(backend);
  const config = BertConfig.preset(preset, { vocabSize: vocab, maxPositionEmbeddings: 512, ...(layers ? { numHiddenLayers: layers } : {}) });
  if (inference) {
    await countInference(config, rowKernels);
    setBackend('cpu');
    await releaseDeviceBackend(backend);
    await stopWorkers();
    return;
  }
  const model = new BertForPreTraining(config, { seed: 'kernel-count' }).train();
  model.dropoutSource.masks = 'counter';
  const named = model.namedParameters();
  const params = named.map(([, p]) => p);
  const optimizer = new AdamW(named, { lr: 1e-4, eps: 1e-6, weightDecay: 0.01 });
  const batch = randomTrainBatch({ vocab, batch: 1, seq: 8 }, new Rng('kernel-count:batch'));
  const device = placeOnActiveDevice(params) as GpujsTensorDevice;
  device.transposeBFirst = copyBFirst;
  const step = () => {
    const out = model.forward(batch);
    out.loss!.item();
    out.loss!.backward();
    clipGradNorm(params, 1);
    optimizer.step();
    optimizer.zeroGrad();
  };
  const { warmUps, total, rows } = await countKernels(device, step, 3);
  console.log(
    `BERT-${preset} (${config.numHiddenLayers} layers, ${params.length} parameters): ${total} kernels per step (steps 1 to 3: ${warmUps.join(', ')})`,
  );
  for (const [name, n] of rows) console.log(`  ${name.padEnd(24)} ${n}`);
  setBackend('cpu');
  await releaseDeviceBackend(backend);
  await stopWorkers();
}

/**
 * Run `run` `warmUps` times (each total kept), then once more, counting that run's kernels by name.
 * @returns the warm-up runs' totals, the counted run's total, and its [name, launches] most first
 */
async function countKernels(device: GpujsTensorDevice, run: () => void, warmUps: number) {
  const totals: number[] = [];
  for (let i = 0; i < warmUps; i++) {
    const start = device.traffic.kernels;
    run();
    await releaseUnusedDeviceMemory();
    totals.push(device.traffic.kernels - start);
  }
  const before = { kernels: device.traffic.kernels, counts: new Map(device.kernelCounts) };
  run();
  const rows = [...device.kernelCounts].map(([name, n]) => [name, n - (before.counts.get(name) ?? 0)] as const).filter(([, n]) => n > 0);
  rows.sort((a, b) => b[1] - a[1]);
  return { warmUps: totals, total: device.traffic.kernels - before.kernels, rows };
}

/** Print the kernels of one BertModel forward (batch 1 x seq 8) with the weights on the active device. */
async function countInference(config: BertConfig, rowKernels: boolean): Promise<void> {
  const model = new BertModel(config, { seed: 'kernel-count' }).eval();
  const device = placeOnActiveDevice(model.parameters()) as GpujsTensorDevice;
  device.transposeBFirst = copyBFirst;
  if (rowKernels) device.rowKernelWork = ROW_KERNEL_WORK_TRIED;
  const inputIds = randint([1, 8], config.vocabSize - 5, new Rng('kernel-count:ids'));
  const forward = () => noGrad(() => model.forward({ inputIds })).lastHiddenState.data; // .data waits for the device
  const { warmUps, total, rows } = await countKernels(device, forward, 2);
  console.log(`BertModel (${config.numHiddenLayers} layers) forward, batch 1: ${total} kernels (forwards 1 and 2: ${warmUps.join(', ')})`);
  for (const [name, n] of rows) console.log(`  ${name.padEnd(24)} ${n}`);
}

await main();
