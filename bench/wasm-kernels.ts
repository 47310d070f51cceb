/**
 * The two binaries of matmul.wat side by side, and the two ways of packing a weight, in one process:
 *
 *   kernel   gemm alone (operands already packed, one thread), plain (f32x4.mul then f32x4.add) against
 *            fused (f32x4.relaxed_madd, scripts/build-wasm.ts), each on a memory of its own, on BERT-Base
 *            products [128 x 768] @ [768 x 768]^T and @ [3072 x 768]^T, [512 x 3072] @ [768 x 3072]^T and
 *            an attention product [128 x 64] @ [128 x 64]^T; GFLOP/s = 2mnk / s
 *   packing  a weight W [n, k] into the kernel's B panels: packB's float-by-float loop (pack.ts) against a
 *            copy into wasm memory plus matmul.wat's packInterleaved (matmul.ts packInWasm); and the two
 *            operands of a weight's gradient, stored [tokens, features]: packA / packB against a copy plus
 *            packSlices
 *
 * Contestants take turns run by run (report.ts timeInterleaved); medians, and the ratio fused / plain and
 * TypeScript / wasm. The results must agree (checked: the fused kernel's C within 1e-5 of the largest |C| of the
 * plain one's, the packed panels bit for bit).
 *
 * Usage: node bin/run.mjs bench/wasm-kernels.ts [--runs N] [--json FILE]   (default 7 runs)
 */
import { packInWasm } from '../src/accel/wasm/matmul.ts';
import { heapF32, kernelBytes, type MatmulExports, type WasmKernel } from '../src/accel/wasm/module.ts';
import { packA, packB, TILE_M, TILE_N } from '../src/accel/wasm/pack.ts';
import { scratchBase } from '../src/accel/wasm/resident.ts';
import { WebAssemblyApi as WA } from '../src/accel/wasm/webassembly.ts';
import { Rng } from '../src/index.ts';
import { formatNumber, makeResult, parseBenchArgs, printTable, timeInterleaved, writeJsonReport, type BenchResult } from './report.ts';

const args = parseBenchArgs(process.argv.slice(2));
if (args.rest.length > 0) throw new Error(`bench/wasm-kernels: unknown arguments "${args.rest.join(' ')}"; expected --runs N, --json FILE`);
const runs = args.runs ?? 7;
const rng = new Rng(7);
const random = (n: number) => {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = rng.uniform(-1, 1);
  return x;
};
const results: BenchResult[] = [];

/** One binary on a memory of its own, with x @ W^T's operands packed into it. */
function setUp(kernel: WasmKernel, m: number, k: number, n: number, a: Float32Array, w: Float32Array) {
  const built = kernelBytes(kernel);
  if (built.kernel !== kernel) throw new Error(`bench/wasm-kernels: this runtime has no ${kernel} kernel (relaxed SIMD)`);
  const [mPanels, nPanels] = [Math.ceil(m / TILE_M), Math.ceil(n / TILE_N)];
  const [ap, bp] = [256, 256 + 4 * mPanels * TILE_M * k];
  const cp = bp + 4 * nPanels * TILE_N * k;
  const memory = new WA.Memory({ initial: Math.ceil((cp + 4 * mPanels * TILE_M * nPanels * TILE_N) / 65536) + 1, maximum: 32768, shared: true });
  const exports = new WA.Instance(new WA.Module(built.bytes), { env: { memory } }).exports as unknown as MatmulExports;
  const heap = new Float32Array(memory.buffer);
  packA(a, 0, m, k, false, heap, ap / 4);
  packB(w, 0, n, k, true, heap, bp / 4);
  return { run: () => exports.gemm(ap, bp, cp, k, nPanels, 0, mPanels), c: () => heap.slice(cp / 4, cp / 4 + mPanels * TILE_M * nPanels * TILE_N) };
}

const kernelRows: string[][] = [];
for (const [m, k, n, what] of [
  [128, 768, 768, 'BERT-Base attention projection, 128 tokens'],
  [128, 768, 3072, 'BERT-Base FFN in, 128 tokens'],
  [512, 3072, 768, 'BERT-Base FFN out, 512 tokens'],
  [128, 64, 128, 'BERT-Base attention scores, one head'],
] as const) {
  const a = random(m * k);
  const w = random(n * k);
  const plain = setUp('plain', m, k, n, a, w);
  const fused = setUp('fused', m, k, n, a, w);
  const repeats = Math.max(1, Math.round(4e8 / (m * n * k)));
  const repeat = (f: () => void) => () => {
    for (let r = 0; r < repeats; r++) f();
  };
  const [tp, tf] = await timeInterleaved([
    { run: repeat(plain.run), runs },
    { run: repeat(fused.run), runs },
  ]);
  const name = `gemm [${m} x ${k}] @ [${n} x ${k}]^T`;
  const gflops = (t: { wallMs: number[] }) => t.wallMs.map((ms) => (2 * m * n * k * repeats) / (ms / 1000) / 1e9);
  const [rp, rf] = [makeResult(name, 'plain kernel', 'GFLOP/s', gflops(tp)), makeResult(name, 'fused kernel', 'GFLOP/s', gflops(tf))];
  results.push(rp, rf);
  const [cp, cf] = [plain.c(), fused.c()];
  // The two round differently: compare the largest difference with the largest |C| (as wasm-matmul.ts does).
  let worst = 0;
  let largest = 0;
  for (let i = 0; i < cp.length; i++) {
    worst = Math.max(worst, Math.abs(cp[i] - cf[i]));
    largest = Math.max(largest, Math.abs(cp[i]));
  }
  kernelRows.push([
    `${name}  ${what}`,
    formatNumber(rp.median),
    formatNumber(rf.median),
    `${formatNumber(rf.median / rp.median)}x`,
    worst <= 1e-5 * largest ? 'ok' : `DIFF ${worst / largest}`,
  ]);
}
console.log('\nThe kernel alone, one thread (GFLOP/s, median of ' + runs + ')\n');
printTable(['product', 'plain', 'fused', 'fused / plain', 'same C'], kernelRows);

/**
 * Time packing `floats` values both ways, taking turns: `typescript` into the array it is given, `wasm` into
 * panels at the wasm address it is given (from a copy at the staging address after them). Records both
 * results and returns the table row, with whether the panels are the same.
 */
async function comparePacking(
  name: string,
  labels: [string, string],
  floats: number,
  typescript: (dst: Float32Array) => void,
  wasm: (panels: number, staging: number) => void,
): Promise<string[]> {
  const panels = scratchBase();
  const staging = panels + 4 * floats;
  heapF32(staging + 4 * floats);
  const expected = new Float32Array(floats);
  const [tt, tw] = await timeInterleaved([
    { run: () => typescript(expected), runs },
    { run: () => wasm(panels, staging), runs },
  ]);
  const [rt, rw] = [makeResult(name, labels[0], 'ms', tt.wallMs), makeResult(name, labels[1], 'ms', tw.wallMs)];
  results.push(rt, rw);
  const same = heapF32(0)
    .subarray(panels / 4, panels / 4 + floats)
    .every((v, i) => v === expected[i]);
  return [name, formatNumber(rt.median), formatNumber(rw.median), `${formatNumber(rt.median / rw.median)}x`, same ? 'ok' : 'DIFFERENT'];
}

const packRows: string[][] = [];
for (const [n, k] of [
  [3072, 768],
  [768, 3072],
  [768, 768],
] as const) {
  const w = random(n * k); // n is a multiple of 8: no padding
  packRows.push(
    await comparePacking(
      `pack W [${n}, ${k}]`,
      ['packB (TypeScript)', 'copy + packInterleaved (wasm)'],
      n * k,
      (dst) => packB(w, 0, n, k, true, dst, 0),
      (panels, staging) => packInWasm(w, 0, n, k, true, TILE_N, heapF32(0), panels, staging),
    ),
  );
}
console.log('\nPacking a weight into B panels (ms, median of ' + runs + ')\n');
printTable(['weight', 'packB (TypeScript)', 'copy + packInterleaved (wasm)', 'speed-up', 'same panels'], packRows);

// A weight's gradient dW = dY^T X multiplies two operands stored [tokens, features], k being the tokens:
// both are packed from that layout (packSlices), op(A) = dY^T in 4-row panels and op(B) = X in 8-column ones.
const sliceRows: string[][] = [];
for (const [k, rows, width, what] of [
  [4096, 1024, TILE_M, "dY^T, BERT-Mini's FFN, 32 x 128 tokens"],
  [4096, 256, TILE_N, "X, BERT-Mini's hidden states, 32 x 128 tokens"],
  [4096, 3072, TILE_M, "dY^T, BERT-Base's FFN, 32 x 128 tokens"],
  [4096, 768, TILE_N, "X, BERT-Base's hidden states, 32 x 128 tokens"],
] as const) {
  const stored = random(k * rows); // rows is a multiple of the width: no padding
  sliceRows.push(
    await comparePacking(
      `pack [${k}, ${rows}] stored, ${width === TILE_M ? 'A' : 'B'} panels (${what})`,
      ['packA / packB (TypeScript)', 'copy + packSlices (wasm)'],
      k * rows,
      (dst) => (width === TILE_M ? packA(stored, 0, rows, k, true, dst, 0) : packB(stored, 0, rows, k, false, dst, 0)),
      (panels, staging) => packInWasm(stored, 0, rows, k, false, width, heapF32(0), panels, staging),
    ),
  );
}
console.log('\nPacking an operand stored [k, rows] (ms, median of ' + runs + ')\n');
printTable(['operand', 'TypeScript', 'copy + packSlices (wasm)', 'speed-up', 'same panels'], sliceRows);
if (args.json) writeJsonReport(args.json, results);
