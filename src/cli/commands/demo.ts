import { parseArgs, RANGES, type FlagSpec } from '../args.ts';
import type { Command } from '../command.ts';
import { withRunDirectory } from '../run-dir.ts';
import { selectBackendFromEnv } from '../../accel/select.ts';
import { runDemo } from '../../train/demo.ts';

const flags: Record<string, FlagSpec> = {
  out: { kind: 'string', path: 'out-dir', help: 'output directory; locked while the demo runs', default: 'runs/demo' },
  steps: { kind: 'number', range: RANGES.count, help: 'training steps', default: 2500 },
  seed: { kind: 'number', range: RANGES.seed, help: 'random seed', default: 0 },
  backend: { kind: 'string', help: 'kernels: wasm (WebAssembly SIMD matmul, the fastest here) or cpu (pure TypeScript, the reference)', default: 'wasm' },
};

export const demoCommand: Command = {
  name: 'demo',
  summary: 'pretrain a small BERT on the built-in generated corpus, then fill in [MASK]s',
  usage: 'bert demo [--out DIR] [--steps N] [--seed N]',
  flags,
  async run(argv) {
    const { flags: f } = parseArgs(argv, flags, { positionals: { max: 0 } });
    const backend = await selectBackendFromEnv({ ...process.env, BERT_BACKEND: f.backend as string });
    console.log(`Kernels: the ${backend} backend (--backend cpu for the pure-TypeScript reference).`);
    const out = f.out as string;
    await withRunDirectory(out, () => runDemo({ out, steps: f.steps as number, seed: f.seed as number }));
    return 0;
  },
};
