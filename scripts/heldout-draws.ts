/**
 * Held-out masked-LM / NSP accuracy of pretrained models over several draws of held-out instances.
 *
 * `bert pretrain --eval-corpus` evaluates on one draw of instances from the held-out documents (seeded by
 * the run's seed: targets, sentence splits, random partners and masks). With ~800 instances (~7,700
 * masked tokens) the draw itself moves MLM accuracy by up to 1-2 points (measured below), so comparing two
 * runs, or a run with a reference figure, on single draws mixes model and draw. This script evaluates each
 * model on draws 0..N-1 (the draws `--seed 0..N-1` runs would use) and prints each draw's accuracies and the
 * pooled ones (all draws' masked tokens and pairs together).
 *
 *   npx tsx scripts/heldout-draws.ts --heldout runs/kjv/kjv-heldout.txt [--draws 6] [--seq-len 64]
 *     [--max-predictions 10] [--short-seq-prob 0.1] [--cased] MODEL_DIR...
 *
 * MODEL_DIR: a `bert pretrain` output or checkpoint directory (config.json, model.safetensors, vocab.txt).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { selectBackendFromEnv } from '../src/accel/select.ts';
import type { BertForPreTraining } from '../src/bert/pretraining.ts';
import { loadPretrained } from '../src/hf/pretrained.ts';
import { readCorpusDocuments } from '../src/data/corpus.ts';
import { createMaskingVocab } from '../src/data/masking.ts';
import { collatePretrainingBatch, type PretrainingBatch } from '../src/data/pretraining-batches.ts';
import { createPretrainingInstances, tokenizeCorpus } from '../src/data/pretraining-instances.ts';
import { Rng } from '../src/tensor/random.ts';
import { BertTokenizer } from '../src/tokenizer/index.ts';
import { Vocab } from '../src/tokenizer/vocab.ts';
import { evaluatePretraining } from '../src/train/pretrain.ts';

const argv = process.argv.slice(2);
const opts = { heldout: '', draws: 6, seqLen: 64, maxPredictions: 10, shortSeqProb: 0.1, cased: false };
const models: string[] = [];
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const value = () => {
    const v = argv[++i];
    if (v === undefined) throw new Error(`${a} needs a value`);
    return v;
  };
  if (a === '--heldout') opts.heldout = value();
  else if (a === '--draws') opts.draws = Number(value());
  else if (a === '--seq-len') opts.seqLen = Number(value());
  else if (a === '--max-predictions') opts.maxPredictions = Number(value());
  else if (a === '--short-seq-prob') opts.shortSeqProb = Number(value());
  else if (a === '--cased') opts.cased = true;
  else if (a.startsWith('--')) throw new Error(`unknown flag ${a}; expected --heldout, --draws, --seq-len, --max-predictions, --short-seq-prob, --cased`);
  else models.push(a);
}
if (!opts.heldout || models.length === 0) {
  console.error(
    'usage: npx tsx scripts/heldout-draws.ts --heldout FILE [--draws N] [--seq-len N] [--max-predictions N] [--short-seq-prob P] [--cased] MODEL_DIR...',
  );
  process.exit(2);
}
if (!(Number.isInteger(opts.draws) && opts.draws >= 1)) throw new Error(`--draws must be a positive integer, got ${opts.draws}`);
await selectBackendFromEnv({ BERT_BACKEND: process.env.BERT_BACKEND ?? 'wasm' });

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
const docs = await readCorpusDocuments([opts.heldout]);
for (const dir of models) {
  const vocab = Vocab.fromText(readFileSync(join(dir, 'vocab.txt'), 'utf8'), undefined, join(dir, 'vocab.txt'));
  const tokenizer = new BertTokenizer(vocab, { lowercase: !opts.cased });
  const maskingVocab = createMaskingVocab(Array.from({ length: vocab.size }, (_, i) => vocab.idToToken(i)));
  const tokenized = await tokenizeCorpus(docs, tokenizer);
  const model = loadPretrained(dir) as unknown as BertForPreTraining;
  const collate = { maxSeqLength: opts.seqLen, maxPredictionsPerSeq: opts.maxPredictions, padId: maskingVocab.padId };
  const all: PretrainingBatch[] = [];
  console.log(`${dir}:`);
  for (let draw = 0; draw < opts.draws; draw++) {
    // The same construction and generator as bert pretrain's held-out set for --seed `draw`.
    const instances = createPretrainingInstances(
      tokenized,
      maskingVocab,
      { maxSeqLength: opts.seqLen, shortSeqProb: opts.shortSeqProb, maskedLmProb: 0.15, maxPredictionsPerSeq: opts.maxPredictions, dupeFactor: 1 },
      new Rng(`${draw}:eval`),
    );
    const batches: PretrainingBatch[] = [];
    for (let i = 0; i < instances.length; i += 32) batches.push(collatePretrainingBatch(instances.slice(i, i + 32), collate));
    all.push(...batches);
    const r = evaluatePretraining(model, batches);
    console.log(`  draw ${draw}: MLM ${pct(r.mlmAccuracy)} (loss ${r.mlmLoss.toFixed(3)}) | NSP ${pct(r.nspAccuracy)} | ${r.instances} instances`);
  }
  const pooled = evaluatePretraining(model, all);
  console.log(`  pooled:  MLM ${pct(pooled.mlmAccuracy)} (loss ${pooled.mlmLoss.toFixed(3)}) | NSP ${pct(pooled.nspAccuracy)} | ${pooled.instances} instances`);
}
