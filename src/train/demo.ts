/**
 * The built-in demo (`npm run demo`): pretrain a tiny BERT on the project's own synthetic corpus
 * (src/data/synthetic-corpus.ts), evaluate masked-LM and next-sentence accuracy on held-out stories as it
 * goes, and finish with fill-mask predictions a reader can judge.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.ts';
import { generateSyntheticCorpus } from '../data/synthetic-corpus.ts';
import { fillMask, formatFillMask, loadMaskedLM } from './fill-mask.ts';
import { pretrain, type PretrainResult } from './pretrain.ts';

export interface DemoOptions {
  /** Output directory. Default runs/demo. */
  out?: string;
  /** Training steps. Default 2500 (about 3 minutes on 2 quiet cores with the wasm backend). */
  steps?: number;
  /** Documents in the training corpus. */
  documents?: number;
  seed?: number;
  /** Sequences per step. Default 32. */
  batch?: number;
  /** Where to print (default stdout); progress goes to stderr. */
  print?: (line: string) => void;
  progressStream?: NodeJS.WritableStream | null;
}

/** Masked sentences whose answers follow from the stories' facts. */
export const DEMO_PROMPTS = [
  'the cow likes to eat [MASK] .',
  'the owl is most awake at [MASK] .',
  'a yellow duck lived in the [MASK] .',
  'the bear lives in the mountain . the bear likes to eat [MASK] .',
  'you can hear the frog when it [MASK] .',
];

/** The demo model: BERT-Tiny's depth with a narrower hidden size, so it trains in minutes on 2 cores. */
export const DEMO_CONFIG = {
  hidden_size: 64,
  num_hidden_layers: 2,
  num_attention_heads: 2,
  intermediate_size: 256,
  max_position_embeddings: 128,
  type_vocab_size: 2,
  vocab_size: 512,
  hidden_act: 'gelu',
  // No dropout: the demo trains for a few minutes on a generated corpus it never exhausts, so regularising
  // would only slow down what the reader is waiting to see. Real pretraining keeps BERT's 0.1.
  hidden_dropout_prob: 0,
  attention_probs_dropout_prob: 0,
  initializer_range: 0.02,
  layer_norm_eps: 1e-12,
  model_type: 'bert',
};

export async function runDemo(opts: DemoOptions = {}): Promise<PretrainResult> {
  const print = opts.print ?? ((l: string) => console.log(l));
  const out = opts.out ?? join('runs', 'demo');
  const seed = opts.seed ?? 0;
  mkdirSync(out, { recursive: true });
  const trainPath = join(out, 'corpus-train.txt');
  const evalPath = join(out, 'corpus-eval.txt');
  const configPath = join(out, 'demo-config.json');
  await writeFileAtomic(trainPath, generateSyntheticCorpus({ documents: opts.documents ?? 1500, seed: 1000 + seed }));
  await writeFileAtomic(evalPath, generateSyntheticCorpus({ documents: 150, seed: 2000 + seed }));
  await writeFileAtomic(configPath, JSON.stringify(DEMO_CONFIG, null, 2) + '\n');
  print(`Demo: pretraining a small BERT (2 layers, hidden 64, sequences of 32 tokens) on ${opts.documents ?? 1500} generated animal stories (${trainPath}).`);
  print('Masked LM learns which words fit; next-sentence prediction learns whether sentence B continues sentence A.');
  print('Chance is about 1/vocab for masked LM and 50% for next-sentence prediction.\n');

  const steps = opts.steps ?? 2500;
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
    evalEvery: Math.max(1, Math.round(steps / 6)),
    evalInstances: 256,
    saveEvery: steps,
    out,
    seed,
    progressStream: opts.progressStream,
  });

  const e = result.lastEval;
  print(`\nTrained ${result.steps} steps in ${result.seconds.toFixed(0)} s (${Math.round(result.tokensPerSecond)} tokens/s).`);
  if (e) print(`Held-out masked-LM accuracy ${(100 * e.mlmAccuracy).toFixed(1)}%, next-sentence accuracy ${(100 * e.nspAccuracy).toFixed(1)}%.`);
  print(`Curves: ${join(out, 'curves.svg')}   metrics: ${join(out, 'metrics.jsonl')}   model: ${out}\n`);
  print('What the model fills in:');
  const { model, tokenizer } = loadMaskedLM(out);
  for (const prompt of DEMO_PROMPTS) print(formatFillMask(prompt, fillMask(model, tokenizer, prompt, 3)));
  print('\nLook for two things in the candidates: the kind of word each slot takes (a food after "likes to eat", a');
  print('time after "awake at", a home after "lived in the"), learned early, and whether the top one is the animal\'s');
  print('own fact in the stories (cow: grass, owl: night, duck: pond, bear: honey, frog: croaks), learned later.');
  print('Chance is 1 in 400 for masked LM and 1 in 2 for next-sentence prediction.');
  print(`\nTry your own: npx bert fill-mask --model ${out} "the wolf likes to eat [MASK] ."`);
  return result;
}
