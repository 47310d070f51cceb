// What a user of the installed package does, in plain JavaScript: test/package/package.test.ts copies this
// file into an empty project where the packed tarball was installed with npm, and runs it with plain `node`
// (no tsx). It prints one JSON line of facts for the test to check.
//
// BERT-Tiny: a WordPiece pair -> forward -> backward -> one AdamW step; the step's products are big enough to
// go to the cpu backend's worker threads, which must then have started from the compiled dist/ files; then
// savePretrained / loadPretrained, and the reloaded model must give the same logits. The cpu backend's
// default product is the WebAssembly kernel (its workers need no file); the steps here run the TypeScript
// product, whose workers start from dist/accel/cpu/cpu-worker.js.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AdamW,
  BertConfig,
  BertForPreTraining,
  BertTokenizer,
  getCpuMatmul,
  Vocab,
  lastThreadedMatmulStats,
  loadPretrained,
  noGrad,
  savePretrained,
  setCpuMatmul,
  setCpuThreads,
  stopWorkers,
  tensor,
} from 'bert-ts';

// The worker path must be taken even on a one-core machine: two threads, the main one and a worker.
setCpuThreads(2);
// The default product (the wasm kernel, compiled from the module embedded in dist/), then the TypeScript one.
const defaultMatmul = getCpuMatmul();
setCpuMatmul('typescript');

// A WordPiece vocabulary from a few words: "dogs" is split as dog ##s.
const vocab = new Vocab(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'the', 'cat', 'sat', 'on', 'mat', 'dog', 'ran', '##s', '.']);
const tokenizer = new BertTokenizer(vocab);
const S = 16;
const enc = tokenizer.encode('The cat sat on the mat.', 'The dogs ran.', { maxLength: S, padding: 'max_length' });

// A batch of 4 copies of the pair: 64 rows, so the feed-forward products (64 x 128 x 512) are split over threads.
const B = 4;
const repeat = (row) => Array.from({ length: B }, () => row);
const inputs = {
  inputIds: tensor(repeat(enc.inputIds), { dtype: 'int32' }),
  tokenTypeIds: tensor(repeat(enc.tokenTypeIds), { dtype: 'int32' }),
  attentionMask: tensor(repeat(enc.attentionMask), { dtype: 'int32' }),
};
// Masked LM labels: predict "cat" (position 2) and "dog" (the first token of "dogs"); -100 elsewhere.
const labelRow = enc.inputIds.map((id, i) => (enc.tokens[i] === 'cat' || enc.tokens[i] === 'dog' ? id : -100));
const training = { ...inputs, labels: tensor(repeat(labelRow), { dtype: 'int32' }), nextSentenceLabel: tensor(Array(B).fill(0), { dtype: 'int32' }) };

const config = BertConfig.preset('tiny', { vocabSize: vocab.size, maxPositionEmbeddings: 64 });
const model = new BertForPreTraining(config, { seed: 1 });
const named = model.namedParameters();
const optimizer = new AdamW(named, { lr: 1e-3 });

// Forward + backward + AdamW, repeated until a step's products were computed partly by a worker: the workers
// boot in the background, and the first steps may run on the main thread alone.
const losses = [];
let byWorkers = 0;
let gradsFinite = true;
let gradsNonZero = 0;
for (let step = 0; step < 50 && (step < 3 || byWorkers === 0); step++) {
  const out = model.forward(training);
  losses.push(out.loss.item());
  out.loss.backward();
  if (step === 0) {
    for (const [, p] of named) {
      const g = p.grad.data;
      if (!g.every(Number.isFinite)) gradsFinite = false;
      if (g.some((v) => v !== 0)) gradsNonZero++;
    }
  }
  optimizer.step();
  optimizer.zeroGrad();
  byWorkers = lastThreadedMatmulStats()?.byWorkers ?? 0;
  if (byWorkers === 0) await new Promise((r) => setTimeout(r, 100));
}

// Save, load back, compare the logits in eval mode (no dropout).
const dir = mkdtempSync(join(tmpdir(), 'bert-ts-consumer-'));
await savePretrained(model, dir);
const loaded = loadPretrained(dir);
model.eval();
loaded.eval();
const [a, b] = noGrad(() => [model.forward(inputs), loaded.forward(inputs)]);
let maxDiff = 0;
for (const key of ['predictionLogits', 'seqRelationshipLogits']) {
  const x = a[key].data,
    y = b[key].data;
  for (let i = 0; i < x.length; i++) maxDiff = Math.max(maxDiff, Math.abs(x[i] - y[i]));
}
const files = readdirSync(dir).sort();
rmSync(dir, { recursive: true, force: true });
await stopWorkers();

console.log(
  JSON.stringify({
    tokens: enc.tokens,
    parameters: model.numParameters(),
    losses,
    gradsFinite,
    gradsNonZero,
    parameterCount: named.length,
    byWorkers,
    defaultMatmul,
    files,
    loadedArchitecture: loaded.architecture,
    logitsShape: b.predictionLogits.shape,
    maxDiff,
  }),
);
