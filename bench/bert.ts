/**
 * BERT speed on each of our backends, side by side in one process (cpu and wasm by default):
 *
 *   BERT-Base forward      BertModel, 12 layers / hidden 768 / 12 heads, random weights, one sequence of
 *                          128 tokens (batch 1), evaluation mode, no graph recorded: inference latency
 *   BERT-Mini train step   BertForPreTraining, 4 layers / hidden 256 / 4 heads, batch 8 x 128 tokens, training
 *                          mode (dropout 0.1), forward + backward of MLM (15% of positions, through
 *                          mlmPositions as the pretraining loop does) + NSP loss; no optimizer update
 *                          (bench/train.ts times whole steps)
 *
 * The backends take turns run by run (report.ts timeInterleaved) after one untimed warm-up each; the table
 * gives the median over the runs of the wall-clock time, the process CPU time (steadier on a shared
 * machine), tokens per second (tokens / wall time), and the ratio to the cpu backend.
 * For scale: PyTorch 1.13 (Debian's build) ran the same BERT-Base forward on this machine in about 9.6 s
 * (figure given in the issue, not measured by this script).
 *
 * Usage: node bin/run.mjs bench/bert.ts [--runs N] [--json FILE] [--backends cpu,wasm,gpujs]   (default 5 runs)
 * The name cpu-typescript is the cpu backend with its pure-TypeScript product (setCpuMatmul('typescript'),
 * the cpu backend's default before it took the WebAssembly kernel for float32); cpu-prepacked is the cpu
 * backend with the model's Linear weights packed once into wasm memory (prepackWeights, the step a program
 * that serves batch-1 requests takes), where the others pack them on every product.
 */
import {
  BertConfig,
  BertForPreTraining,
  BertModel,
  type Module,
  noGrad,
  prepackWeights,
  randint,
  releasePrepackedWeights,
  Rng,
  selectBackendFromEnv,
  setBackend,
  setCpuMatmul,
  Tensor,
} from '../src/index.ts';
import { formatNumber, makeResult, parseBenchArgs, printTable, timeInterleaved, writeJsonReport, type BenchResult } from './report.ts';

const args = parseBenchArgs(process.argv.slice(2));
let backends = ['cpu', 'wasm'];
for (let i = 0; i < args.rest.length; i += 2) {
  if (args.rest[i] === '--backends' && args.rest[i + 1]) backends = args.rest[i + 1].split(',');
  else throw new Error(`bench/bert: unknown argument "${args.rest[i]}"; expected --runs N, --json FILE, --backends LIST`);
}
const runs = args.runs ?? 5;
const backendNames: string[] = [];
const variants = ['cpu-typescript', 'cpu-prepacked'];
for (const b of backends) backendNames.push(variants.includes(b) ? b : await selectBackendFromEnv({ BERT_BACKEND: b }));

/** The model being timed (cpu-prepacked packs its weights when it takes its turn, and releases them after). */
let current: Module | null = null;

/** Make `name` (a backend, cpu-typescript or cpu-prepacked) the active one. */
function select(name: string): void {
  setCpuMatmul(name === 'cpu-typescript' ? 'typescript' : 'wasm');
  setBackend(variants.includes(name) ? 'cpu' : name);
  if (current === null) return;
  if (name === 'cpu-prepacked') prepackWeights(current);
  else releasePrepackedWeights(current);
}
setBackend('cpu');
const results: BenchResult[] = [];

/** Random token ids in [5, vocab) (clear of the special tokens), int32 [batch, seq]. */
function randomIds(batch: number, seq: number, vocab: number, rng: Rng): Tensor {
  const t = randint([batch, seq], vocab - 5, rng);
  for (let i = 0; i < t.size; i++) t.data[i] += 5;
  return t;
}

/** Time `run` on every backend by turns and record ms, cpu ms and tokens/s for each. */
async function compare(name: string, tokens: number, run: () => unknown): Promise<void> {
  console.log(`${name}: ${backendNames.join(', ')}, ${runs} runs each...`);
  const timings = await timeInterleaved(backendNames.map((b) => ({ before: () => select(b), run, runs })));
  backendNames.forEach((b, i) => {
    const impl = `ours (${b} backend)`;
    results.push(makeResult(name, impl, 'ms', timings[i].wallMs));
    results.push(makeResult(name, impl, 'cpu ms', timings[i].cpuMs));
    results.push(
      makeResult(
        name,
        impl,
        'tokens/s',
        timings[i].wallMs.map((ms) => (tokens * 1000) / ms),
      ),
    );
  });
}

// BERT-Base forward, seq 128, batch 1.
{
  const rng = new Rng('bench-bert-base');
  const model = new BertModel(BertConfig.preset('base'), { seed: 'bench' }).eval();
  current = model;
  const inputIds = randomIds(1, 128, 30522, rng);
  await compare('BERT-Base forward (batch 1, seq 128)', 128, () => noGrad(() => model.forward({ inputIds })));
}

// BERT-Mini forward + backward, seq 128, batch 8.
{
  const rng = new Rng('bench-bert-mini');
  const model = new BertForPreTraining(BertConfig.preset('mini'), { seed: 'bench' }).train();
  current = model;
  const [B, S] = [8, 128];
  const inputIds = randomIds(B, S, 30522, rng);
  const positions: number[] = [];
  for (let i = 0; i < B * S; i++) if (rng.next() < 0.15) positions.push(i);
  const mlmPositions = new Tensor(Int32Array.from(positions), [positions.length]);
  const mlmLabels = new Tensor(
    Int32Array.from(positions, () => 5 + rng.int(30517)),
    [positions.length],
  );
  const nextSentenceLabel = new Tensor(
    Int32Array.from({ length: B }, () => rng.int(2)),
    [B],
  );
  await compare('BERT-Mini train step fwd+bwd (batch 8, seq 128)', B * S, () => {
    model.zeroGrad();
    const out = model.forward({ inputIds, mlmPositions, mlmLabels, nextSentenceLabel });
    out.loss!.backward();
  });
}
select('cpu');

const find = (name: string, impl: string, metric: string) => results.find((r) => r.name === name && r.impl === impl && r.metric === metric);
const rows = results
  .filter((r) => r.metric === 'ms')
  .map((r) => {
    const cpuMs = find(r.name, 'ours (cpu backend)', 'ms');
    return [
      r.name,
      r.impl,
      formatNumber(r.median),
      formatNumber(find(r.name, r.impl, 'cpu ms')!.median),
      formatNumber(find(r.name, r.impl, 'tokens/s')!.median),
      String(r.runs),
      cpuMs ? `${formatNumber(cpuMs.median / r.median)}x` : '-',
    ];
  });
printTable(['benchmark', 'impl', 'ms', 'cpu ms', 'tokens/s', 'runs', 'speed vs cpu backend'], rows);
console.log('For scale: PyTorch 1.13 (Debian) runs the BERT-Base forward in about 9.6 s on this machine (from the issue).');
if (args.json) writeJsonReport(args.json, results);
