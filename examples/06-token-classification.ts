/**
 * Lesson 6: fine-tuning BERT for token classification (named entities).
 *
 *   npx tsx examples/06-token-classification.ts                 a small BERT from random weights (under a minute)
 *   npx tsx examples/06-token-classification.ts --init DIR      start from a pretrained checkpoint instead
 *   npx tsx examples/06-token-classification.ts --quick         the same lesson on less data, in about 10 seconds
 *                                                               (what test/examples/lessons.test.ts runs)
 *
 * What you will see:
 *   1. the data: generated sentences in CoNLL format with BIO tags for people (PER), places (LOC) and
 *      animals (ANIMAL); names may have a surname and places two words, so B- and I- tags both occur;
 *   2. how words become tokens and labels: each word is tokenized on its own, its tag goes on its FIRST word
 *      piece, and every other piece, [CLS] and [SEP] get -100, which the loss ignores;
 *   3. fine-tuning: a linear layer over every token's final hidden state (no [CLS], no pooler);
 *   4. entity-level precision / recall / F1 on the test set (an entity counts only when its type and both of
 *      its ends are right), per type, as conlleval and seqeval report it;
 *   5. tags predicted for new sentences given as plain text.
 *
 * The same run on the command line:
 *   bert finetune --task token-classification --init DIR --train train.conll --dev dev.conll --test test.conll --out OUT
 * Read alongside: docs/fine-tuning.md, src/data/tasks/conll.ts, src/metrics/entities.ts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BertConfig,
  BertTokenizer,
  LabelSet,
  encodeTokenClassification,
  evaluateTaskModel,
  finetune,
  loadTaskModel,
  parseConll,
  predictTaskModel,
  writeSyntheticTask,
} from '../src/index.ts';

const args = process.argv.slice(2);
const initDir = args.includes('--init') ? args[args.indexOf('--init') + 1] : undefined;
// --quick: 300 training sentences in batches of 8, 2 epochs (76 steps): enough for the tags of these regular sentences.
const quick = args.includes('--quick');
const out = join('runs', 'examples', quick ? '06-token-classification-quick' : '06-token-classification');
const sizes = quick ? { train: 300, dev: 100, test: 100 } : { train: 1000, dev: 200, test: 200 };

// ---------------------------------------------------------------------------------------------------------
// 1. Data.
// ---------------------------------------------------------------------------------------------------------
const files = writeSyntheticTask('token-classification', join(out, 'data'), sizes);
const text = readFileSync(files.train, 'utf8');
console.log(`1. Data (${files.train}, CoNLL: one "word TAG" per line, a blank line between sentences)\n`);
console.log(text.split('\n\n')[0].replace(/^/gm, '   ').replace(/\t/g, '  '));
console.log(`   ... ${sizes.train} training, ${sizes.dev} dev and ${sizes.test} test sentences\n`);

// ---------------------------------------------------------------------------------------------------------
// 2. Words -> word pieces, labels on the first piece only.
// ---------------------------------------------------------------------------------------------------------
const vocabFile = initDir ? join(initDir, 'vocab.txt') : files.vocab;
const tokenizer = BertTokenizer.fromFile(vocabFile);
const sentences = parseConll(text, files.train);
const labels = LabelSet.fromValues(sentences.flatMap((s) => s.tags));
const person = sentences.find((s) => s.tags[0] === 'B-PER' && s.tags[1] !== 'I-PER')!;
const demo = { ...person, words: ['maxie', ...person.words.slice(1)] };
const [f] = encodeTokenClassification(tokenizer, [demo], labels, { maxLength: 32 });
console.log(`2. Labels: ${labels.labels.join(', ')} (sorted; id = position)`);
console.log('   One sentence as the model sees it (a made-up first name shows a word split into pieces):');
const tokens = tokenizer.convertIdsToTokens(f.inputIds);
console.log('   ' + tokens.map((t, i) => `${t}/${f.labels[i] === -100 ? '-100' : labels.name(f.labels[i])}`).join(' ') + '\n');

// ---------------------------------------------------------------------------------------------------------
// 3. Fine-tune.
// ---------------------------------------------------------------------------------------------------------
// From random weights a small model learns much faster when the weights start larger than BERT's usual
// 0.02 (initializer_range): see docs/fine-tuning.md, "Training from scratch".
const scratch = new BertConfig({
  hiddenSize: 64,
  numHiddenLayers: 2,
  numAttentionHeads: 2,
  intermediateSize: 256,
  maxPositionEmbeddings: 64,
  initializerRange: 0.1,
});
console.log(initDir ? `3. Fine-tuning the pretrained model in ${initDir}\n` : '3. Fine-tuning a small BERT (2 layers, hidden 64) from random weights\n');
const result = await finetune({
  task: 'token-classification',
  init: initDir ?? scratch,
  vocab: initDir ? undefined : files.vocab,
  train: files.train,
  dev: files.dev,
  out,
  epochs: quick ? 2 : 3,
  batch: quick ? 8 : 16,
  lr: initDir ? undefined : 1e-3,
  maxLength: 32,
  seed: 0,
});
console.log(
  `\n   ${result.steps} steps in ${result.seconds.toFixed(0)} s; best dev entity F1 ${(100 * result.best!.value).toFixed(1)}% after epoch ${result.best!.epoch}\n`,
);

// ---------------------------------------------------------------------------------------------------------
// 4. Entity-level scores on the test set.
// ---------------------------------------------------------------------------------------------------------
const model = loadTaskModel(out);
const test = evaluateTaskModel(model, files.test);
console.log(`4. Test set (${test.scores.examples} sentences), entity level\n`);
console.log(test.text.replace(/^/gm, '   '));

// ---------------------------------------------------------------------------------------------------------
// 5. New sentences as plain text (a .txt file: one sentence per line, words split on spaces).
// ---------------------------------------------------------------------------------------------------------
const mine = ['emma stone saw a wolf near the north lake .', 'yesterday oscar fed the bee .', 'henry hill met lena at the old mill .'];
const mineFile = join(out, 'mine.txt');
writeFileSync(mineFile, mine.join('\n') + '\n');
console.log('5. Tags for new sentences ("stone" is a surname in the first one, but also the first word of the place "stone bridge")\n');
for (const row of predictTaskModel(model, mineFile)) {
  const words = row.words as string[];
  const tags = row.tags as string[];
  const width = words.map((w, i) => Math.max(w.length, tags[i].length));
  console.log('   ' + words.map((w, i) => w.padEnd(width[i])).join(' '));
  console.log('   ' + tags.map((t, i) => t.padEnd(width[i])).join(' ') + '\n');
}
