/**
 * BERT speed on the active backend (cpu, or the one BERT_BACKEND names):
 *
 *   BERT-Base forward      BertModel, 12 layers / hidden 768 / 12 heads, random weights, one sequence of
 *                          128 tokens (batch 1), evaluation mode, no graph recorded: inference latency
 *   BERT-Mini train step   BertForPreTraining, 4 layers / hidden 256 / 4 heads, batch 8 x 128 tokens, training
 *                          mode (dropout 0.1), forward + backward of MLM (15% of positions, through
 *                          mlmPositions as the pretraining loop does) + NSP loss; no optimizer update
 *
 * Each is timed after one untimed warm-up run; the table gives the median over the runs of the wall-clock
 * time, the process CPU time (steadier on a shared machine), and tokens per second (tokens / wall time).
 * For scale: PyTorch 1.13 (Debian's build) ran the same BERT-Base forward on this machine in about 9.6 s
 * (figure given in the issue, not measured by this script).
 *
 * Usage: npx tsx bench/bert.ts [--runs N] [--json FILE]      (default 3 runs each)
 */
import { BertConfig, BertForPreTraining, BertModel, Rng, Tensor, getBackend, noGrad, randint } from '../src/index.ts';
import { formatNumber, makeResult, parseBenchArgs, printTable, timeRuns, writeJsonReport, type BenchResult } from './report.ts';

const args = parseBenchArgs(process.argv.slice(2));
if (args.rest.length) throw new Error(`bench/bert: unknown arguments ${args.rest.join(' ')}; expected --runs N, --json FILE`);
const runs = args.runs ?? 3;
// The active backend: cpu unless BERT_BACKEND names another (e.g. BERT_BACKEND=wasm npx tsx bench/bert.ts).
const IMPL = `ours (${getBackend()} backend)`;
const results: BenchResult[] = [];

/** Random token ids in [5, vocab) (clear of the special tokens), int32 [batch, seq]. */
function randomIds(batch: number, seq: number, vocab: number, rng: Rng): Tensor {
  const t = randint([batch, seq], vocab - 5, rng);
  for (let i = 0; i < t.size; i++) t.data[i] += 5;
  return t;
}

function record(name: string, tokens: number, wallMs: number[], cpuMs: number[]): void {
  results.push(makeResult(name, IMPL, 'ms', wallMs));
  results.push(makeResult(name, IMPL, 'cpu ms', cpuMs));
  results.push(makeResult(name, IMPL, 'tokens/s', wallMs.map((ms) => (tokens * 1000) / ms)));
}

// BERT-Base forward, seq 128, batch 1.
{
  const rng = new Rng('bench-bert-base');
  const model = new BertModel(BertConfig.preset('base'), { seed: 'bench' }).eval();
  const inputIds = randomIds(1, 128, 30522, rng);
  const t = await timeRuns(() => noGrad(() => model.forward({ inputIds })), runs);
  record('BERT-Base forward (batch 1, seq 128)', 128, t.wallMs, t.cpuMs);
}

// BERT-Mini training step, seq 128, batch 8.
{
  const rng = new Rng('bench-bert-mini');
  const model = new BertForPreTraining(BertConfig.preset('mini'), { seed: 'bench' }).train();
  const [B, S] = [8, 128];
  const inputIds = randomIds(B, S, 30522, rng);
  const positions: number[] = [];
  for (let i = 0; i < B * S; i++) if (rng.next() < 0.15) positions.push(i);
  const mlmPositions = new Tensor(Int32Array.from(positions), [positions.length]);
  const mlmLabels = new Tensor(Int32Array.from(positions, () => 5 + rng.int(30517)), [positions.length]);
  const nextSentenceLabel = new Tensor(Int32Array.from({ length: B }, () => rng.int(2)), [B]);
  const step = () => {
    model.zeroGrad();
    const out = model.forward({ inputIds, mlmPositions, mlmLabels, nextSentenceLabel });
    out.loss!.backward();
  };
  const t = await timeRuns(step, runs);
  record('BERT-Mini train step fwd+bwd (batch 8, seq 128)', B * S, t.wallMs, t.cpuMs);
}

const rows = results.map((r) => [r.name, r.impl, r.metric, formatNumber(r.median), String(r.runs)]);
printTable(['benchmark', 'impl', 'metric', 'median', 'runs'], rows);
console.log('For scale: PyTorch 1.13 (Debian) runs the BERT-Base forward in about 9.6 s on this machine (from the issue).');
if (args.json) writeJsonReport(args.json, results);
