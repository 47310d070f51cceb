import { parseArgs, RANGES, UsageError, type FlagSpec } from '../args.ts';
import type { Command } from '../command.ts';
import { withRunDirectory } from '../run-dir.ts';
import { selectBackendFromEnv } from '../../accel/select.ts';
import { DEMO_LANGUAGES, runDemo, type DemoLanguageCode } from '../../train/demo.ts';

const flags: Record<string, FlagSpec> = {
  out: { kind: 'string', path: 'out-dir', help: 'output directory, locked while the demo runs (default runs/demo, runs/demo-es with --lang es)' },
  steps: { kind: 'number', range: RANGES.count, help: 'training steps (default 2500, 2000 with --lang es)' },
  seed: { kind: 'number', range: RANGES.seed, help: 'random seed', default: 0 },
  lang: { kind: 'string', help: 'language of the stories and messages: en or es (Spanish)', default: 'en' },
  backend: {
    kind: 'string',
    help: 'kernels: wasm or cpu (both multiply in WebAssembly SIMD; with BERT_CPU_MATMUL=typescript, cpu multiplies in pure TypeScript)',
    default: 'wasm',
  },
};

export const demoCommand: Command = {
  name: 'demo',
  summary: 'pretrain a small BERT on the built-in generated corpus (English or Spanish), then fill in [MASK]s',
  usage: 'bert demo [--lang en|es] [--out DIR] [--steps N] [--seed N]',
  flags,
  async run(argv) {
    const { flags: f } = parseArgs(argv, flags, { positionals: { max: 0 } });
    const lang = f.lang as string;
    if (!(lang in DEMO_LANGUAGES)) throw new UsageError(`--lang expects one of: ${Object.keys(DEMO_LANGUAGES).join(', ')}; got "${lang}"`);
    const backend = await selectBackendFromEnv({ ...process.env, BERT_BACKEND: f.backend as string });
    console.log(
      lang === 'es'
        ? `Kernels: el backend ${backend} (--backend cpu con BERT_CPU_MATMUL=typescript multiplica en TypeScript puro).`
        : `Kernels: the ${backend} backend (--backend cpu with BERT_CPU_MATMUL=typescript multiplies in pure TypeScript).`,
    );
    const out = (f.out as string | undefined) ?? DEMO_LANGUAGES[lang as DemoLanguageCode].out;
    await withRunDirectory(out, () => runDemo({ out, steps: f.steps as number | undefined, seed: f.seed as number, lang: lang as DemoLanguageCode }));
    return 0;
  },
};
