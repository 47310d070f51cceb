/**
 * Lesson 7: fine-tuning BERT for extractive question answering (SQuAD style).
 *
 *   npx tsx examples/07-question-answering.ts                 a small BERT from random weights (about a minute)
 *   npx tsx examples/07-question-answering.ts --init DIR      start from a pretrained checkpoint instead
 *   npx tsx examples/07-question-answering.ts --quick         the same lesson on less data, in about 30 seconds
 *                                                             (what test/examples/lessons.test.ts runs)
 *
 * What you will see:
 *   1. the data: generated SQuAD-format questions about short contexts that state what animals eat and where
 *      they live, with facts drawn at random for every context, so answers must be read, not remembered;
 *   2. how a question and a long context become windows: [CLS] question [SEP] context part [SEP], windows
 *      overlapping by a stride, the answer's token span in each window or [CLS] when it is not inside;
 *   3. fine-tuning: two scores per token, "the answer starts here" and "ends here";
 *   4. exact match and F1 on the test questions, beside what guessing would score;
 *   5. span decoding for a few questions: the n-best candidates (start score + end score) and their
 *      probabilities, the answer cut from the original context by character offsets.
 *
 * The same run on the command line:
 *   bert finetune --task question-answering --init DIR --train train.json --dev dev.json --test test.json --out OUT
 * Read alongside: docs/fine-tuning.md ("Question answering: span decoding"), src/data/tasks/qa-features.ts,
 * src/data/tasks/qa-postprocess.ts, src/bert/question-answering.ts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BertConfig,
  BertTokenizer,
  decodeQa,
  evaluateTaskModel,
  finetune,
  loadTaskData,
  loadTaskModel,
  parseSquad,
  predictTaskModel,
  prepareQaFeatures,
  runTaskModel,
  writeSyntheticTask,
} from '../src/index.ts';

const args = process.argv.slice(2);
const initDir = args.includes('--init') ? args[args.indexOf('--init') + 1] : undefined;
// --quick: 600 training questions, 2 epochs (150 steps instead of 600). Exact match then beats picking any food or
// home of the context, but not yet always the right kind of word: the model is still learning what the full run learns.
const quick = args.includes('--quick');
const out = join('runs', 'examples', quick ? '07-question-answering-quick' : '07-question-answering');
const sizes = quick ? { train: 600, dev: 100, test: 100 } : { train: 2400, dev: 200, test: 200 };
const ANIMALS: [number, number] = [1, 2];

// ---------------------------------------------------------------------------------------------------------
// 1. Data.
// ---------------------------------------------------------------------------------------------------------
const files = writeSyntheticTask('question-answering', join(out, 'data'), sizes, { animals: ANIMALS });
const train = parseSquad(readFileSync(files.train, 'utf8'), files.train);
console.log(`1. Data (${files.train}, SQuAD v1.1 JSON): ${train.examples.length} training questions, ${sizes.dev} dev, ${sizes.test} test\n`);
for (const e of train.examples.slice(0, 3)) {
  console.log(`   context   ${e.context}`);
  console.log(`   question  ${e.question}    answer "${e.answers[0].text}" at character ${e.answers[0].answerStart}\n`);
}

// ---------------------------------------------------------------------------------------------------------
// 2. Windows. A context longer than the room the question leaves is cut into overlapping windows; here a
// 3-animal context with a deliberately short limit of 24 tokens and a stride of 8.
// ---------------------------------------------------------------------------------------------------------
const tokenizer = BertTokenizer.fromFile(initDir ? join(initDir, 'vocab.txt') : files.vocab);
const long = parseSquad(longContextJson(), 'long.json').examples;
const windows = prepareQaFeatures(tokenizer, long, { maxLength: 24, stride: 8 });
console.log(`2. Windows of one long context (max 24 tokens, stride 8): "${long[0].question}" -> "${long[0].answers[0].text}"\n`);
for (const w of windows) {
  const tokens = tokenizer.convertIdsToTokens(w.inputIds);
  const target =
    w.startPosition === 0
      ? '[CLS] (the answer is not in this window)'
      : `tokens ${w.startPosition}..${w.endPosition} = "${tokens.slice(w.startPosition, w.endPosition + 1).join(' ')}"`;
  console.log(`   ${tokens.join(' ')}\n     target: ${target}`);
}
console.log();

// ---------------------------------------------------------------------------------------------------------
// 3. Fine-tune. Every context here fits one window of 48 tokens.
// ---------------------------------------------------------------------------------------------------------
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
  task: 'question-answering',
  init: initDir ?? scratch,
  vocab: initDir ? undefined : files.vocab,
  train: files.train,
  dev: files.dev,
  out,
  epochs: 2,
  batch: 8,
  lr: initDir ? undefined : 1e-3,
  maxLength: 48,
  qa: { stride: 16 },
  seed: 0,
});
console.log(`\n   ${result.steps} steps in ${result.seconds.toFixed(0)} s; best dev F1 ${result.best!.value.toFixed(1)} after epoch ${result.best!.epoch}\n`);

// ---------------------------------------------------------------------------------------------------------
// 4. Test scores, and what guessing would score: any food or home word of the context (1 in 2n for n
// animals), or a word of the kind the question asks for (1 in n).
// ---------------------------------------------------------------------------------------------------------
const model = loadTaskModel(out);
const test = evaluateTaskModel(model, files.test);
const testSet = parseSquad(readFileSync(files.test, 'utf8'), files.test).examples;
const animalsIn = (c: string) => c.split(' . ').length / 2;
const anySlot = testSet.reduce((s, e) => s + 1 / (2 * animalsIn(e.context)), 0) / testSet.length;
const rightKind = testSet.reduce((s, e) => s + 1 / animalsIn(e.context), 0) / testSet.length;
console.log(`4. Test set (${test.scores.examples} questions)\n`);
console.log(`   exact match ${test.scores.metrics.exact_match.toFixed(1)}   F1 ${test.scores.metrics.f1.toFixed(1)}`);
console.log(
  `   guessing: any food or home of the context ${(100 * anySlot).toFixed(1)}, one of the kind asked for ${(100 * rightKind).toFixed(1)} (exact match)\n`,
);

// ---------------------------------------------------------------------------------------------------------
// 5. Span decoding, step by step, for three test questions.
// ---------------------------------------------------------------------------------------------------------
console.log('5. Span decoding: score = start score + end score, over valid spans (inside the context, end >= start)\n');
const data = loadTaskData(model.settings, files.test, model.tokenizer, null);
const decoded = decodeQa(data, runTaskModel(model.model, data, { padId: model.tokenizer.ids.pad }));
for (const e of data.squad!.examples.slice(0, 3)) {
  console.log(`   ${e.context}\n   Q: ${e.question}   gold: "${e.answers[0].text}"`);
  for (const c of decoded.nbest[e.id].slice(0, 3)) {
    const text = c.text.length > 16 ? `${c.text.slice(0, 13)}...` : c.text;
    console.log(
      `      "${text}"`.padEnd(26) +
        `start ${c.startLogit.toFixed(2).padStart(6)} + end ${c.endLogit.toFixed(2).padStart(6)} = ${c.score.toFixed(2).padStart(6)}   p ${(100 * c.probability).toFixed(1)}%`,
    );
  }
  console.log();
}

// A question about a context written here.
const mine = join(out, 'mine.json');
const context = 'the owl lives in the barn . the lion eats honey . the owl eats mice . the lion lives in the cave .';
writeFileSync(
  mine,
  JSON.stringify({
    data: [
      {
        title: 'mine',
        paragraphs: [
          {
            context,
            qas: [
              { id: 'a', question: 'where does the lion live ?' },
              { id: 'b', question: 'what does the owl eat ?' },
            ],
          },
        ],
      },
    ],
  }),
);
console.log(`   ${context}`);
const right: Record<string, string> = { a: 'cave', b: 'mice' };
for (const row of predictTaskModel(model, mine)) {
  console.log(`   Q: ${row.question}   -> "${row.answer}" (p ${(100 * (row.probability as number)).toFixed(1)}%; right: "${right[row.id as string]}")`);
}
console.log('\nThe model learns quickly WHICH KIND of word answers the question; finding the sentence about the right');
console.log('animal takes it much longer (see docs/fine-tuning.md). Try --init with a pretrained model, or more epochs.');
if (quick) console.log('(This was --quick: a quarter of the steps, so it may not even know the kind yet. Run without --quick.)');

/** One 3-animal context as SQuAD JSON (for the window demonstration). */
function longContextJson(): string {
  const context =
    'the fox eats honey . the cow lives in the pond . the bee eats seeds . the fox lives in the cave . the cow eats fish . the bee lives in the hive .';
  const answer = 'hive';
  return JSON.stringify({
    data: [
      {
        title: 'long',
        paragraphs: [
          { context, qas: [{ id: 'long', question: 'where does the bee live ?', answers: [{ text: answer, answer_start: context.lastIndexOf(answer) }] }] },
        ],
      },
    ],
  });
}
