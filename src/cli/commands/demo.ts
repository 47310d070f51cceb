import { parseArgs, type FlagSpec } from '../args.ts';
import type { Command } from '../command.ts';
import { selectBackendFromEnv } from '../../accel/select.ts';
import { runDemo } from '../../train/demo.ts';

const flags: Record<string, FlagSpec> = {
  out: { kind: 'string', help: 'output directory', default: 'runs/demo' },
  steps: { kind: 'number', help: 'training steps', default: 2500 },
  seed: { kind: 'number', help: 'random seed', default: 0 },
  backend: { kind: 'string', help: 'kernels: wasm (WebAssembly SIMD matmul, the fastest here) or cpu (pure TypeScript, the reference)', default: 'wasm' },
};

export const demoCommand: Command = {
  name: 'demo',
  summary: 'pretrain a small BERT on the built-in generated corpus, then fill in [MASK]s',
  usage: 'bert demo [--out DIR] [--steps N] [--seed N]',
  flags,
  async run(argv) {
    const { flags: f } = parseArgs(argv, flags);
    const backend = await selectBackendFromEnv({ ...process.env, BERT_BACKEND: f.backend as string });
    console.log(`Kernels: the ${backend} backend (--backend cpu for the pure-TypeScript reference).`);
    await runDemo({ out: f.out as string, steps: f.steps as number, seed: f.seed as number });
    return 0;
  },
};
