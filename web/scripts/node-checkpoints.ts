/**
 * The two model folders the browser test loads into the page, made here with the project's own API, and
 * Node's raw logits for them, printed as JSON (the test compares the page's with these):
 *
 *   OUT/pretrained  a BertForPreTraining: the playground's session trained for 2 steps, written by
 *                   savePretrained (config.json, model.safetensors) with its vocab.txt;
 *   OUT/finetuned   `bert finetune`'s output: finetune() on a small sentence-pair task (are the two
 *                   sentences from the same generated story?) from OUT/pretrained, one epoch of 60 pairs
 *                   (8 steps: a barely trained classifier, enough to compare numbers).
 *
 * Node reads them back as the CLI does (loadMaskedLM for fill-mask, loadTaskModel for predict), on the cpu
 * and the wasm kernels, with one thread: the masked-LM logits of PROMPT and the classifier logits of PAIR.
 *
 *   npx tsx web/scripts/node-checkpoints.ts OUT
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setCpuThreads } from '../../src/accel/cpu/threads.ts';
import { generateSyntheticDocuments } from '../../src/data/synthetic-corpus.ts';
import { savePretrained } from '../../src/hf/pretrained.ts';
import { Rng } from '../../src/tensor/random.ts';
import { loadTaskModel } from '../../src/train/evaluate-task.ts';
import { loadMaskedLM } from '../../src/train/fill-mask.ts';
import { finetune } from '../../src/train/finetune.ts';
import { rawLogits } from '../src/classifier.ts';
import { PretrainSession, SESSION_BACKENDS, useBackend } from '../src/session.ts';

export const PROMPT = 'the cow likes to eat [MASK] .';
export const PAIR = ['the bee lives in the hive .', 'after that the bee went back to the hive .'] as const;

const out = process.argv[2];
if (!out) {
  console.error('usage: node-checkpoints.ts OUT (a folder for the pretrained/ and finetuned/ model folders)');
  process.exit(1);
}
setCpuThreads(1);
mkdirSync(out, { recursive: true });

// The pretrained model: the playground's own run, short.
const session = PretrainSession.create({ seed: 0, documents: 300, batch: 8, backend: 'cpu' });
for (let i = 0; i < 2; i++) session.trainOne();
const pretrained = join(out, 'pretrained');
await savePretrained(session.model, pretrained, { extraFiles: { 'vocab.txt': session.tokenizer.vocab.toText() } });

// A pair task from generated stories: sentence 2 comes from the same story ("same story") or another one.
const docs = generateSyntheticDocuments({ documents: 80, seed: 7 });
const rng = new Rng('pairs');
const rows = ['sentence1\tsentence2\tlabel'];
for (let i = 0; i < docs.length; i++) {
  const doc = docs[i]!;
  const same = rng.next() < 0.5;
  const other = docs[(i + 1 + Math.floor(rng.next() * (docs.length - 1))) % docs.length]!;
  const b = same ? doc[doc.length - 1]! : other[other.length - 1]!;
  rows.push(`${doc[0]}\t${b}\t${same ? 'same story' : 'other story'}`);
}
const data = join(out, 'data');
mkdirSync(data, { recursive: true });
writeFileSync(join(data, 'train.tsv'), rows.slice(0, 61).join('\n') + '\n');
writeFileSync(join(data, 'dev.tsv'), [rows[0], ...rows.slice(61)].join('\n') + '\n');
const finetuned = join(out, 'finetuned');
await finetune({
  task: 'classification',
  init: pretrained,
  train: join(data, 'train.tsv'),
  dev: join(data, 'dev.tsv'),
  out: finetuned,
  epochs: 1,
  batch: 8,
  lr: 1e-3,
  maxLength: 32,
  seed: 0,
  progressStream: null,
});

const result: Record<string, unknown> = { prompt: PROMPT, pair: PAIR, pretrained, finetuned, logits: {} };
for (const backend of SESSION_BACKENDS) {
  useBackend(backend); // as the page's loader does: the backend, and TypeScript-only kernels for 'cpu'
  const mlm = loadMaskedLM(pretrained);
  const cls = loadTaskModel(finetuned);
  (result.logits as Record<string, unknown>)[backend] = {
    pretrained: rawLogits(mlm.model, mlm.tokenizer, PROMPT),
    finetuned: rawLogits(cls.model, cls.tokenizer, PAIR[0], PAIR[1]),
    labels: cls.labels?.labels,
  };
}
console.log(JSON.stringify(result));
