/**
 * How long the main thread waits for the matmul worker threads, timed directly: every wait of a threaded
 * wasm product (WorkerSet.waitForChunks, from waking the workers' last chunk to its end) is wrapped in
 * performance.now(), and the total is set against the step or forward it belongs to.
 *
 * Why not a CPU profile: `node --cpu-prof` samples on a thread of its own, which on a 2-core machine
 * competes with the matmul worker, so the main thread waits longer under the profiler than without it
 * (docs/performance.md, "Fourth pass": 11% of the demo's step profiled, 4% timed this way).
 *
 *   demo     the demo's model (hidden 64, 2 layers, vocabulary 512), batch 32 x seq 32, no dropout
 *   recipe   BERT-Tiny with vocabulary 8000, batch 32 x seq 64 (the parity recipe)
 *   mini     BERT-Mini, vocabulary 30522, batch 32 x seq 128
 *   base     BERT-Base forward, batch 1 x seq 128, no gradient
 *
 * Usage: node bin/run.mjs bench/matmul-waits.ts [--runs N] [--models demo,recipe,mini,base] [--json FILE]
 * (--runs: timed steps or forwards per model after the warm-up, default 10; the demo runs 20 times as many)
 */
import { WorkerSet } from '../src/accel/cpu/worker-set.ts';
import { AdamW, BertConfig, type BertConfigOptions, BertForPreTraining, BertModel, clipGradNorm, noGrad, randint, Rng, setBackend } from '../src/index.ts';
import { formatNumber, makeResult, parseBenchArgs, printTable, writeJsonReport, type BenchResult } from './report.ts';
import { randomTrainBatch } from './train-batch.ts';

const args = parseBenchArgs(process.argv.slice(2));
const MODELS = ['demo', 'recipe', 'mini', 'base'] as const;
let models: string[] = [...MODELS];
for (let i = 0; i < args.rest.length; i++) {
  if (args.rest[i] === '--models' && args.rest[i + 1]) models = args.rest[++i].split(',');
  else throw new Error(`bench/matmul-waits: unknown argument "${args.rest[i]}"; expected --runs N, --json FILE, --models LIST`);
}
for (const m of models)
  if (!(MODELS as readonly string[]).includes(m)) throw new Error(`bench/matmul-waits: unknown model "${m}"; expected ${MODELS.join(', ')}`);
const runs = args.runs ?? 10;

// Every wait of a threaded product adds its time and count here while `timing` is on.
let timing = false;
let waitedMs = 0;
let waits = 0;
const waitForChunks = WorkerSet.prototype.waitForChunks;
WorkerSet.prototype.waitForChunks = function (this: WorkerSet<never>, ...rest: Parameters<typeof waitForChunks>) {
  const t0 = performance.now();
  try {
    return waitForChunks.apply(this, rest);
  } finally {
    if (timing) {
      waitedMs += performance.now() - t0;
      waits++;
    }
  }
};

setBackend('cpu');

/** One training step of `preset` with `overrides` on a random batch (bench/train-batch.ts). */
function trainStep(preset: 'tiny' | 'mini', overrides: BertConfigOptions, shape: { vocab: number; batch: number; seq: number }): () => void {
  const model = new BertForPreTraining(BertConfig.preset(preset, { vocabSize: shape.vocab, ...overrides }), { seed: 'bench-waits' }).train();
  const named = model.namedParameters();
  const params = named.map(([, p]) => p);
  const optimizer = new AdamW(named, { lr: 1e-4, eps: 1e-6, weightDecay: 0.01 });
  const batch = randomTrainBatch(shape, new Rng('bench-waits'));
  return () => {
    model.forward(batch).loss!.backward();
    clipGradNorm(params, 1);
    optimizer.step();
    optimizer.zeroGrad();
  };
}

function baseForward(): () => void {
  const model = new BertModel(BertConfig.preset('base'), { seed: 'bench-waits' }).eval();
  const inputIds = randint([1, 128], 20000, new Rng(1));
  return () => noGrad(() => model.forward({ inputIds }));
}

const CASES: Record<(typeof MODELS)[number], { name: string; make: () => () => void; times: number }> = {
  demo: {
    name: 'demo step (hidden 64, batch 32 x 32)',
    make: () =>
      trainStep(
        'tiny',
        { hiddenSize: 64, intermediateSize: 256, maxPositionEmbeddings: 128, hiddenDropoutProb: 0, attentionProbsDropoutProb: 0 },
        { vocab: 512, batch: 32, seq: 32 },
      ),
    times: 20 * runs,
  },
  recipe: { name: 'parity recipe step (BERT-Tiny, batch 32 x 64)', make: () => trainStep('tiny', {}, { vocab: 8000, batch: 32, seq: 64 }), times: runs },
  mini: { name: 'BERT-Mini step (batch 32 x 128)', make: () => trainStep('mini', {}, { vocab: 30522, batch: 32, seq: 128 }), times: runs },
  base: { name: 'BERT-Base forward (batch 1 x 128)', make: baseForward, times: runs },
};

const results: BenchResult[] = [];
const rows: string[][] = [];
for (const key of models as (typeof MODELS)[number][]) {
  const c = CASES[key];
  console.log(`${c.name}: ${c.times} timed after 3 warm-up...`);
  const run = c.make();
  for (let i = 0; i < 3; i++) run();
  waitedMs = 0;
  waits = 0;
  timing = true;
  const t0 = performance.now();
  for (let i = 0; i < c.times; i++) run();
  const totalMs = performance.now() - t0;
  timing = false;
  const perStep = totalMs / c.times;
  const waitPerStep = waitedMs / c.times;
  results.push(makeResult(c.name, 'main thread', 'ms', [perStep]), makeResult(c.name, 'waiting for the workers', 'ms', [waitPerStep]));
  rows.push([c.name, formatNumber(perStep), formatNumber(waitPerStep), formatNumber(waits / c.times), `${formatNumber((100 * waitPerStep) / perStep)}%`]);
}
printTable(['step or forward', 'ms each', 'waiting, ms each', 'waits each', 'share'], rows);
if (args.json) writeJsonReport(args.json, results);
process.exit(0); // the matmul workers are unref'd, but the Base model's arrays make exiting slow
