/**
 * Lesson 8: tensors that live on a device, and why a GPU needs them.
 *
 *   npx tsx examples/08-device-tensors.ts            the device worker in gpu.js's WebAssembly mode (any machine)
 *   bash scripts/webgpu-local.sh --import tsx examples/08-device-tensors.ts --webgpu
 *                                                    the same on WebGPU (here through a software Vulkan driver;
 *                                                    on a machine with a GPU, node with the webgpu package)
 *
 * What you will see:
 *   1. a tensor put on the device keeps its host values too; an op whose input is on the device runs there
 *      and its result stays there: `isOnHost` is false until something reads `data`;
 *   2. a Linear + GELU layer, forward and backward, computed on the device and equal to the host's result to
 *      float32 rounding;
 *   3. what crossed between host and device (uploads, reads) and how many device kernels ran: the whole
 *      layer needed the inputs up once and the answers back once;
 *   4. an AdamW step on the device: the weights never come back to the host.
 *
 * Read alongside: docs/backends.md ("Device-resident tensors"), src/accel/device.ts (how an op chooses
 * where it runs), src/accel/gpujs/device-kernels.ts (the kernels, with their formulas).
 */
import type { GpujsTensorDevice } from '../src/accel/gpujs/device-tensors.ts';
import { deviceOfBackend, registerDeviceBackend, releaseDeviceBackend } from '../src/accel/gpujs/webgpu-backend.ts';
import { AdamW, biasGelu, matmul, mul, Rng, randn, sum, Tensor, toDevice } from '../src/index.ts';

const mode = process.argv.includes('--webgpu') ? 'webgpu' : 'webasm';
const backend = registerDeviceBackend(mode);
const device = deviceOfBackend(backend) as GpujsTensorDevice;
console.log(`device "${device.name}": gpu.js ${mode} mode on a worker thread\n`);

// ---------------------------------------------------------------------------------------------------------
// 1. Where values live.
// ---------------------------------------------------------------------------------------------------------
const rng = new Rng(1);
const x = randn([4, 8], rng); // a batch of 4 inputs of 8 features: host only
const w = randn([3, 8], rng, { std: 0.5, requiresGrad: true }); // a Linear weight [out, in]
const b = randn([3], rng, { std: 0.1, requiresGrad: true });
toDevice(w, device);
toDevice(b, device);
console.log(`w: on the host ${w.isOnHost}, on the device ${w.external !== null} (toDevice keeps both)`);

const h = matmul(x, w, { transposeB: true }); // x goes up (once) because w is on the device
console.log(`h = x w^T: on the host ${h.isOnHost}, on the device ${h.external !== null}`);

// ---------------------------------------------------------------------------------------------------------
// 2. A layer, forward and backward, on the device; the same on the host for comparison.
// ---------------------------------------------------------------------------------------------------------
const before = { ...device.traffic };
const y = biasGelu(h, b); // gelu(h + b): two device kernels
const weights = new Tensor(
  Float32Array.from({ length: 12 }, (_, i) => (i % 5) - 2),
  [4, 3],
);
const loss = sum(mul(y, weights)); // a weighted sum, so that each output has its own gradient
loss.backward(); // every backward op runs on the device too: w.grad and b.grad stay there

const hostW = new Tensor(Float32Array.from(w.data), w.shape, true);
const hostB = new Tensor(Float32Array.from(b.data), b.shape, true);
const hostLoss = sum(mul(biasGelu(matmul(x, hostW, { transposeB: true }), hostB), weights));
hostLoss.backward();
const maxDiff = (a: Tensor, c: Tensor) => Math.max(...Array.from(a.data, (v, i) => Math.abs(v - c.data[i])));
console.log(`\nloss on the device ${loss.item().toFixed(6)}, on the host ${hostLoss.item().toFixed(6)}`);
console.log(
  `gradients: w.grad on the host? ${w.grad!.isOnHost}; max |device - host|: w ${maxDiff(w.grad!, hostW.grad!).toExponential(1)}, b ${maxDiff(b.grad!, hostB.grad!).toExponential(1)}`,
);

// ---------------------------------------------------------------------------------------------------------
// 3. What crossed.
// ---------------------------------------------------------------------------------------------------------
const t = device.traffic;
console.log(
  `\nsince the forward pass: ${t.uploads - before.uploads} uploads (${t.uploadedValues - before.uploadedValues} values), ` +
    `${t.reads - before.reads} reads (${t.readValues - before.readValues} values, counting the comparisons above), ${t.kernels - before.kernels} device kernels`,
);

// ---------------------------------------------------------------------------------------------------------
// 4. An optimizer step on the device.
// ---------------------------------------------------------------------------------------------------------
const optimizer = new AdamW(
  [
    ['w', w],
    ['b', b],
  ],
  { lr: 0.1 },
);
optimizer.step();
console.log(`\nafter AdamW: w on the host? ${w.isOnHost} (its new values are on the device; reading w.data would fetch them)`);
console.log(`w[0, 0..2] = ${Array.from(w.data.subarray(0, 3), (v) => v.toFixed(4)).join(', ')}`);

await releaseDeviceBackend(backend);
