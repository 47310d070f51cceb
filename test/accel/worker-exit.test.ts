/**
 * Worker threads that end from outside, or hang: the cpu pool (worker-pool-node.ts) and the wasm threads
 * (threads-node.ts) replace a worker that has exited between two calls, and a call whose worker ends (or holds a
 * chunk without finishing it or ending) while the main thread waits for its chunks throws an error that says
 * so, instead of sleeping in Atomics.wait forever. The next call then starts new workers and gives the same
 * bits as one thread.
 *
 * The "ends during a call" cases run in a child process with a time limit: a main thread stuck in
 * Atomics.wait cannot be stopped by a test timeout, so a hang shows up as a failed child, not a stuck suite.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  getCpuThreads,
  getMinParallelWork,
  lastThreadedMatmulStats,
  matmulBlockedSerial,
  matmulThreaded,
  setCpuThreads,
  setMinParallelWork,
  type MatmulArgs,
} from '../../src/index.ts';
import { getWorkers } from '../../src/accel/cpu/worker-pool-node.ts';
import { lastWasmThreadedStats, matmulWasm, setWasmMinParallelWork } from '../../src/accel/wasm/index.ts';
import { wasmWorkerThreads } from '../../src/accel/wasm/threads-node.ts';

const saved = { threads: getCpuThreads(), min: getMinParallelWork() };
beforeAll(() => setMinParallelWork(0));
afterAll(() => {
  setCpuThreads(saved.threads);
  setMinParallelWork(saved.min);
  setWasmMinParallelWork(1 << 21);
});

const execFileAsync = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A [m x k] @ [k x n]^T float32 product with fixed values, and its single-threaded result. */
function product(m: number, n: number, k: number): { args: MatmulArgs; expected: Float32Array } {
  const a = Float32Array.from({ length: m * k }, (_, i) => Math.sin(i));
  const b = Float32Array.from({ length: n * k }, (_, i) => Math.cos(i));
  const args: MatmulArgs = { a, b, out: new Float32Array(m * n), batch: 1, m, n, k, transposeA: false, transposeB: true, aBatchStride: 0, bBatchStride: 0 };
  const expected = new Float32Array(m * n);
  matmulBlockedSerial({ ...args, out: expected });
  return { args, expected };
}

/**
 * Call `run` until `helped()` says the workers took part (they boot in the background), at most 100 times
 * 100 ms apart; `run` checks its own result each time. Returns whether they took part.
 */
async function untilWorkersHelp(run: () => void, helped: () => boolean): Promise<boolean> {
  for (let attempt = 0; attempt < 100; attempt++) {
    run();
    if (helped()) return true;
    await sleep(100);
  }
  return false;
}

/** Run a module script in a child node with tsx (from the repository root), killed after 60 s; its stdout. */
async function runChild(lines: string[]): Promise<string> {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const { stdout } = await execFileAsync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', lines.join('\n')], {
    cwd: root,
    timeout: 60_000,
    encoding: 'utf8',
  });
  return stdout;
}

/**
 * The child script of the "during a call" tests of the cpu pool: warm the pool up, then run a gelu job of 64
 * chunks of which chunk 0 is claimed in a worker's place and never finished. With `worker: 'ends'` the worker
 * is terminated as if it had ended inside that chunk; with 'hangs' every worker stays alive and the stall
 * limit is 1 s. It prints the error the job threw, then whether later calls got new workers and right bits.
 */
function cpuHeldChunkScript(worker: 'ends' | 'hangs'): string[] {
  return [
    "const { geluForward, geluForwardSerial, lastParallelRun, setCpuThreads, setMinParallelElements } = await import('./src/index.ts');",
    "const { getWorkers, runParallel } = await import('./src/accel/cpu/worker-pool-node.ts');",
    "const { setWorkerStallLimit } = await import('./src/accel/cpu/worker-set.ts');",
    "const { newCounter, NEXT } = await import('./src/accel/cpu/chunks.ts');",
    "const { runGeluChunks } = await import('./src/accel/cpu/gelu-chunks.ts');",
    'setCpuThreads(2);',
    'setMinParallelElements(1);',
    'const size = 1 << 16, x = Float32Array.from({ length: size }, (_, i) => Math.sin(i));',
    'const expected = new Float32Array(size), out = new Float32Array(size);',
    'geluForwardSerial({ x, bias: null, out: expected, cols: size });',
    'const gelu = () => { out.fill(NaN); geluForward({ x, bias: null, out, cols: size }); return out.every((v, i) => Object.is(v, expected[i])); };',
    'const sleep = (ms) => new Promise((r) => setTimeout(r, ms));',
    'for (let i = 0; i < 100 && !(gelu() && lastParallelRun().byWorkers > 0); i++) await sleep(100);',
    'const buf = new SharedArrayBuffer(size * 8);',
    'new Float32Array(buf, 0, size).set(x);',
    "const job = { kind: 'gelu', f64: false, size, cols: size, chunkSize: 1024, x: { buffer: buf, offset: 0 }, bias: null, gradOut: null,",
    '  out: { buffer: buf, offset: size }, chunks: 64, counter: newCounter() };',
    'const [worker] = getWorkers(1);',
    // Claim chunk 0 before the job is posted: claimed inside runLocal, a fast worker could already have
    // taken every chunk (the job is small), and then nothing would be left unfinished.
    'Atomics.add(new Int32Array(job.counter), NEXT, 1);',
    worker === 'ends' ? 'const before = () => void worker.worker.terminate();' : 'const before = () => {}; setWorkerStallLimit(1000);',
    'let message = "no error";',
    'try {',
    "  runParallel(job, 2, (onError) => { before(); runGeluChunks(job, false, onError); }, 'the test job');",
    '} catch (e) { message = e.message; }',
    'console.log(message);',
    'let fresh = false;',
    'for (let i = 0; i < 100 && !fresh; i++) { if (!gelu()) { console.log("wrong bits"); break; } fresh = lastParallelRun().byWorkers > 0 && !getWorkers(1).includes(worker); if (!fresh) await sleep(100); }',
    "console.log(fresh ? 'fresh workers' : 'no fresh workers');",
  ];
}

/** The same for the wasm matmul's threads: one chunk of a product claimed in a worker's place, never finished. */
function wasmHeldChunkScript(worker: 'ends' | 'hangs'): string[] {
  return [
    "const { setCpuThreads } = await import('./src/index.ts');",
    "const wasm = await import('./src/accel/wasm/index.ts'); // wasm.lastWasmThreadedStats: a live binding",
    'const { matmulWasm, setWasmMinParallelWork } = wasm;',
    "const { packOperands } = await import('./src/accel/wasm/matmul.ts');",
    "const { runThreaded, wasmWorkerThreads } = await import('./src/accel/wasm/threads-node.ts');",
    "const { wasmMatmulModule } = await import('./src/accel/wasm/module.ts');",
    "const { setWorkerStallLimit } = await import('./src/accel/cpu/worker-set.ts');",
    'setWasmMinParallelWork(0);',
    'const m = 64, n = 64, k = 64, a = Float32Array.from({ length: m * k }, (_, i) => Math.sin(i)), b = Float32Array.from({ length: n * k }, (_, i) => Math.cos(i));',
    'const args = (out) => ({ a, b, out, batch: 1, m, n, k, transposeA: false, transposeB: true, aBatchStride: 0, bBatchStride: 0 });',
    'setCpuThreads(1);',
    'const expected = new Float32Array(m * n); matmulWasm(args(expected));',
    'setCpuThreads(2);',
    'const out = new Float32Array(m * n);',
    'const product = () => { out.fill(NaN); matmulWasm(args(out)); return Buffer.from(out.buffer).equals(Buffer.from(expected.buffer)); };',
    'const sleep = (ms) => new Promise((r) => setTimeout(r, ms));',
    'const helped = () => wasm.lastWasmThreadedStats.byMain < wasm.lastWasmThreadedStats.chunks;',
    'for (let i = 0; i < 100 && !(product() && helped()); i++) await sleep(100);',
    'const [worker] = wasmWorkerThreads();',
    'const control = new Int32Array(wasmMatmulModule().memory.buffer, 0, 16);',
    worker === 'ends' ? 'const before = () => void worker.terminate();' : 'const before = () => {}; setWorkerStallLimit(1000);',
    'let message = "no error";',
    'try {',
    '  runThreaded(packOperands(args(out)), () => { Atomics.add(control, 1, 1); before(); });',
    '} catch (e) { message = e.message; }',
    'console.log(message);',
    'let fresh = false;',
    'for (let i = 0; i < 100 && !fresh; i++) { if (!product()) { console.log("wrong bits"); break; } fresh = helped() && !wasmWorkerThreads().includes(worker); if (!fresh) await sleep(100); }',
    "console.log(fresh ? 'fresh workers' : 'no fresh workers');",
  ];
}

describe('cpu worker pool', () => {
  it('replaces workers that were terminated from outside between two calls (regression: they stayed in the pool, dead)', async () => {
    setCpuThreads(3);
    const { args, expected } = product(96, 64, 200);
    const run = () => {
      args.out.fill(NaN);
      matmulThreaded(args);
      expect(Buffer.from(args.out.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
    };
    const helped = () => lastThreadedMatmulStats()!.byWorkers > 0;
    expect(await untilWorkersHelp(run, helped)).toBe(true);

    const old = getWorkers(2);
    await Promise.all(old.map((w) => w.worker.terminate()));
    expect(await untilWorkersHelp(run, helped)).toBe(true);
    expect(getWorkers(2).some((w) => old.includes(w))).toBe(false);
  }, 30_000);

  it('a worker that ends while the main thread waits for its chunk makes the call throw, not hang; the next call works', async () => {
    const [message, next] = (await runChild(cpuHeldChunkScript('ends'))).trim().split('\n');
    expect(message).toBe('the test job: a worker thread exited before the job was done; the workers were stopped, and the next call starts new ones');
    expect(next).toBe('fresh workers');
  }, 90_000);

  it('a worker that holds a chunk and neither finishes it nor ends (hung) makes the call throw after the stall limit; the next call works', async () => {
    const [message, next] = (await runChild(cpuHeldChunkScript('hangs'))).trim().split('\n');
    expect(message).toBe(
      'the test job: no chunk finished for 1 s while 1 of 64 were not done and no worker thread had ended (a hung worker); the workers were stopped, and the next call starts new ones',
    );
    expect(next).toBe('fresh workers');
  }, 90_000);
});

describe('wasm matmul threads', () => {
  it('replace a worker that was terminated from outside between two products (regression: it stayed in use, dead)', async () => {
    setWasmMinParallelWork(0);
    const { args } = product(96, 64, 200);
    setCpuThreads(1);
    matmulWasm(args);
    const oneThread = Float32Array.from(args.out);
    setCpuThreads(2);
    const run = () => {
      args.out.fill(NaN);
      matmulWasm(args);
      expect(Buffer.from(args.out.buffer).equals(Buffer.from(oneThread.buffer))).toBe(true);
    };
    const helped = () => lastWasmThreadedStats!.byMain < lastWasmThreadedStats!.chunks;
    expect(await untilWorkersHelp(run, helped)).toBe(true);

    const old = wasmWorkerThreads();
    expect(old).toHaveLength(1);
    await old[0].terminate();
    expect(await untilWorkersHelp(run, helped)).toBe(true);
    expect(wasmWorkerThreads().includes(old[0])).toBe(false);
  }, 30_000);

  it('a worker that ends while the main thread waits for its chunk makes the product throw, not hang; the next one works', async () => {
    const [message, next] = (await runChild(wasmHeldChunkScript('ends'))).trim().split('\n');
    expect(message).toBe(
      'wasm matmul of [1 x 64 x 64] @ [64 x 64]: a worker thread exited before the product was done; the workers were stopped, and the next call starts new ones',
    );
    expect(next).toBe('fresh workers');
  }, 90_000);

  it('a worker that holds a chunk and neither finishes it nor ends (hung) makes the product throw after the stall limit; the next one works', async () => {
    const [message, next] = (await runChild(wasmHeldChunkScript('hangs'))).trim().split('\n');
    expect(message).toMatch(
      /^wasm matmul of \[1 x 64 x 64\] @ \[64 x 64\]: no chunk finished for 1 s while 1 of \d+ were not done and no worker thread had ended \(a hung worker\); the workers were stopped, and the next call starts new ones$/,
    );
    expect(next).toBe('fresh workers');
  }, 90_000);
});
