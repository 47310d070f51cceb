/**
 * How long building a model takes: `new BertForPreTraining(BertConfig.preset(NAME))`, which allocates the
 * parameters and initialises them (src/nn/init.ts). With --compare, the same build with the earlier
 * initialisation (one Box-Muller pair at a time through the ARC4 generator, `Rng.normal`) takes turns with
 * today's (Rng.fillNormal: ziggurat over xoshiro128**), in one process, so the ratio holds on a busy machine.
 *
 * Usage: node bin/run.mjs bench/model-build.ts [--model large] [--runs 3] [--compare]
 */
import { BertConfig, BertForPreTraining, Rng } from '../src/index.ts';

let model: Parameters<typeof BertConfig.preset>[0] = 'large';
let runs = 3;
let compare = false;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--model') model = argv[++i] as typeof model;
  else if (argv[i] === '--runs') runs = Number(argv[++i]);
  else if (argv[i] === '--compare') compare = true;
  else throw new Error(`bench/model-build: unknown argument "${argv[i]}"; expected --model NAME, --runs N, --compare`);
}

const bulk = Rng.prototype.fillNormal;
/** The initialisation before Rng.fillNormal: one normal() per value. */
function oneAtATime(this: Rng, out: Float32Array | Float64Array, mean = 0, std = 1): void {
  for (let i = 0; i < out.length; i++) out[i] = this.normal(mean, std);
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const variants: [string, typeof bulk][] = compare
  ? [
      ['one at a time (Rng.normal)', oneAtATime],
      ['bulk (Rng.fillNormal)', bulk],
    ]
  : [['bulk (Rng.fillNormal)', bulk]];
const times = new Map<string, { wall: number[]; cpu: number[] }>(variants.map(([name]) => [name, { wall: [], cpu: [] }]));
let parameters = 0;
for (let r = 0; r < runs; r++) {
  for (const [name, fill] of variants) {
    Rng.prototype.fillNormal = fill;
    (globalThis as { gc?: () => void }).gc?.();
    const c0 = cpuMs();
    const t0 = performance.now();
    const m = new BertForPreTraining(BertConfig.preset(model));
    const t1 = performance.now();
    const c1 = cpuMs();
    parameters = m.parameters().reduce((s, p) => s + p.size, 0);
    times.get(name)!.wall.push(t1 - t0);
    times.get(name)!.cpu.push(c1 - c0);
  }
}
Rng.prototype.fillNormal = bulk;
const { loadavg } = await import('node:os');
console.log(
  `BERT ${model}: ${parameters.toLocaleString('en')} parameters; load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
for (const [name, t] of times) {
  console.log(`${name.padEnd(28)} wall ${(median(t.wall) / 1000).toFixed(2)} s   CPU ${(median(t.cpu) / 1000).toFixed(2)} s   (medians of ${runs})`);
}
