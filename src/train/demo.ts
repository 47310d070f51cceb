/**
 * The built-in demo (`npm run demo`, or `npm run demo -- --lang es` in Spanish): pretrain a tiny BERT on the
 * project's own synthetic corpus (src/data/synthetic-corpus.ts, synthetic-corpus-es.ts), evaluate masked-LM
 * and next-sentence accuracy on held-out stories as it goes, and finish with fill-mask predictions a reader
 * can judge. The two languages share the flow, the model and the training settings; a DemoLanguage holds
 * what differs (the stories, the casing, the prompts and the words printed).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.ts';
import { generateSyntheticCorpus, type SyntheticCorpusOptions } from '../data/synthetic-corpus.ts';
import { DEMO_ES } from './demo-es.ts';
import { fillMask, formatFillMask, loadMaskedLM, type MaskPrediction } from './fill-mask.ts';
import { pretrain, type PretrainResult } from './pretrain.ts';
import { DEMO_CONFIG } from './demo-config.ts';

export { DEMO_CONFIG } from './demo-config.ts';

export interface DemoOptions {
  /** Output directory. Default runs/demo (runs/demo-es in Spanish). */
  out?: string;
  /** Training steps. Default: the language's (2500 in English, 2000 in Spanish: about 3 minutes on 2 quiet cores with the wasm backend). */
  steps?: number;
  /** Documents in the training corpus. */
  documents?: number;
  seed?: number;
  /** Sequences per step. Default 32. */
  batch?: number;
  /** Language of the stories and of the messages: 'en' (default) or 'es'. */
  lang?: DemoLanguageCode;
  /** Where to print (default stdout); progress goes to stderr. */
  print?: (line: string) => void;
  progressStream?: NodeJS.WritableStream | null;
}

/** Everything that differs between the English and the Spanish demo. */
export interface DemoLanguage {
  /** Default output directory. */
  out: string;
  /** Default training steps: enough for the first candidates to be the stories' facts. */
  steps: number;
  /** The stories, in the google-research/bert corpus format. */
  corpus: (opts: SyntheticCorpusOptions) => string;
  /** Lowercase and strip accents (uncased) or keep both (cased). */
  lowercase: boolean;
  /** Masked sentences whose answers follow from the stories' facts. */
  prompts: string[];
  /** Lines printed before training. */
  intro: (documents: number, trainPath: string) => string[];
  trained: (steps: number, seconds: number, tokensPerSecond: number) => string;
  heldOut: (mlmAccuracy: number, nspAccuracy: number) => string;
  files: (out: string) => string;
  fillsIn: string;
  /** Lines printed under a prompt's candidates (none in English). */
  afterPrompt?: (promptIndex: number, predictions: MaskPrediction[]) => string[];
  /** Lines printed at the end. */
  closing: (out: string, predictions: MaskPrediction[][]) => string[];
}

export type DemoLanguageCode = 'en' | 'es';

/** Masked sentences whose answers follow from the stories' facts. */
export const DEMO_PROMPTS = [
  'the cow likes to eat [MASK] .',
  'the owl is most awake at [MASK] .',
  'a yellow duck lived in the [MASK] .',
  'the bear lives in the mountain . the bear likes to eat [MASK] .',
  'you can hear the frog when it [MASK] .',
];

const DEMO_EN: DemoLanguage = {
  out: 'runs/demo',
  steps: 2500,
  corpus: generateSyntheticCorpus,
  lowercase: true,
  prompts: DEMO_PROMPTS,
  intro: (documents, trainPath) => [
    `Demo: pretraining a small BERT (2 layers, hidden 64, sequences of 32 tokens) on ${documents} generated animal stories (${trainPath}).`,
    'Masked LM learns which words fit; next-sentence prediction learns whether sentence B continues sentence A.',
    'Chance is about 1/vocab for masked LM and 50% for next-sentence prediction.\n',
  ],
  trained: (steps, seconds, tps) => `\nTrained ${steps} steps in ${seconds.toFixed(0)} s (${Math.round(tps)} tokens/s).`,
  heldOut: (mlm, nsp) => `Held-out masked-LM accuracy ${(100 * mlm).toFixed(1)}%, next-sentence accuracy ${(100 * nsp).toFixed(1)}%.`,
  files: (out) => `Curves: ${join(out, 'curves.svg')}   metrics: ${join(out, 'metrics.jsonl')}   model: ${out}\n`,
  fillsIn: 'What the model fills in:',
  closing: (out) => [
    '\nLook for two things in the candidates: the kind of word each slot takes (a food after "likes to eat", a',
    'time after "awake at", a home after "lived in the"), learned early, and whether the top one is the animal\'s',
    'own fact in the stories (cow: grass, owl: night, duck: pond, bear: honey, frog: croaks), learned later.',
    'Chance is 1 in 400 for masked LM and 1 in 2 for next-sentence prediction.',
    `\nTry your own: npx bert fill-mask --model ${out} "the wolf likes to eat [MASK] ."`,
  ],
};

/** The demos by language code. */
export const DEMO_LANGUAGES: Record<DemoLanguageCode, DemoLanguage> = { en: DEMO_EN, es: DEMO_ES };

export async function runDemo(opts: DemoOptions = {}): Promise<PretrainResult> {
  const lang = DEMO_LANGUAGES[opts.lang ?? 'en'];
  if (!lang) throw new Error(`demo: unknown language "${opts.lang}"; expected one of: ${Object.keys(DEMO_LANGUAGES).join(', ')}`);
  const print = opts.print ?? ((l: string) => console.log(l));
  const out = opts.out ?? lang.out;
  const seed = opts.seed ?? 0;
  const documents = opts.documents ?? 1500;
  mkdirSync(out, { recursive: true });
  const trainPath = join(out, 'corpus-train.txt');
  const evalPath = join(out, 'corpus-eval.txt');
  const configPath = join(out, 'demo-config.json');
  await writeFileAtomic(trainPath, lang.corpus({ documents, seed: 1000 + seed }));
  await writeFileAtomic(evalPath, lang.corpus({ documents: 150, seed: 2000 + seed }));
  await writeFileAtomic(configPath, JSON.stringify(DEMO_CONFIG, null, 2) + '\n');
  for (const line of lang.intro(documents, trainPath)) print(line);

  const steps = opts.steps ?? lang.steps;
  const result = await pretrain({
    corpus: [trainPath],
    evalCorpus: [evalPath],
    vocabSize: 400,
    model: configPath,
    seqLen: 32,
    batch: opts.batch ?? 32,
    steps,
    lr: 5e-3,
    warmup: Math.round(steps / 10),
    // Six evaluations; ceil so that the last one lands on the final step rather than just before it.
    evalEvery: Math.max(1, Math.ceil(steps / 6)),
    evalInstances: 256,
    saveEvery: steps,
    lowercase: lang.lowercase,
    out,
    seed,
    progressStream: opts.progressStream,
  });

  const e = result.lastEval;
  print(lang.trained(result.steps, result.seconds, result.tokensPerSecond));
  if (e) print(lang.heldOut(e.mlmAccuracy, e.nspAccuracy));
  print(lang.files(out));
  print(lang.fillsIn);
  const { model, tokenizer } = loadMaskedLM(out, lang.lowercase);
  const predictions = lang.prompts.map((prompt, i) => {
    const p = fillMask(model, tokenizer, prompt, 3);
    print(formatFillMask(prompt, p));
    for (const line of lang.afterPrompt?.(i, p) ?? []) print(line);
    return p;
  });
  for (const line of lang.closing(out, predictions)) print(line);
  return result;
}
