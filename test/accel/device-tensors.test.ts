/**
 * Device-resident tensors (src/accel/device.ts) on a gpu.js device worker, run here in gpu.js's webasm and
 * cpu modes (the same worker, protocol and kernels as WebGPU; only the "buffers" are Float32Arrays). Every
 * device op is compared with the host op it replaces, values and gradients, within float32 rounding;
 * intermediate results stay on the device until read; a failed device job is reported by the next read,
 * naming the job; an optimizer step drops the stale device copy of a parameter.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpujsTensorDevice } from '../../src/accel/gpujs/device-tensors.ts';
import { deviceSumOfSquaresMany } from '../../src/accel/device.ts';
import { deviceOfBackend, registerDeviceBackend, releaseDeviceBackend } from '../../src/accel/gpujs/webgpu-backend.ts';
import {
  add,
  AdamW,
  biasGelu,
  clipGradNorm,
  crossEntropy,
  div,
  dropout,
  embedding,
  gelu,
  indexSelect,
  layerNorm,
  matmul,
  mul,
  noGrad,
  permute,
  slice,
  tanh,
  Rng,
  randn,
  reshape,
  scaledMaskedSoftmax,
  softmax,
  sub,
  sum,
  Tensor,
  toDevice,
  type DeviceStorage,
  type TensorDevice,
} from '../../src/index.ts';

/**
 * webasm and cpu here; BERT_DEVICE_TEST_MODE=webgpu runs the same tests on WebGPU (`npm run test:webgpu`,
 * on this machine through scripts/webgpu-local.sh and vitest.webgpu.config.ts).
 */
const modes = process.env.BERT_DEVICE_TEST_MODE === 'webgpu' ? (['webgpu'] as const) : (['webasm', 'cpu'] as const);
let device: TensorDevice;

/**
 * Run `f`, then put back the device settings a test may change (how products read B^T, whether they are
 * tiled, the row-kernel threshold, the largest buffer), whether f passes or throws.
 */
function withSettingsRestored(f: () => void): void {
  const d = device as GpujsTensorDevice;
  const saved = { transposeBFirst: d.transposeBFirst, tiledProducts: d.tiledProducts, rowKernelWork: d.rowKernelWork, maxElements: d.maxElements };
  try {
    f();
  } finally {
    Object.assign(d, saved);
  }
}

/** Launches of each kernel on `device` from now on: `ran('matmulBias')`. */
function launchesFromNow(device: GpujsTensorDevice): (name: string) => number {
  const before = new Map(device.kernelCounts) as Map<string, number>;
  return (name) => (device.kernelCounts.get(name as never) ?? 0) - (before.get(name) ?? 0);
}

/** |device - host| <= tol (1 + |host|) elementwise, with tol a few float32 roundings of the sums involved. */
function expectClose(onDevice: Tensor, onHost: Tensor, tol: number): void {
  expect(onDevice.shape).toEqual(onHost.shape);
  const d = onDevice.data;
  const h = onHost.data;
  for (let i = 0; i < h.length; i++) expect(Math.abs(d[i] - h[i])).toBeLessThanOrEqual(tol * (1 + Math.abs(h[i])));
}

/** The same values as `t`, host only (a fresh tensor that no device has seen). */
function hostCopy(t: Tensor, requiresGrad = false): Tensor {
  return new Tensor(t.data.slice(), t.shape, requiresGrad);
}

describe.each(modes)('device-resident tensors (gpu.js %s mode on the device worker)', (mode) => {
  let backend = '';

  beforeAll(() => {
    backend = registerDeviceBackend(mode, `device-tensors-test-${mode}`);
    device = deviceOfBackend(backend);
  });

  afterAll(async () => {
    if (backend) expect(await releaseDeviceBackend(backend)).toBe('exited');
  });

  it('an upload reads back exactly, and toDevice keeps the host values as well', () => {
    const t = randn([3, 5], new Rng(1));
    const values = Array.from(t.data);
    toDevice(t, device);
    expect((t.external as DeviceStorage).device).toBe(device);
    expect(t.isOnHost).toBe(true);
    const back = Tensor.fromExternal(t.external!, t.shape, 'float32');
    expect(back.isOnHost).toBe(false);
    expect(Array.from(back.data)).toEqual(values);
    expect(back.isOnHost).toBe(true); // read once, kept
  });

  it('matmul of every layout, B^T read in place or copied first, equals the host product within float32 rounding, and stays on the device', () => {
    withSettingsRestored(() => {
      fc.assert(
        fc.property(
          fc.record({
            batch: fc.integer({ min: 1, max: 3 }),
            m: fc.integer({ min: 1, max: 7 }),
            n: fc.integer({ min: 1, max: 7 }),
            k: fc.integer({ min: 1, max: 20 }),
            transposeA: fc.boolean(),
            transposeB: fc.boolean(),
            broadcastB: fc.boolean(),
            transposeBFirst: fc.boolean(),
            seed: fc.integer({ min: 0, max: 1e6 }),
          }),
          (p) => {
            (device as GpujsTensorDevice).transposeBFirst = p.transposeBFirst; // restored after the property
            const rng = new Rng(p.seed);
            const a = randn(p.transposeA ? [p.batch, p.k, p.m] : [p.batch, p.m, p.k], rng);
            const bShape = p.transposeB ? [p.n, p.k] : [p.k, p.n];
            const b = randn(p.broadcastB ? bShape : [p.batch, ...bShape], rng);
            const opts = { transposeA: p.transposeA, transposeB: p.transposeB };
            const host = matmul(hostCopy(a), hostCopy(b), opts);
            const onDev = matmul(toDevice(a, device), b, opts); // b is uploaded by the op
            expect(onDev.isOnHost).toBe(false);
            expectClose(onDev, host, 4 * (p.k + 2) * 2 ** -24 * 8);
          },
        ),
        { numRuns: 24, seed: 5 },
      );
    });
  });

  it('products over several tiles (rows and columns past 64, depths past 16: the tiled WGSL kernels on WebGPU), with a bias, GELU, row sums, three products a launch or a permuted output, equal the host', () => {
    const gpujsDevice = device as GpujsTensorDevice;
    withSettingsRestored(() => {
      fc.assert(
        fc.property(
          fc.record({
            batch: fc.integer({ min: 1, max: 2 }),
            m: fc.integer({ min: 1, max: 140 }),
            n: fc.integer({ min: 1, max: 140 }),
            k: fc.integer({ min: 1, max: 70 }),
            transposeA: fc.boolean(),
            transposeB: fc.boolean(),
            transposeBFirst: fc.boolean(),
            seed: fc.integer({ min: 0, max: 1e6 }),
          }),
          (p) => {
            gpujsDevice.transposeBFirst = p.transposeBFirst;
            const rng = new Rng(p.seed);
            const a = randn(p.transposeA ? [p.batch, p.k, p.m] : [p.batch, p.m, p.k], rng);
            const b = randn(p.transposeB ? [p.n, p.k] : [p.k, p.n], rng);
            const bias = randn([p.n], rng);
            const opts = { transposeA: p.transposeA, transposeB: p.transposeB };
            const tol = 4 * (p.k + 2) * 2 ** -24 * 8;
            expectClose(matmul(toDevice(hostCopy(a), device), b, opts), matmul(hostCopy(a), hostCopy(b), opts), tol);
            // A Linear layer and GELU, forward and backward: matmulBias, the weight's gradient with its bias's
            // (matmulRowSums, m = the output width), x's gradient.
            const x = randn([p.batch, p.m, p.k], rng);
            const w = randn([p.n, p.k], rng, { std: 0.3 });
            compareWithHost([x, w, bias], (t, tw, tb) => gelu(add(matmul(t, tw, { transposeB: true }), tb)), tol);
            // Three products of one input in one launch, and GELU as an epilogue (no gradient).
            const ws = [w, randn([p.n, p.k], rng, { std: 0.3 }), randn([p.n, p.k], rng, { std: 0.3 })];
            const xDev = toDevice(hostCopy(x), device);
            const onDev = noGrad(() =>
              ws.map((wt) => add(matmul(xDev, toDevice(hostCopy(wt), device), { transposeB: true }), toDevice(hostCopy(bias), device))),
            );
            onDev.forEach((y, t) => expectClose(y, add(matmul(hostCopy(x), hostCopy(ws[t]), { transposeB: true }), hostCopy(bias)), tol));
            const geluDev = noGrad(() => biasGelu(matmul(xDev, toDevice(hostCopy(w), device), { transposeB: true }), toDevice(hostCopy(bias), device)));
            expectClose(geluDev, biasGelu(matmul(hostCopy(x), hostCopy(w), { transposeB: true }), hostCopy(bias)), tol);
          },
        ),
        { numRuns: 8, seed: 53 },
      );
      // Attention's context written as [B, S, h, d] over more than one tile of rows.
      const [B, h, S, d] = [1, 2, 70, 5];
      const heads = (t: Tensor) => permute(reshape(t, [B, S, h, d]), [0, 2, 1, 3]);
      compareWithHost(
        [randn([B, S, h * d], new Rng(9))],
        (x) => reshape(permute(matmul(softmax(matmul(heads(x), heads(mul(x, 0.5)), { transposeB: true }), -1), heads(x)), [0, 2, 1, 3]), [B, S, h * d]),
        1e-5,
      );
    });
  });

  it('add, sub, mul, div in each layout (same shape, bias row, scalar either side) equal the host ops', () => {
    const ops = [add, sub, mul, div];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 }),
        fc.constantFrom('same', 'row', 'scalarB', 'scalarA'),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 1e6 }),
        (opIndex, layout, rows, cols, seed) => {
          const op = ops[opIndex];
          const rng = new Rng(seed);
          const big = randn([rows, cols], rng);
          const small = layout === 'same' ? randn([rows, cols], rng) : layout === 'row' ? randn([cols], rng) : randn([1], rng);
          // Keep divisors away from 0 so that the comparison is about the op, not about 1/tiny.
          if (op === div) for (const t of [big, small]) t.data.forEach((v, i) => (t.data[i] = v + Math.sign(v || 1) * 0.5));
          const [a, b] = layout === 'scalarA' ? [small, big] : [big, small];
          const host = op(hostCopy(a), hostCopy(b));
          const onDev = op(toDevice(a, device), b);
          expect(onDev.isOnHost).toBe(false);
          expectClose(onDev, host, 4 * 2 ** -24);
        },
      ),
      { numRuns: 24, seed: 6 },
    );
  });

  it('a Linear + bias + GELU layer, forward and backward, equals the host computation; its gradients come from the device', () => {
    const rng = new Rng(7);
    const x = randn([2, 3, 8], rng);
    const w = randn([5, 8], rng, { std: 0.3 });
    const bias = randn([5], rng, { std: 0.1 });
    const run = (xs: Tensor, ws: Tensor, bs: Tensor) => {
      const h = biasGelu(matmul(xs, ws, { transposeB: true }), bs);
      const y = gelu(add(h, reshape(h, [2, 3, 5]))); // a same-shape add and an unbiased GELU too
      // Weighted so that the loss's gradient is not the same for every element.
      const weights = new Tensor(
        Float32Array.from({ length: 30 }, (_, i) => ((i % 7) - 3) / 3),
        [2, 3, 5],
      );
      return { y, loss: sum(mul(y, weights)) };
    };
    const hx = hostCopy(x, true),
      hw = hostCopy(w, true),
      hb = hostCopy(bias, true);
    const host = run(hx, hw, hb);
    host.loss.backward();
    const dx = hostCopy(x, true),
      dw = hostCopy(w, true),
      db = hostCopy(bias, true);
    toDevice(dw, device);
    toDevice(db, device);
    const onDev = run(dx, dw, db);
    expect(onDev.y.isOnHost).toBe(false);
    onDev.loss.backward();
    expectClose(onDev.y, host.y, 1e-5);
    expect(dw.grad!.isOnHost).toBe(false); // matmul's weight gradient was computed on the device
    expect(db.grad!.isOnHost).toBe(false); // summed over rows on the device
    expectClose(dw.grad!, hw.grad!, 1e-5);
    expectClose(db.grad!, hb.grad!, 1e-5);
    expectClose(dx.grad!, hx.grad!, 1e-5);
  });

  /**
   * Run `f` on host copies and on the device (the first input moved there, the others uploaded by the ops),
   * and compare the outputs and every input's gradient of a weighted sum of the output.
   */
  function compareWithHost(inputs: Tensor[], f: (...xs: Tensor[]) => Tensor, tol: number, noGrad: number[] = []): Tensor {
    const weightsFor = (y: Tensor) =>
      new Tensor(
        Float32Array.from({ length: y.size }, (_, i) => Math.sin(i * 0.7) + 0.25),
        y.shape,
      );
    const host = inputs.map((t, i) => hostCopy(t, !noGrad.includes(i)));
    const yHost = f(...host);
    sum(mul(yHost, weightsFor(yHost))).backward();
    const dev = inputs.map((t, i) => hostCopy(t, !noGrad.includes(i)));
    toDevice(dev[0], device);
    const yDev = f(...dev);
    expect(yDev.isOnHost).toBe(false);
    sum(mul(yDev, weightsFor(yDev))).backward();
    expectClose(yDev, yHost, tol);
    dev.forEach((t, i) => {
      if (!noGrad.includes(i)) expectClose(t.grad!, host[i].grad!, tol);
    });
    return yDev;
  }

  it("a Linear layer's bias add joins its product's launch and its bias gradient the weight gradient's, equal to the host on random shapes", () => {
    const gpujsDevice = device as GpujsTensorDevice;
    withSettingsRestored(() => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 3 }),
          fc.integer({ min: 1, max: 12 }),
          fc.integer({ min: 1, max: 10 }),
          fc.integer({ min: 1, max: 10 }),
          fc.boolean(),
          fc.boolean(),
          fc.integer({ min: 0, max: 1e6 }),
          (batch, seq, inF, outF, transposeBFirst, productUsedAgain, seed) => {
            gpujsDevice.transposeBFirst = transposeBFirst;
            const rng = new Rng(seed);
            const ran = launchesFromNow(gpujsDevice);
            compareWithHost(
              [randn([batch, seq, inF], rng), randn([outF, inF], rng, { std: 0.3 }), randn([outF], rng)],
              (x, w, b) => {
                const y = matmul(x, w, { transposeB: true });
                const out = add(y, b);
                // The product also used on its own: then it is computed on its own too.
                return productUsedAgain ? add(out, y) : out;
              },
              1e-5,
            );
            expect(ran('matmulBias')).toBe(1);
            // The weight's gradient with the bias's; a product used twice has a gradient of its own (a sum).
            expect(ran('matmulRowSums')).toBe(productUsedAgain ? 0 : 1);
            expect(ran('sumRows')).toBe(productUsedAgain ? 1 : 0);
            expect(ran('add-row')).toBe(0);
            // x's gradient; with the product used twice also the product alone and the weight's gradient alone.
            expect(ran('matmul')).toBe(productUsedAgain ? 3 : 1);
          },
        ),
        { numRuns: 10, seed: 23 },
      );
    });
    // Column sums nobody's product computes (a bias added to something else) are a sumRows of their own.
    const ran = launchesFromNow(gpujsDevice);
    compareWithHost([randn([4, 6], new Rng(3)), randn([6], new Rng(4))], (x, b) => add(gelu(x), b), 1e-5);
    expect(ran('sumRows')).toBe(1);
  });

  it('biased products of one input launch together, three a launch (query, key, value), and a GELU of a product no gradient needs is its epilogue: values and gradients equal the host on random shapes', () => {
    const gpujsDevice = device as GpujsTensorDevice;
    withSettingsRestored(() => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 3 }),
          fc.integer({ min: 1, max: 9 }),
          fc.integer({ min: 1, max: 10 }),
          fc.integer({ min: 1, max: 8 }),
          fc.integer({ min: 1, max: 5 }),
          fc.boolean(),
          fc.integer({ min: 0, max: 1e6 }),
          (batch, seq, inF, outF, count, transposeBFirst, seed) => {
            gpujsDevice.transposeBFirst = transposeBFirst;
            const rng = new Rng(seed);
            const x = randn([batch, seq, inF], rng);
            const weights = Array.from({ length: count }, () => randn([outF, inF], rng, { std: 0.3 }));
            const biases = Array.from({ length: count }, () => randn([outF], rng));
            // One more Linear layer of x with another output width: it never joins the others.
            const [wOther, bOther] = [randn([outF + 1, inF], rng, { std: 0.3 }), randn([outF + 1], rng)];
            const linear = (t: Tensor, w: Tensor, b: Tensor) => add(matmul(t, w, { transposeB: true }), b);

            // Inference: every product read, first to last.
            const host = noGrad(() => [...weights.map((w, t) => linear(hostCopy(x), hostCopy(w), hostCopy(biases[t]))), linear(x, wOther, bOther)]);
            const ran = launchesFromNow(gpujsDevice);
            const xDev = toDevice(hostCopy(x), device);
            const onDev = noGrad(() => [
              ...weights.map((w, t) => linear(xDev, toDevice(hostCopy(w), device), toDevice(hostCopy(biases[t]), device))),
              linear(xDev, toDevice(hostCopy(wOther), device), toDevice(hostCopy(bOther), device)),
            ]);
            onDev.forEach((y, t) => expectClose(y, host[t], 1e-5));
            // Groups of three (two when two are left); one alone, and the other width, a matmulBias each.
            const groups = Math.floor(count / 3) + (count % 3 === 2 ? 1 : 0);
            expect(ran('matmulBiasMany')).toBe(count === 1 ? 0 : groups);
            expect(ran('matmulBias')).toBe(1 + (count % 3 === 1 ? 1 : 0));
            expect(ran('matmul')).toBe(0);

            // Training: the same products, their gradients through the shared launch.
            const ranTraining = launchesFromNow(gpujsDevice);
            compareWithHost(
              [x, ...weights, ...biases],
              (t, ...params) =>
                params
                  .slice(0, count)
                  .map((w, i) => linear(t, w, params[count + i]))
                  .reduce((sumSoFar, y) => add(mul(sumSoFar, 0.5), y)),
              1e-5,
            );
            expect(ranTraining('matmulBiasMany')).toBe(count === 1 ? 0 : groups);

            // gelu(x W^T + b): with no gradient to keep the product for, one launch.
            const epilogue = launchesFromNow(gpujsDevice);
            const geluHost = biasGelu(matmul(hostCopy(x), hostCopy(weights[0]), { transposeB: true }), hostCopy(biases[0]));
            const geluDev = noGrad(() =>
              biasGelu(matmul(xDev, toDevice(hostCopy(weights[0]), device), { transposeB: true }), toDevice(hostCopy(biases[0]), device)),
            );
            expectClose(geluDev, geluHost, 1e-5);
            expect([epilogue('matmulBiasGelu'), epilogue('biasGelu'), epilogue('matmul')]).toEqual([1, 0, 0]);
            // With a gradient to compute, the product is kept for the backward: the two kernels as before.
            const withGradient = launchesFromNow(gpujsDevice);
            compareWithHost([x, weights[0], biases[0]], (t, w, b) => biasGelu(matmul(t, w, { transposeB: true }), b), 1e-5);
            expect([withGradient('matmulBiasGelu'), withGradient('biasGelu')]).toEqual([0, 1]);
          },
        ),
        { numRuns: 12, seed: 29 },
      );
    });
  });

  it("attention's head permutes are read by the products with strides or written by them, never copied: values and gradients equal the host's on random shapes", () => {
    const gpujsDevice = device as GpujsTensorDevice;
    withSettingsRestored(() => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 3 }),
          fc.integer({ min: 1, max: 4 }),
          fc.integer({ min: 1, max: 7 }),
          fc.integer({ min: 1, max: 5 }),
          fc.boolean(),
          fc.integer({ min: 0, max: 1e6 }),
          (B, h, S, d, transposeBFirst, seed) => {
            gpujsDevice.transposeBFirst = transposeBFirst;
            const heads = (t: Tensor) => permute(reshape(t, [B, S, h, d]), [0, 2, 1, 3]); // [B, h, S, d]
            const ran = launchesFromNow(gpujsDevice);
            compareWithHost(
              [randn([B, S, h * d], new Rng(seed))],
              (x) => {
                const [q, k, v] = [heads(x), heads(mul(x, 0.7)), heads(add(x, 0.3))];
                const probs = softmax(mul(matmul(q, k, { transposeB: true }), 0.5), -1);
                return reshape(permute(matmul(probs, v), [0, 2, 1, 3]), [B, S, h * d]);
              },
              1e-5,
            );
            // The context written as [B, S, h, d], and the gradients of q, k and v back as [B, S, h, d].
            expect(ran('matmulPermuted')).toBe(4);
            // Only the copies of k and v made row-major for B^T on a GPU (from the unsplit values).
            expect(ran('permute')).toBe(transposeBFirst ? 2 : 0);
          },
        ),
        { numRuns: 10, seed: 37 },
      );
    });
  });

  it('a residual sum read by LayerNorm and an accumulated gradient are read as their two parts, never added on their own, and equal the host on random shapes', () => {
    const gpujsDevice = device as GpujsTensorDevice;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 1e6 }), (rows, cols, seed) => {
        const rng = new Rng(seed);
        const ran = launchesFromNow(gpujsDevice);
        compareWithHost(
          [randn([rows, cols], rng), randn([cols], rng), randn([cols], rng)],
          (x, w, b) => {
            const u = mul(x, 2); // u's gradient is a sum: from the residual add and through the GELU
            return layerNorm(add(u, gelu(u)), w, b, 1e-5);
          },
          1e-5,
        );
        expect(ran('add-same')).toBe(0);
        expect(ran('layerNormStats')).toBe(1);
      }),
      { numRuns: 10, seed: 41 },
    );
    // A sum used some other way (read back here) is added once.
    const a = toDevice(randn([3, 4], new Rng(5)), device);
    const ran = launchesFromNow(gpujsDevice);
    const sumOf = add(a, a);
    expectClose(sumOf, add(hostCopy(a), hostCopy(a)), 0);
    expectClose(sumOf, add(hostCopy(a), hostCopy(a)), 0);
    expect(ran('add-same')).toBe(1);
  });

  it('views of part of a buffer at any offset are read in place by the kernels, giving the values of a copy', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 50 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 0, max: 1e6 }),
        (offset, rows, cols, seed) => {
          const rng = new Rng(seed);
          const values = randn([offset + rows * cols + cols * cols + 2 * cols], rng).data as Float32Array;
          const buffer = device.upload(values);
          const at = (start: number, shape: number[]) =>
            Tensor.fromExternal(
              device.view(
                buffer,
                start,
                shape.reduce((p, q) => p * q, 1),
              ),
              shape,
              'float32',
            );
          const copyOf = (start: number, shape: number[]) => new Tensor(values.slice(start, start + shape.reduce((p, q) => p * q, 1)), shape);
          const places: [number, number[]][] = [
            [offset, [rows, cols]],
            [offset + rows * cols, [cols, cols]],
            [offset + rows * cols + cols * cols, [cols]],
            [offset + rows * cols + cols * cols + cols, [cols]],
          ];
          const [x, w, b, g] = places.map(([start, shape]) => at(start, shape));
          const [hx, hw, hb, hg] = places.map(([start, shape]) => copyOf(start, shape));
          const before = (device as GpujsTensorDevice).traffic.kernels;
          const y = add(matmul(x, w, { transposeB: true }), b);
          const ln = layerNorm(x, b, g, 1e-5);
          const picked = embedding(w, new Tensor(Int32Array.from([cols - 1, 0]), [2]));
          expectClose(y, add(matmul(hx, hw, { transposeB: true }), hb), 1e-5);
          expectClose(ln, layerNorm(hx, hb, hg, 1e-5), 1e-5);
          expectClose(picked, embedding(hw, new Tensor(Int32Array.from([cols - 1, 0]), [2])), 0);
          // Nothing was copied out: one product with its bias, LayerNorm's one or two kernels, one lookup.
          const layerNormKernels = rows * cols * cols <= device.rowKernelWork ? 1 : 2;
          expect((device as GpujsTensorDevice).traffic.kernels - before).toBe(1 + layerNormKernels + 1 + (device.transposeBFirst ? 1 : 0));
        },
      ),
      { numRuns: 10, seed: 29 },
    );
  });

  it('the sum of squares of many buffers (more partial sums than one launch adds up) equals the host sum', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 80 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 1e6 }),
        (sizes, withStart, seed) => {
          const rng = new Rng(seed);
          const xs = sizes.map((n) => randn([n], rng).data as Float32Array);
          let expected = withStart ? 2.5 : 0;
          for (const x of xs) for (const v of x) expected += v * v;
          const start = withStart ? device.upload(Float32Array.from([2.5])) : null;
          const total = deviceSumOfSquaresMany(
            device,
            xs.map((x) => device.upload(x)),
            start,
          )!;
          expect(Math.abs(total.download()[0] - expected)).toBeLessThanOrEqual(1e-5 * expected);
        },
      ),
      { numRuns: 10, seed: 31 },
    );
  });

  it('permute of ranks 1 to 4 equals the host op, values and gradient', () => {
    fc.assert(
      fc.property(
        fc
          .array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 })
          .chain((shape) =>
            fc.tuple(
              fc.constant(shape),
              fc.shuffledSubarray([...shape.keys()], { minLength: shape.length, maxLength: shape.length }),
              fc.integer({ min: 0, max: 1e6 }),
            ),
          ),
        ([shape, perm, seed]) => {
          compareWithHost([randn(shape, new Rng(seed))], (x) => permute(x, perm), 0);
        },
      ),
      { numRuns: 12, seed: 9 },
    );
  });

  it('scaledMaskedSoftmax with a [B, 1, 1, S] mask of the most negative float32 (as BERT builds it), and plain softmax on any axis, equal the host ops', () => {
    const rng = new Rng(10);
    const scores = randn([2, 3, 4, 5], rng, { std: 2 });
    const keep = [1, 1, 1, 0, 0, 1, 1, 1, 1, 0];
    const mask = new Tensor(
      Float32Array.from(keep, (k) => (k ? 0 : -3.4028234663852886e38)),
      [2, 1, 1, 5],
    );
    const probs = compareWithHost([scores, mask], (s, m) => scaledMaskedSoftmax(s, 0.125, m), 1e-6, [1]);
    // The masked keys get probability 0, as on the host.
    const p = probs.data;
    for (let r = 0; r < 24; r++) for (let j = 0; j < 5; j++) if (!keep[Math.floor(r / 12) * 5 + j]) expect(p[r * 5 + j]).toBe(0);
    compareWithHost([randn([3, 4, 6], rng)], (x) => softmax(x, 1), 1e-6);
  });

  it('layerNorm forward and backward (input, weight and bias gradients) equal the host op', () => {
    const rng = new Rng(11);
    compareWithHost([randn([2, 3, 16], rng, { std: 3 }), randn([16], rng), randn([16], rng)], (x, w, b) => layerNorm(x, w, b, 1e-12), 1e-5);
  });

  it('LayerNorm and softmax of few rows run as one kernel each (rowKernelWork), with the values and gradients of two; without a backward the statistics are never launched', () => {
    const gpujsDevice = device as GpujsTensorDevice;
    withSettingsRestored(() => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 5 }),
          // At least 4 columns: a row whose variance is near 0 multiplies float32 rounding by rstd in the
          // gradient (1 / sqrt(eps) = 316 at one column), in either path, past the tolerance.
          fc.integer({ min: 4, max: 20 }),
          fc.boolean(),
          fc.integer({ min: 0, max: 1e6 }),
          (rows, cols, oneKernel, seed) => {
            gpujsDevice.rowKernelWork = oneKernel ? rows * cols * cols : rows * cols * cols - 1;
            const rng = new Rng(seed);
            const [x, w, b] = [randn([rows, cols], rng, { std: 3 }), randn([cols], rng), randn([cols], rng)];
            const keep = Array.from({ length: cols }, (_, j) => j === 0 || rng.uniform() < 0.7);
            const mask = new Tensor(
              Float32Array.from(keep, (k) => (k ? 0 : -3.4028234663852886e38)),
              [1, cols],
            );
            const ran = launchesFromNow(gpujsDevice);
            compareWithHost([x, w, b], (t, tw, tb) => layerNorm(t, tw, tb, 1e-5), 1e-5);
            compareWithHost([x, mask], (t, m) => scaledMaskedSoftmax(t, 0.5, m), 1e-6, [1]);
            // With a backward the statistics are computed for it: once either way.
            expect([ran('layerNormRows'), ran('layerNormApply'), ran('layerNormStats')]).toEqual(oneKernel ? [1, 0, 1] : [0, 1, 1]);
            expect([ran('softmaxRows'), ran('softmaxRowStats'), ran('softmaxNormalize')]).toEqual(oneKernel ? [1, 0, 0] : [0, 1, 1]);
            const inference = launchesFromNow(gpujsDevice);
            const onDevice = toDevice(hostCopy(x), device);
            const y = noGrad(() => layerNorm(onDevice, toDevice(hostCopy(w), device), toDevice(hostCopy(b), device), 1e-5));
            expectClose(y, layerNorm(hostCopy(x), hostCopy(w), hostCopy(b), 1e-5), 1e-5);
            expect(inference('layerNormStats')).toBe(oneKernel ? 0 : 1);
          },
        ),
        { numRuns: 16, seed: 43 },
      );
    });
  });

  it.each(['stream', 'counter'] as const)('dropout with %s masks drops the same elements on the device as on the host for the same seed', (kind) => {
    {
      // 2 x 40000 values: the counter generator's high word (index / 2^16) takes two values.
      const x = randn([2, 40000], new Rng(12));
      // The kept values may differ in the last bit: the host scales in float64, the device in float32.
      const y = compareWithHost([x], (t) => dropout(t, 0.3, new Rng(13), true, kind), 2 ** -23);
      const host = dropout(hostCopy(x), 0.3, new Rng(13), true, kind);
      const zeros = (t: Tensor) => Array.from(t.data, (v) => v === 0);
      expect(zeros(y)).toEqual(zeros(host));
      const dropped = zeros(y).filter(Boolean).length;
      // Binomial(80000, 0.3): mean 24000, standard deviation 130; 5 standard deviations either side.
      expect(Math.abs(dropped - 24000)).toBeLessThan(650);
    }
  });

  it("dropout's default ('auto') makes the mask on the device with the counter generator, and draws as many words as the host", () => {
    const x = randn([3, 50], new Rng(15));
    const rngDevice = new Rng(16);
    const onDev = dropout(toDevice(hostCopy(x), device), 0.25, rngDevice);
    expect(onDev.isOnHost).toBe(false);
    const uploadsBefore = (device as GpujsTensorDevice).traffic.uploadedValues;
    dropout(toDevice(hostCopy(x), device), 0.25, new Rng(16));
    // Only the input (150 values) and the 22 round keys went up: no mask.
    expect((device as GpujsTensorDevice).traffic.uploadedValues - uploadsBefore).toBe(150 + 22);
    const rngHost = new Rng(16);
    const onHost = dropout(hostCopy(x), 0.25, rngHost, true, 'counter');
    expect(Array.from(onDev.data, (v) => v === 0)).toEqual(Array.from(onHost.data, (v) => v === 0));
    // The host's stream path draws four words too: the generators continue alike.
    const rngStream = new Rng(16);
    dropout(hostCopy(x), 0.25, rngStream);
    expect(rngDevice.nextUint32()).toBe(rngHost.nextUint32());
    expect(new Rng(16).nextUint32()).not.toBe(rngStream.nextUint32());
    expect(rngHost.nextUint32()).toBe(rngStream.nextUint32());
  });

  it('embedding lookups (a padding row whose gradient stays zero), row selection, slice and tanh equal the host ops', () => {
    const rng = new Rng(14);
    const ids = new Tensor(Int32Array.from([3, 0, 7, 3, 3, 1, 0, 9]), [2, 4]);
    compareWithHost([randn([10, 6], rng)], (w) => embedding(w, ids, 0), 1e-6);
    compareWithHost([randn([10, 6], rng)], (w) => embedding(w, ids), 1e-6);
    const positions = new Tensor(Int32Array.from([5, 1, 1, 7]), [4]);
    compareWithHost([randn([2, 4, 3], rng)], (h) => indexSelect(reshape(h, [8, 3]), 0, positions), 1e-6);
    compareWithHost([randn([3, 5, 4], rng)], (h) => slice(h, 1, 0, 1), 0);
    compareWithHost([randn([3, 5, 4], rng)], (h) => slice(h, 2, 1, 3), 0);
    compareWithHost([randn([4, 7], rng, { std: 2 })], (x) => tanh(x), 1e-6);
  });

  it('cross-entropy (mean over the targets that are not ignored) equals the host op, loss and gradient', () => {
    const rng = new Rng(15);
    const targets = new Tensor(Int32Array.from([2, -100, 0, 4, 4, -100]), [6]);
    const loss = compareWithHost([randn([6, 5], rng, { std: 3 })], (x) => crossEntropy(x, targets), 1e-5);
    expect(loss.shape).toEqual([]);
    const allIgnored = new Tensor(Int32Array.from([-100, -100]), [2]);
    compareWithHost([randn([2, 5], rng)], (x) => crossEntropy(x, allIgnored), 0);
    const x = toDevice(randn([2, 5], rng), device);
    expect(() => crossEntropy(x, new Tensor(Int32Array.from([1, 5]), [2]))).toThrow(/target 5 at position 1 is outside the classes \[0, 5\)/);
  });

  it('AdamW with gradient clipping updates parameters on the device as the host does (both bias conventions), and its saved moments equal those of the host run', () => {
    for (const biasCorrection of [true, false]) {
      const rng = new Rng(8);
      const w0 = randn([4, 3], rng);
      const b0 = randn([4], rng);
      const x = randn([5, 3], rng, { std: 4 });
      const run = (onDev: boolean) => {
        const w = hostCopy(w0, true);
        const b = hostCopy(b0, true);
        if (onDev) {
          toDevice(w, device);
          toDevice(b, device);
        }
        const opt = new AdamW(
          [
            ['w', w],
            ['b', b],
          ],
          { lr: 0.05, weightDecay: 0.1, biasCorrection },
        );
        const norms: number[] = [];
        for (let step = 0; step < 3; step++) {
          sum(mul(biasGelu(matmul(x, w, { transposeB: true }), b), 3)).backward();
          norms.push(clipGradNorm([w, b], 0.5)); // the norms are large here: every step clips
          // Host copies of a parameter and its gradient (something read them) keep nothing off the device.
          if (onDev && step === 2) void [w.data, w.grad!.data];
          opt.step();
          opt.zeroGrad();
        }
        return { w, b, norms, state: opt.getState() };
      };
      const host = run(false);
      const dev = run(true);
      expect(dev.w.isOnHost).toBe(false); // updated on the device, not read back
      dev.norms.forEach((nrm, i) => expect(Math.abs(nrm - host.norms[i])).toBeLessThanOrEqual(1e-5 * host.norms[i]));
      expect(host.norms.every((nrm) => nrm > 0.5)).toBe(true);
      expectClose(dev.w, host.w, 1e-5);
      expectClose(dev.b, host.b, 1e-5);
      for (const name of ['w', 'b']) {
        const [hm, dm] = [host.state.moments[name], dev.state.moments[name]];
        hm.m.forEach((v, i) => expect(Math.abs(dm.m[i] - v)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(v))));
        hm.v.forEach((v, i) => expect(Math.abs(dm.v[i] - v)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(v))));
      }
    }
  });

  it('AdamW updates six parameters a launch from the third step (a matrix keeps its transpose for the products), clipping adds none, and equals the host on random shapes', () => {
    const gpujsDevice = device as GpujsTensorDevice;
    const shape = fc.oneof(fc.tuple(fc.integer({ min: 1, max: 40 })), fc.tuple(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 })));
    withSettingsRestored(() => {
      fc.assert(
        fc.property(
          fc.array(shape, { minLength: 1, maxLength: 14 }),
          fc.boolean(),
          fc.boolean(),
          fc.integer({ min: 0, max: 1000 }),
          (shapes, transposeBFirst, biasCorrection, seed) => {
            gpujsDevice.transposeBFirst = transposeBFirst;
            const rng = new Rng(seed);
            const params = shapes.map((sh) => toDevice(randn(sh, rng, { requiresGrad: true }), device));
            // One parameter on the host (its gradient there): the norm counts it, the host updates it.
            const hostParam = randn([5], rng, { requiresGrad: true });
            const all = [...params, hostParam];
            const twins = all.map((p) => hostCopy(p, true));
            const named = (ps: Tensor[]) => ps.map((p, i): [string, Tensor] => [i % 3 === 0 ? `p${i}.bias` : `p${i}.weight`, p]);
            const opts = { lr: 0.05, weightDecay: 0.1, biasCorrection };
            const [opt, hostOpt] = [new AdamW(named(all), opts), new AdamW(named(twins), opts)];
            const groups = Math.ceil(params.length / 6);
            for (let step = 0; step < 4; step++) {
              const grads = all.map((p) => randn(p.shape, rng, { std: step === 0 ? 0.01 : 3 })); // step 0 does not clip
              params.forEach((p, i) => (p.grad = toDevice(hostCopy(grads[i]), device)));
              hostParam.grad = hostCopy(grads[params.length]);
              twins.forEach((p, i) => (p.grad = hostCopy(grads[i])));
              const ran = launchesFromNow(gpujsDevice);
              const kernelsBefore = gpujsDevice.traffic.kernels;
              const norm = clipGradNorm(all, 1);
              opt.step();
              const hostNorm = clipGradNorm(twins, 1);
              hostOpt.step();
              expect(Math.abs(norm - hostNorm)).toBeLessThanOrEqual(1e-6 * hostNorm);
              all.forEach((p, i) => expectClose(p, twins[i], 1e-5)); // reading launches the last group
              expect(ran('sumSquaresPartialMany')).toBe(groups);
              expect(ran('adamw')).toBe(step === 0 ? params.length : 0);
              expect(ran('adamwGather')).toBe(step === 1 ? groups : 0);
              expect(ran('adamwGroup')).toBe(step === 0 ? 0 : groups);
              const sums = Math.ceil(groups / 6); // the host's part goes up as the starting total
              if (step >= 2) expect(gpujsDevice.traffic.kernels - kernelsBefore).toBe(groups + sums + groups);
            }
            // A product reading a matrix as B^T reads the transpose the update keeps: no copy, the same values.
            const ran = launchesFromNow(gpujsDevice);
            params.forEach((w) => {
              if (w.rank !== 2) return;
              const x = randn([3, w.shape[1]], rng);
              // Against the host product of the device's own weights: the transpose must hold exactly them.
              expectClose(matmul(toDevice(hostCopy(x), device), w, { transposeB: true }), matmul(x, hostCopy(w), { transposeB: true }), 1e-6);
            });
            expect(ran('permute')).toBe(0);
            const [dev, host] = [opt.getState(), hostOpt.getState()];
            for (const name of Object.keys(host.moments)) {
              host.moments[name].m.forEach((v, i) => expect(Math.abs(dev.moments[name].m[i] - v)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(v))));
              host.moments[name].v.forEach((v, i) => expect(Math.abs(dev.moments[name].v[i] - v)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(v))));
            }
          },
        ),
        { numRuns: 12, seed: 17 },
      );
    });
  });

  it('a group of AdamW updates closes before it would pass the largest buffer; a parameter too big for its transpose goes without', () => {
    const gpujsDevice = device as GpujsTensorDevice;
    withSettingsRestored(() => {
      const rng = new Rng(33);
      const params = [[10, 10], [40], [16, 20], [5, 5]].map((sh) => toDevice(randn(sh, rng, { requiresGrad: true }), device));
      const twins = params.map((p) => hostCopy(p, true));
      gpujsDevice.maxElements = 1000; // [16, 20] needs 960 values without its transpose, 1280 with it
      gpujsDevice.transposeBFirst = true;
      const opt = new AdamW(
        params.map((p, i): [string, Tensor] => [`w${i}`, p]),
        { lr: 0.05 },
      );
      const hostOpt = new AdamW(
        twins.map((p, i): [string, Tensor] => [`w${i}`, p]),
        { lr: 0.05 },
      );
      for (let step = 0; step < 3; step++) {
        const ran = launchesFromNow(gpujsDevice);
        params.forEach((p, i) => (p.grad = toDevice(randn(p.shape, new Rng(step * 10 + i)), device)));
        twins.forEach((p, i) => (p.grad = randn(p.shape, new Rng(step * 10 + i))));
        opt.step();
        hostOpt.step();
        params.forEach((p, i) => expectClose(p, twins[i], 1e-5));
        // [10, 10] with its transpose and [40] share a group (520 values); [16, 20] (960) is alone; [5, 5] starts the next.
        if (step === 2) expect(ran('adamwGroup')).toBe(3);
      }
      const permutes = () => gpujsDevice.kernelCounts.get('permute') ?? 0;
      const x = randn([2, 10], rng);
      let before = permutes();
      expectClose(matmul(toDevice(hostCopy(x), device), params[0], { transposeB: true }), matmul(x, twins[0], { transposeB: true }), 1e-5);
      expect(permutes() - before).toBe(0); // its transpose is kept
      const x2 = randn([2, 20], rng);
      before = permutes();
      expectClose(matmul(toDevice(hostCopy(x2), device), params[2], { transposeB: true }), matmul(x2, twins[2], { transposeB: true }), 1e-5);
      expect(permutes() - before).toBe(1); // copied first
      const x3 = randn([3, 20], rng);
      before = permutes();
      expectClose(matmul(toDevice(hostCopy(x3), device), params[2], { transposeB: true }), matmul(x3, twins[2], { transposeB: true }), 1e-5);
      expect(permutes() - before).toBe(0); // the copy made for the product before is kept with the weight
      // The same values read as another matrix ([20, 16] as [16, 20]): a copy of their own, not the kept one.
      const asOther = reshape(params[2], [20, 16]);
      const x4 = randn([2, 16], rng);
      before = permutes();
      expectClose(matmul(toDevice(hostCopy(x4), device), asOther, { transposeB: true }), matmul(x4, reshape(twins[2], [20, 16]), { transposeB: true }), 1e-5);
      expect(permutes() - before).toBe(1);
    });
  });

  it('a view of part of a buffer and a scaled buffer read and compute as their values', () => {
    const s = device.upload(Float32Array.from([1, 2, 3, 4, 5, 6]));
    const tail = Tensor.fromExternal(device.view(s, 2, 3), [3], 'float32');
    const head = Tensor.fromExternal(device.view(s, 0, 2), [2], 'float32');
    expect(Array.from(add(tail, tail).data)).toEqual([6, 8, 10]);
    expect(Array.from(head.data)).toEqual([1, 2]);
    const doubled = Tensor.fromExternal(device.scaled(s, 2), [6], 'float32');
    expect(Array.from(add(doubled, toDevice(new Tensor(new Float32Array(6).fill(1), [6]), device)).data)).toEqual([3, 5, 7, 9, 11, 13]);
    expect(Array.from(Tensor.fromExternal(device.view(device.scaled(s, 3), 4, 2), [2], 'float32').data)).toEqual([15, 18]);
    expect(() => device.view(s, 4, 3)).toThrow(/a view of 3 values from 4 does not fit in buffer \d+ of 6/);
  });

  it('a parameter updated on the host (its gradient there) gets its new values uploaded in place of the stale copy', () => {
    const w = toDevice(randn([4, 3], new Rng(9), { requiresGrad: true }), device);
    const before = w.external;
    w.grad = new Tensor(new Float32Array(12).fill(0.1), [4, 3]); // a host gradient: the host update runs
    new AdamW([['w', w]], { lr: 0.1 }).step();
    expect(w.external).not.toBeNull();
    expect(w.external).not.toBe(before);
    expect(Array.from(Tensor.fromExternal(w.external!, w.shape, 'float32').data)).toEqual(Array.from(w.data));
  });

  it('buffers of tensors that are gone are freed by releaseUnused (a collection, then the frees posted)', async () => {
    const gpujsDevice = device as GpujsTensorDevice;
    const make = () => {
      const x = toDevice(randn([64, 64], new Rng(16)), device);
      for (let i = 0; i < 20; i++) void gelu(add(x, x)); // 40 buffers nobody keeps
    };
    make();
    const live = gpujsDevice.memory.liveBuffers;
    const saved = gpujsDevice.collectEvery;
    gpujsDevice.collectEvery = 0;
    try {
      for (let i = 0; i < 20 && gpujsDevice.memory.liveBuffers > live - 40; i++) await device.releaseUnused();
    } finally {
      gpujsDevice.collectEvery = saved;
    }
    expect(gpujsDevice.memory.liveBuffers).toBeLessThanOrEqual(live - 40);
    // The device still works after the frees.
    expect(Array.from(add(toDevice(new Tensor(new Float32Array([1, 2]), [2]), device), 1).data)).toEqual([2, 3]);
  });

  it('the worker reports the largest buffer its device holds; on WebGPU the products are the tiled kernels, which read B^T in place', () => {
    if (mode === 'webgpu') {
      expect(device.maxElements).toBeGreaterThan(0);
      expect(device.maxElements).toBeLessThanOrEqual(2 ** 31 - 1);
    } else {
      expect(device.maxElements).toBe(mode === 'webasm' ? 2 ** 28 : 2 ** 31 - 1);
    }
    expect((device as GpujsTensorDevice).tiledProducts).toBe(mode === 'webgpu');
    // gpu.js's products read B^T coalesced only after a copy; the tiled ones read it in place.
    expect(device.transposeBFirst).toBe(false);
  });

  it('an op whose input or output exceeds the largest device buffer runs on the host instead', () => {
    const gpujsDevice = device as GpujsTensorDevice;
    const saved = gpujsDevice.maxElements;
    gpujsDevice.maxElements = 1000; // the same path as a real limit, with small arrays
    try {
      const big = new Tensor(new Float32Array(device.maxElements + 4).fill(0.5), [device.maxElements + 4]);
      const small = toDevice(new Tensor(new Float32Array([2]), [1]), device);
      const y = mul(big, small);
      expect(y.isOnHost).toBe(true);
      expect(y.external).toBeNull();
      expect(y.data[device.maxElements + 3]).toBe(1);
      // A product of device inputs whose result would not fit one buffer: [rows, 1] @ [1, cols].
      const cols = Math.ceil((device.maxElements + 1) / 2);
      const a = toDevice(new Tensor(new Float32Array([1, 2]), [2, 1]), device);
      const b = toDevice(new Tensor(new Float32Array(cols).fill(3), [1, cols]), device);
      const c = matmul(a, b);
      expect(c.isOnHost).toBe(true);
      expect([c.data[0], c.data[2 * cols - 1]]).toEqual([3, 6]);
    } finally {
      gpujsDevice.maxElements = saved;
    }
  });

  it('index arithmetic stays exact past 2^24 values, where float32 stops holding every integer (BERT-Base word embeddings: 23.4M)', () => {
    // A table of 2^24 + 32 values whose entries differ from their neighbours, so an index off by one shows.
    const inner = 16;
    const rows = 2 ** 20 + 2;
    const values = new Float32Array(rows * inner);
    for (let i = 0; i < values.length; i++) values[i] = i % 1000003;
    const table = new Tensor(values, [rows, inner], true);
    toDevice(table, device);
    const ids = new Tensor(Int32Array.from([rows - 1, rows - 2, 7, rows - 3, rows - 1]), [5]);
    const looked = embedding(table, ids);
    expect(looked.external).not.toBeNull();
    const got = looked.data;
    for (let r = 0; r < ids.size; r++) {
      for (let j = 0; j < inner; j++) expect(got[r * inner + j]).toBe(values[ids.data[r] * inner + j]);
    }
    // The backward writes the whole table's gradient (a gather over positions by row): rows past 2^24.
    const g = new Float32Array(ids.size * inner).map((_, i) => i + 1);
    sum(mul(looked, toDevice(new Tensor(g, [ids.size, inner]), device))).backward();
    const grad = table.grad!;
    expect(grad.external).not.toBeNull();
    const gd = grad.data;
    for (let j = 0; j < inner; j++) {
      expect(gd[(rows - 1) * inner + j]).toBe(g[0 * inner + j] + g[4 * inner + j]);
      expect(gd[(rows - 2) * inner + j]).toBe(g[1 * inner + j]);
      expect(gd[(rows - 3) * inner + j]).toBe(g[3 * inner + j]);
      expect(gd[(rows - 4) * inner + j]).toBe(0);
    }
    // A bias row added to the table: each element's column comes from a quotient by 16.
    const bias = toDevice(
      new Tensor(
        new Float32Array(inner).map((_, j) => j * 1000),
        [inner],
      ),
      device,
    );
    const shifted = add(table, bias).data;
    for (let i = values.length - 40; i < values.length; i++) expect(shifted[i]).toBe(values[i] + bias.data[i % inner]);
    // x @ table^T with the table read transposed in place (the tied MLM decoder): [2, 16] @ [16, rows], x
    // picking columns 0 and 15.
    const x = toDevice(
      new Tensor(
        new Float32Array(2 * inner).map((_, i) => (i === 0 || i === 2 * inner - 1 ? 1 : 0)),
        [2, inner],
      ),
      device,
    );
    const product = matmul(x, table, { transposeB: true });
    expect(product.external).not.toBeNull();
    const p = product.data;
    for (const r of [rows - 1, rows - 2, 5]) {
      expect(p[r]).toBe(values[r * inner]);
      expect(p[rows + r]).toBe(values[r * inner + inner - 1]);
    }
  });

  it('a kernel whose flat index would divide into more rows than its index arithmetic handles is refused, naming the sizes', () => {
    const tooMany = 2 ** 21;
    const t = toDevice(new Tensor(new Float32Array(tooMany * 2), [tooMany, 2]), device);
    const b = toDevice(new Tensor(new Float32Array(2), [2]), device);
    expect(() => add(t, b)).toThrow(
      /device kernel "add-row": 4194304 values in rows of n = 2 make 2097152 rows; its index arithmetic is exact for fewer than 2097152 rows/,
    );
  });

  it('a device job that fails is reported by the next read, naming the job', () => {
    const ghost: DeviceStorage = {
      device,
      id: 987654,
      size: 4,
      dtype: 'float32',
      backend: device.name,
      viewOf: null,
      download: () => new Float32Array(4),
      read: () => new Float32Array(4),
      rewrite: () => ghost,
    };
    const ok = toDevice(new Tensor(new Float32Array([1, 2, 3, 4]), [4]), device);
    const bad = Tensor.fromExternal(device.run('add-same', [ok.external as DeviceStorage, ghost], 4), [4], 'float32');
    expect(() => bad.data).toThrow(/add-same of 4 values \(buffers \d+, 987654 -> \d+\) failed: device buffer 987654 does not exist/);
    // The failure is reported once; the device goes on working.
    expect(Array.from(add(ok, ok).data)).toEqual([2, 4, 6, 8]);
  });
});
