// The gpu.js device worker of the installed package, in gpu.js's cpu mode (no GPU needed): run by
// test/package/package.test.ts with plain node after gpu.js (an optional peer dependency) was added to the
// project. registerDeviceBackend returns only once the worker, started from dist/accel/gpujs/device-worker.js,
// has its gpu.js instance. The package exports the device backend only through BERT_BACKEND=gpujs-webgpu,
// which needs a GPU, so this script imports the compiled module by its path.
import { matmul, setBackend, tensor } from 'bert-ts';
import { registerDeviceBackend, releaseDeviceBackend } from './node_modules/bert-ts/dist/accel/gpujs/webgpu-backend.js';

const name = registerDeviceBackend('cpu', undefined, 30_000);
setBackend(name);
const c = matmul(
  tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]),
  tensor([
    [7, 8],
    [9, 10],
    [11, 12],
  ]),
);
setBackend('cpu');
const released = await releaseDeviceBackend(name);
console.log(JSON.stringify({ name, product: Array.from(c.data), released }));
