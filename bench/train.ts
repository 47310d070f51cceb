/**
 * Training speed: tokens per second of whole pretraining steps (forward, backward of MLM + NSP, global-norm
 * clipping, AdamW update) on each of our backends, side by side in one process.
 *
 *   BERT-Tiny  L2/H128/A2,  vocab 30522, batch 32 x seq 128
 *   BERT-Mini  L4/H256/A4,  vocab 30522, batch 32 x seq 128
 *   recipe     BERT-Tiny with vocab 8000, batch 32 x seq 64: the learning-parity recipe of issue 5
 *
 * Inputs are random token ids with 15% of positions masked (at most 15% of seq per sequence, the MLM head
 * computing logits only there, as the pretraining loop does) and random NSP labels; dropout 0.1 is on.
 * The data pipeline is not timed (it is a few % of a real step). Backends take turns step by step
 * (report.ts timeInterleaved), each with its own model, so they see the same machine load.
 *
 * Usage: npm run bench -- --only train   or   node bin/run.mjs bench/train.ts [--runs N] [--json FILE]
 *          [--backends cpu,wasm,gpujs] [--models tiny,mini,recipe]
 * (default 5 runs, backends cpu and wasm; gpujs runs its kernels in gpu.js's CPU mode here and is slow)
 */
import { AdamW, BertConfig, BertForPreTraining, clipGradNorm, getBackend, Rng, selectBackendFromEnv, setBackend } from '../src/index.ts';
import { randomTrainBatch } from './train-batch.ts';
import { formatNumber, makeResult, parseBenchArgs, printTable, timeInterleaved, writeJsonReport, type BenchResult, type Contestant } from './report.ts';

interface ModelCase {
  key: string;
  name: string;
  preset: string;
  vocab: number;
  batch: number;
  seq: number;
}

const CASES: ModelCase[] = [
  { key: 'tiny', name: 'BERT-Tiny train step (batch 32, seq 128)', preset: 'tiny', vocab: 30522, batch: 32, seq: 128 },
  { key: 'mini', name: 'BERT-Mini train step (batch 32, seq 128)', preset: 'mini', vocab: 30522, batch: 32, seq: 128 },
  { key: 'recipe', name: 'BERT-Tiny parity recipe step (batch 32, seq 64, vocab 8000)', preset: 'tiny', vocab: 8000, batch: 32, seq: 64 },
];

const args = parseBenchArgs(process.argv.slice(2));
let backends = ['cpu', 'wasm'];
let models = CASES.map((c) => c.key);
for (let i = 0; i < args.rest.length; i++) {
  const flag = args.rest[i];
  const value = args.rest[i + 1];
  if (flag === '--backends' && value) backends = value.split(',');
  else if (flag === '--models' && value) models = value.split(',');
  else throw new Error(`bench/train: unknown argument "${flag}"; expected --runs N, --json FILE, --backends LIST, --models LIST`);
  i++;
}
for (const m of models)
  if (!CASES.some((c) => c.key === m)) throw new Error(`bench/train: unknown model "${m}"; expected ${CASES.map((c) => c.key).join(', ')}`);
const runs = args.runs ?? 5;

// Register every backend asked for (selectBackendFromEnv registers as it selects), then start from cpu.
const backendNames: string[] = [];
for (const b of backends) backendNames.push(await selectBackendFromEnv({ BERT_BACKEND: b }));
setBackend('cpu');

/** A contestant that runs whole training steps of `c` on `backend`. */
function trainer(c: ModelCase, backend: string): Contestant {
  const config = BertConfig.preset(c.preset as 'tiny' | 'mini', { vocabSize: c.vocab });
  const model = new BertForPreTraining(config, { seed: 'bench-train' }).train();
  const named = model.namedParameters();
  const params = named.map(([, p]) => p);
  const optimizer = new AdamW(named, { lr: 1e-4, eps: 1e-6, weightDecay: 0.01 });
  const batch = randomTrainBatch(c, new Rng(`bench-train:${c.key}`));
  return {
    before: () => setBackend(backend),
    run: () => {
      const out = model.forward(batch);
      out.loss!.backward();
      clipGradNorm(params, 1);
      optimizer.step();
      optimizer.zeroGrad();
    },
    runs,
  };
}

const results: BenchResult[] = [];
for (const c of CASES.filter((x) => models.includes(x.key))) {
  console.log(`${c.name}: ${backendNames.join(', ')}, ${runs} runs each...`);
  const timings = await timeInterleaved(backendNames.map((b) => trainer(c, b)));
  const tokens = c.batch * c.seq;
  backendNames.forEach((b, i) => {
    const impl = `ours (${b} backend)`;
    results.push(
      makeResult(
        c.name,
        impl,
        'tokens/s',
        timings[i].wallMs.map((ms) => (tokens * 1000) / ms),
      ),
    );
    results.push(makeResult(c.name, impl, 'ms', timings[i].wallMs));
    results.push(makeResult(c.name, impl, 'cpu ms', timings[i].cpuMs));
  });
}
setBackend('cpu');

const find = (name: string, impl: string, metric: string) => results.find((r) => r.name === name && r.impl === impl && r.metric === metric);
const rows = results
  .filter((r) => r.metric === 'tokens/s')
  .map((r) => {
    const cpu = find(r.name, 'ours (cpu backend)', 'tokens/s');
    return [
      r.name,
      r.impl,
      formatNumber(r.median),
      formatNumber(find(r.name, r.impl, 'ms')!.median),
      String(r.runs),
      cpu ? `${formatNumber(r.median / cpu.median)}x` : '-',
    ];
  });
printTable(['step', 'impl', 'tokens/s', 'ms/step', 'runs', 'vs cpu backend'], rows);
console.log(
  `(backend after the run: ${getBackend()}; PyTorch 1.13 trains the recipe's BERT-Tiny with full-vocabulary logits at about 540 tokens/s here, per issue 5)`,
);
if (args.json) writeJsonReport(args.json, results);
