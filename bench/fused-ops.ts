/**
 * What the fused cpu kernels buy at the op level, forward + backward through autograd, against the
 * unfused ops they replace (each pair gives bit-identical results, see test/accel/fused-kernels.test.ts):
 *   attention probabilities  softmax(add(scale(scores, 1/8), mask))  vs  scaledMaskedSoftmax(scores, 1/8, mask)
 *                            scores [16, 12, 128, 128] (batch 16, 12 heads, 128 tokens), mask [16, 1, 1, 128]
 *   feed-forward activation  gelu(add(x, bias))  vs  biasGelu(x, bias),  x [2048, 3072], bias [3072]
 * Milliseconds per forward + backward, median of the timed runs, taken in turns.
 *
 * Usage: npx tsx bench/fused-ops.ts [--runs N] [--json FILE]
 */
import { add, biasGelu, gelu, Rng, scale, scaledMaskedSoftmax, softmax, Tensor, type Shape } from '../src/index.ts';
import { formatNumber, makeResult, parseBenchArgs, printTable, timeInterleaved, writeJsonReport, type BenchResult } from './report.ts';

function randomTensor(shape: Shape, rng: Rng, requiresGrad: boolean): Tensor {
  const n = shape.reduce((x, y) => x * y, 1);
  return new Tensor(
    Float32Array.from({ length: n }, () => rng.normal()),
    shape,
    requiresGrad,
  );
}

/** Forward, then backward with an all-ones gradient. */
function forwardBackward(f: () => Tensor): void {
  const y = f();
  y.backward(new Tensor(new Float32Array(y.size).fill(1), y.shape));
}

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2));
  if (args.rest.length > 0) throw new Error(`bench/fused-ops: unknown arguments "${args.rest.join(' ')}"; expected --runs N, --json FILE`);
  const runs = args.runs ?? 5;
  const rng = new Rng(3);
  const scores = randomTensor([16, 12, 128, 128], rng, true);
  const mask = new Tensor(
    Float32Array.from({ length: 16 * 128 }, (_, i) => (i % 128 < 100 ? 0 : -1e9)),
    [16, 1, 1, 128],
  );
  const x = randomTensor([2048, 3072], rng, true);
  const bias = randomTensor([3072], rng, true);
  const cases = [
    {
      name: 'attention probs [16,12,128,128]',
      impl: 'softmax(add(scale(s), mask))',
      run: () => forwardBackward(() => softmax(add(scale(scores, 0.125), mask), -1)),
    },
    { name: 'attention probs [16,12,128,128]', impl: 'scaledMaskedSoftmax', run: () => forwardBackward(() => scaledMaskedSoftmax(scores, 0.125, mask)) },
    { name: 'gelu(x + bias) [2048,3072]', impl: 'gelu(add(x, bias))', run: () => forwardBackward(() => gelu(add(x, bias))) },
    { name: 'gelu(x + bias) [2048,3072]', impl: 'biasGelu', run: () => forwardBackward(() => biasGelu(x, bias)) },
  ];
  const timings = await timeInterleaved(cases.map((c) => ({ run: c.run, runs })));
  const results: BenchResult[] = cases.map((c, i) => makeResult(c.name, c.impl, 'ms', timings[i].wallMs));
  printTable(
    ['op (forward + backward)', 'impl', 'ms', 'min', 'runs'],
    results.map((r) => [r.name, r.impl, formatNumber(r.median), formatNumber(Math.min(...r.samples!)), String(r.runs)]),
  );
  if (args.json) writeJsonReport(args.json, results);
}

await main();
