/**
 * The playground's run in Node: the same session code (web/src/session.ts), the same seed, a few steps on
 * each backend, printed as JSON. The browser test compares the page's losses with these, bit for bit.
 *
 *   npx tsx web/scripts/node-losses.ts [steps] [seed] [backends, default wasm,cpu]
 */
import { setCpuThreads } from '../../src/accel/cpu/threads.ts';
import { PretrainSession, SESSION_BACKENDS, type StepRecord } from '../src/session.ts';

const steps = Number(process.argv[2] ?? 3);
const seed = Number(process.argv[3] ?? 0);
const backends = (process.argv[4] ?? SESSION_BACKENDS.join(',')).split(',') as (typeof SESSION_BACKENDS)[number][];
setCpuThreads(1); // as in the page: one thread (results do not depend on it, but the timing does)
/** The prompt whose fill-mask probabilities the test compares after the steps. */
const CHECK_PROMPT = 'the cow likes to eat [MASK] .';
const out: Record<
  string,
  { mlm: number[]; nsp: number[]; fill: { token: string; probability: number }[]; tokensPerSecond: number; stepTokensPerSecond: number[]; setupMs: number }
> = {};
for (const backend of backends) {
  const t0 = performance.now();
  const session = PretrainSession.create({ seed, backend });
  const setupMs = performance.now() - t0;
  const records: StepRecord[] = [];
  for (let i = 0; i < steps; i++) records.push(session.trainOne());
  const timed = records.slice(1); // the first step warms up
  const ms = timed.reduce((s, r) => s + r.ms, 0);
  out[backend] = {
    mlm: records.map((r) => r.mlmLoss),
    nsp: records.map((r) => r.nspLoss),
    fill: session.fillMask(CHECK_PROMPT, 5)[0]!.candidates.map(({ token, probability }) => ({ token, probability })),
    tokensPerSecond: timed.length ? (timed.reduce((s, r) => s + r.tokens, 0) / ms) * 1000 : 0,
    stepTokensPerSecond: timed.map((r) => (r.tokens / r.ms) * 1000),
    setupMs,
  };
}
console.log(JSON.stringify(out));
