/**
 * Lesson 4: what BERT pretrains on, and a few steps of it.
 *
 *   npx tsx examples/04-pretraining.ts
 *
 * 1. Generate a small corpus (the project's own animal stories), train a WordPiece vocabulary on it.
 * 2. Build pretraining instances as google-research/bert's create_pretraining_data does: sentence pairs
 *    [CLS] A [SEP] B [SEP] where B is the true next text or (half the time) text from another story, and
 *    15% of the tokens chosen for prediction (80% replaced by [MASK], 10% by a random token, 10% kept).
 * 3. Print one instance so you can see exactly what the model is asked.
 * 4. Train a tiny BertForPreTraining for a few dozen steps and watch both losses fall.
 * `npm run demo` (src/train/demo.ts) does the full version with evaluation, checkpoints and curves.
 */
import {
  AdamW,
  BertConfig,
  BertForPreTraining,
  BertTokenizer,
  PretrainingBatchStream,
  Rng,
  Vocab,
  batchToInputs,
  trainStep,
  createMaskingVocab,
  createPretrainingInstances,
  generateSyntheticDocuments,
  linearWarmupDecay,
  tokenizeDocument,
  trainWordPiece,
} from '../src/index.ts';

// 1. Text and vocabulary. Documents are lists of sentences; a WordPiece vocabulary is learned from them.
const documents = generateSyntheticDocuments({ documents: 400, seed: 7 });
const tokens = trainWordPiece({ texts: documents.map((d) => d.join('\n')), vocabSize: 300 });
const vocab = new Vocab(tokens);
const tokenizer = new BertTokenizer(vocab);
console.log(`corpus: ${documents.length} stories, e.g. "${documents[0].slice(0, 2).join(' ')}"`);
console.log(`vocabulary: ${vocab.size} WordPiece tokens\n`);

// 2. Instances. Every sentence becomes token ids; pairs and masks are drawn from a seeded generator.
const tokenized = documents.map((d) => tokenizeDocument(d, tokenizer));
const maskingVocab = createMaskingVocab(tokens);
const options = { maxSeqLength: 32, shortSeqProb: 0.1, maskedLmProb: 0.15, maxPredictionsPerSeq: 5, dupeFactor: 2 };
const instances = createPretrainingInstances(tokenized, maskingVocab, options, new Rng('instances'));
console.log(`${instances.length} instances of at most ${options.maxSeqLength} tokens\n`);

// 3. One instance, token by token: the model sees `input`; it must predict the original token wherever a
//    position was chosen, and whether segment B really follows segment A.
const example = instances[3];
const shown = Array.from(example.ids, (id, i) => {
  const k = example.maskedPositions.indexOf(i);
  const original = k >= 0 ? vocab.idToToken(example.maskedLabels[k]) : '';
  return `${vocab.idToToken(id)}${k >= 0 ? `(->${original})` : ''}/${example.segmentIds[i]}`;
});
console.log('one instance (token(->original to predict)/segment id):');
console.log(' ', shown.join(' '));
console.log(`  next-sentence label: ${example.isRandomNext ? '1 (B is from another story)' : '0 (B continues A)'}\n`);

// 4. A tiny BERT and a few AdamW steps with warmup, clipping, and the MLM head only at masked positions.
const config = new BertConfig({
  vocabSize: vocab.size,
  hiddenSize: 64,
  numHiddenLayers: 2,
  numAttentionHeads: 2,
  intermediateSize: 128,
  maxPositionEmbeddings: 64,
  hiddenDropoutProb: 0,
  attentionProbsDropoutProb: 0,
});
const model = new BertForPreTraining(config, { seed: 1 });
const named = model.namedParameters();
const optimizer = new AdamW(named, { lr: 5e-3 });
const stream = new PretrainingBatchStream(
  { kind: 'static', instances },
  { maxSeqLength: 32, maxPredictionsPerSeq: 5, padId: maskingVocab.padId, batchSize: 32 },
  new Rng('order'),
);
const steps = 60;
console.log(
  `training ${model.numParameters()} parameters for ${steps} steps (chance: MLM loss ln ${vocab.size} = ${Math.log(vocab.size).toFixed(2)}, NSP loss ln 2 = 0.69)`,
);
const params = named.map(([, p]) => p);
for (let step = 0; step < steps; step++) {
  const inputs = batchToInputs(stream.nextBatch());
  const out = model.forward(inputs);
  // backward of the loss, clip the gradients' norm to 1, AdamW at the schedule's rate (src/optim/train-step.ts)
  trainStep(() => out.loss!, { params, optimizer, lr: 5e-3 * linearWarmupDecay(step, 6, steps), clip: 1.0 });
  if (step % 10 === 0 || step === steps - 1) {
    console.log(`  step ${String(step + 1).padStart(2)}: MLM loss ${out.mlmLoss!.item().toFixed(3)}  NSP loss ${out.nspLoss!.item().toFixed(3)}`);
  }
}
console.log('\nThe MLM loss falls first (the frequent words), the NSP loss later. `npm run demo` trains longer and evaluates on held-out stories.');
