/**
 * The gpujs backends against the cpu backend: gpu.js's matmul kernel in 'cpu' and 'webasm' mode (in this
 * thread) and through the device worker (the bridge that WebGPU uses, run here in webasm mode since this
 * machine cannot load Dawn), within float32's summation error bound; float64 products fall back to the cpu
 * kernel exactly; ops run unchanged on the backend; BERT_BACKEND / BERT_GPUJS_MODE select it.
 */
import fc from 'fast-check';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { registerGpujsBackend, syncModeFromEnv } from '../../src/accel/gpujs/index.ts';
import { registerDeviceBackend, releaseDeviceBackend } from '../../src/accel/gpujs/webgpu-backend.ts';
import { getBackend, matmulProduct, matmul, matmulBlocked, Rng, selectBackendFromEnv, setBackend, sum, Tensor, type MatmulArgs } from '../../src/index.ts';
import { expectWithinFloat32Bound, randomMatmulArgs, type MatmulCase as Problem } from './matmul-cases.ts';

afterEach(() => setBackend('cpu'));

function build(p: Problem, f64 = false): MatmulArgs {
  return randomMatmulArgs(p, f64 ? 'float64' : 'float32');
}

const problem = fc.record({
  batch: fc.integer({ min: 1, max: 3 }),
  m: fc.integer({ min: 1, max: 9 }),
  n: fc.integer({ min: 1, max: 9 }),
  k: fc.integer({ min: 1, max: 40 }),
  transposeA: fc.boolean(),
  transposeB: fc.boolean(),
  broadcastB: fc.boolean(),
  seed: fc.integer({ min: 0, max: 1e6 }),
});

describe.each(['cpu', 'webasm'] as const)('gpujs backend, gpu.js mode %s', (mode) => {
  it('matmul is within the float32 bound of the exact product for every layout', () => {
    setBackend(registerGpujsBackend(mode));
    expect(getBackend()).toBe('gpujs');
    fc.assert(
      fc.property(problem, (p) => {
        const args = build(p);
        matmulProduct()(args);
        expectWithinFloat32Bound(args);
      }),
      { numRuns: 12, seed: 21 },
    );
    // A long dot product: gpu.js must run all k steps (it caps loops it cannot bound at 1000 iterations).
    const long = build({ batch: 1, m: 3, n: 5, k: 1500, transposeA: false, transposeB: true, broadcastB: false, seed: 4 });
    matmulProduct()(long);
    expectWithinFloat32Bound(long);
  });

  it('float64 products go to the cpu matmulProduct, bit for bit', () => {
    setBackend(registerGpujsBackend(mode));
    const p: Problem = { batch: 2, m: 5, n: 6, k: 7, transposeA: true, transposeB: false, broadcastB: true, seed: 3 };
    const viaGpujs = build(p, true);
    const viaCpu = build(p, true);
    matmulProduct()(viaGpujs);
    matmulBlocked(viaCpu);
    expect(Array.from(viaGpujs.out)).toEqual(Array.from(viaCpu.out));
  });

  it('ops run unchanged on it: matmul forward and gradients agree with the cpu backend', () => {
    const rng = new Rng(8);
    const make = (shape: number[]) => {
      const t = new Tensor(
        Float32Array.from({ length: shape.reduce((x, y) => x * y, 1) }, () => rng.uniform(-1, 1)),
        shape,
        true,
      );
      return t;
    };
    const x0 = make([2, 3, 4]);
    const w0 = make([5, 4]);
    const run = (backend: string) => {
      setBackend(backend);
      const x = new Tensor(x0.data.slice(), x0.shape, true);
      const w = new Tensor(w0.data.slice(), w0.shape, true);
      const y = matmul(x, w, { transposeB: true });
      sum(y).backward();
      return { y: Array.from(y.data), gx: Array.from(x.grad!.data), gw: Array.from(w.grad!.data) };
    };
    const name = registerGpujsBackend(mode);
    const cpu = run('cpu');
    const gpu = run(name);
    for (const key of ['y', 'gx', 'gw'] as const) {
      gpu[key].forEach((v, i) => expect(Math.abs(v - cpu[key][i])).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(cpu[key][i]))));
    }
  });
});

describe('device worker bridge (the WebGPU path, run here in webasm mode)', () => {
  let name = '';
  afterAll(async () => {
    if (name) await releaseDeviceBackend(name);
  });

  it('synchronous matmul through a worker that awaits gpu.js, within the float32 bound; released backends refuse work', async () => {
    name = registerDeviceBackend('webasm');
    setBackend(name);
    fc.assert(
      fc.property(problem, (p) => {
        const args = build(p);
        matmulProduct()(args);
        expectWithinFloat32Bound(args);
      }),
      { numRuns: 8, seed: 22 },
    );
    const f64 = build({ batch: 1, m: 2, n: 3, k: 4, transposeA: false, transposeB: false, broadcastB: false, seed: 1 }, true);
    matmulProduct()(f64); // float64: cpu fallback
    const ref = build({ batch: 1, m: 2, n: 3, k: 4, transposeA: false, transposeB: false, broadcastB: false, seed: 1 }, true);
    matmulBlocked(ref);
    expect(Array.from(f64.out)).toEqual(Array.from(ref.out));
    // The worker releases gpu.js and exits by itself (terminating a thread that holds Dawn aborts the process).
    expect(await releaseDeviceBackend(name)).toBe('exited');
    const after = build({ batch: 1, m: 2, n: 2, k: 2, transposeA: false, transposeB: false, broadcastB: false, seed: 2 });
    expect(() => matmulProduct()(after)).toThrow(/gpujs device backend "gpujs-device-webasm" was released/);
    name = '';
  });
});

describe('backend selection from the environment', () => {
  it('BERT_BACKEND=gpujs with BERT_GPUJS_MODE selects gpujs; cpu and unset select cpu; bad values name the choices', async () => {
    expect(await selectBackendFromEnv({ BERT_BACKEND: 'gpujs', BERT_GPUJS_MODE: 'cpu' })).toBe('gpujs');
    expect(getBackend()).toBe('gpujs');
    expect(await selectBackendFromEnv({})).toBe('cpu');
    expect(getBackend()).toBe('cpu');
    await expect(selectBackendFromEnv({ BERT_BACKEND: 'cuda' })).rejects.toThrow(/BERT_BACKEND: expected one of cpu, gpujs, gpujs-webgpu, wasm, found "cuda"/);
    expect(syncModeFromEnv(' cpu ')).toBe('cpu');
    expect(syncModeFromEnv(undefined)).toBe('webasm');
    expect(() => syncModeFromEnv('webgpu')).toThrow(/BERT_GPUJS_MODE: expected "webasm" or "cpu" \(for WebGPU use BERT_BACKEND=gpujs-webgpu\), found "webgpu"/);
  });
});
