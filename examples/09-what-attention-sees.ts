/**
 * Lesson 9: what attention sees, and where the words land.
 *
 *   npx tsx examples/09-what-attention-sees.ts            train the demo model for 800 steps (about 90 s on 2 cores)
 *   npx tsx examples/09-what-attention-sees.ts --quick    60 steps on fewer stories (seconds; what the tests run)
 *   npx tsx examples/09-what-attention-sees.ts --steps N  another length of training
 *
 * 1. Pretrain the demo's small BERT (2 layers x 2 heads, hidden 64) on generated animal stories, briefly.
 * 2. Run it on a story sentence pair with a [MASK] and draw every head's attention weights (attention.svg):
 *    one heatmap per (layer, head), rows are the token that attends, columns the token attended to.
 * 3. Measure what the pictures suggest, over 200 held-out sentence pairs with the fact word of sentence B
 *    masked: per head, the average share of a token's attention on [CLS], on [SEP], on itself, on the
 *    previous and the next word, on its own sentence, from the [MASK] to its two neighbours and to the
 *    story's animal.
 * 4. Project the word embeddings of animals, foods, places, colours and times onto their top two principal
 *    components (PCA, computed in src/viz/pca.ts) and draw them (embeddings.svg).
 *
 * The same pictures from the command line, for any model directory:
 *   bert attention --model DIR "the cow lives in the field ." "the cow likes to eat [MASK] ." --out a.svg
 *   bert embeddings --model DIR --words words.txt --out e.svg
 * Read alongside: docs/attention.md (the pictures of this lesson, explained), src/bert/attention.ts (where
 * the weights come from), src/viz/ (the drawing), src/train/attention-maps.ts, src/train/word-vectors.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  attentionPanels,
  attentionSvg,
  embeddingsSvg,
  fillMask,
  formatAttentionSummary,
  generateSyntheticCorpus,
  generateSyntheticDocuments,
  loadMaskedLM,
  pretrain,
  selectBackendFromEnv,
  sentenceAttention,
  summarizeAttention,
  wordVectors,
  type AttentionSample,
  type ListedWord,
} from '../src/index.ts';
import { DEMO_CONFIG } from '../src/train/demo.ts';

const quick = process.argv.includes('--quick');
const out = join('runs', 'examples', quick ? '09-what-attention-sees-quick' : '09-what-attention-sees');
mkdirSync(out, { recursive: true });
// The WebAssembly matmul is several times faster than the pure-TypeScript loops and gives the same numbers
// to float32 rounding; BERT_BACKEND=cpu runs the reference instead.
const backend = await selectBackendFromEnv({ ...process.env, BERT_BACKEND: process.env.BERT_BACKEND || 'wasm' });

// ---------------------------------------------------------------------------------------------------------
// 1. Train the demo model briefly (src/train/demo.ts trains the same model longer).
// ---------------------------------------------------------------------------------------------------------
const stepsFlag = process.argv.indexOf('--steps');
const steps = stepsFlag >= 0 ? Number(process.argv[stepsFlag + 1]) : quick ? 60 : 800;
if (!(Number.isInteger(steps) && steps > 0)) throw new Error(`--steps: expected a positive whole number, got ${process.argv[stepsFlag + 1]}`);
writeFileSync(join(out, 'corpus-train.txt'), generateSyntheticCorpus({ documents: quick ? 200 : 1500, seed: 1000 }));
writeFileSync(join(out, 'demo-config.json'), JSON.stringify(DEMO_CONFIG, null, 2) + '\n');
console.log(`1. Pretraining the demo BERT (2 layers x 2 heads, hidden 64) for ${steps} steps on generated animal stories (${backend} kernels).`);
const result = await pretrain({
  corpus: [join(out, 'corpus-train.txt')],
  vocabSize: 400,
  model: join(out, 'demo-config.json'),
  seqLen: 32,
  batch: 32,
  steps,
  lr: 5e-3,
  warmup: Math.round(steps / 10),
  saveEvery: steps,
  out,
  seed: 0,
  progressStream: quick ? null : process.stderr,
});
console.log(`   trained in ${result.seconds.toFixed(0)} s; model in ${out}\n`);
const { model, tokenizer } = loadMaskedLM(out);

// ---------------------------------------------------------------------------------------------------------
// 2. One sentence pair, every head.
// ---------------------------------------------------------------------------------------------------------
const textA = 'the cow lives in the field .';
const textB = 'the cow likes to eat [MASK] .';
const att = sentenceAttention(model, tokenizer, textA, textB);
const maskAt = att.tokens.indexOf('[MASK]');
const attentionPath = join(out, 'attention.svg');
writeFileSync(
  attentionPath,
  attentionSvg(att.tokens, attentionPanels(att), {
    title: `"${textA}" + "${textB}"`,
    subtitle: `Attention of the demo model after ${steps} pretraining steps (2 layers x 2 heads); the [MASK] row is outlined`,
    highlight: [maskAt],
  }),
);
const guess = fillMask(model, tokenizer, `${textA} ${textB}`, 3)[0]!.candidates;
console.log(`2. "${textA}" + "${textB}"`);
console.log(`   tokens: ${att.tokens.join(' ')}`);
console.log(`   the model fills the [MASK] with: ${guess.map((c) => `${c.token} (${(100 * c.probability).toFixed(0)}%)`).join(', ')}`);
for (const p of attentionPanels(att)) {
  const n = att.tokens.length;
  const row = Array.from({ length: n }, (_, j) => [p.weights[maskAt * n + j]!, j] as const);
  const top = row.sort((a, b) => b[0] - a[0]).slice(0, 3);
  console.log(`   layer ${p.layer} head ${p.head}: the [MASK] attends most to ${top.map(([w, j]) => `${att.tokens[j]}@${j} (${w.toFixed(2)})`).join(', ')}`);
}
console.log(`   wrote ${attentionPath}\n`);

// ---------------------------------------------------------------------------------------------------------
// 3. Measure it: held-out sentence pairs (stories the model never trained on), fact word of B masked.
// ---------------------------------------------------------------------------------------------------------
const ANIMALS = ['fox', 'cat', 'dog', 'cow', 'owl', 'bear', 'duck', 'horse', 'frog', 'wolf', 'goat', 'bee', 'mouse', 'lion', 'seal', 'rabbit'];
const pairs: [string, string][] = [];
for (const doc of generateSyntheticDocuments({ documents: 400, seed: 2000 })) {
  for (let i = 0; i + 1 < doc.length && pairs.length < (quick ? 40 : 200); i += 2) pairs.push([doc[i]!, doc[i + 1]!]);
}
const samples: AttentionSample[] = [];
const toAnimal = new Map<string, [number, number]>(); // per head: attention from [MASK] to the animal's name, and count
for (const [a, b] of pairs) {
  // The fact word is the last word before the full stop: "the owl is most awake at night ." -> night.
  const words = b.split(' ');
  words[words.length - 2] = '[MASK]';
  const s = sentenceAttention(model, tokenizer, a, words.join(' '));
  const panels = attentionPanels(s);
  samples.push({ tokens: s.tokens, panels });
  const n = s.tokens.length;
  const m = s.tokens.indexOf('[MASK]');
  for (const p of panels) {
    let mass = 0;
    s.tokens.forEach((t, j) => {
      if (ANIMALS.includes(t)) mass += p.weights[m * n + j]!;
    });
    const key = `${p.layer}:${p.head}`;
    const [sum, count] = toAnimal.get(key) ?? [0, 0];
    toAnimal.set(key, [sum + mass, count + 1]);
  }
}
const summary = summarizeAttention(samples);
console.log(`3. Where attention goes, averaged over ${samples.length} held-out sentence pairs (share of a token's attention):`);
const table = formatAttentionSummary(summary).split('\n');
console.log(
  table
    .map((line, i) => {
      if (i === 0) return `   ${line}  [MASK]->animal`;
      const [sum, count] = toAnimal.get(`${summary[i - 1]!.layer}:${summary[i - 1]!.head}`)!;
      return `   ${line}  ${`${((100 * sum) / count).toFixed(1)}%`.padStart(14)}`;
    })
    .join('\n'),
);
const uniform = samples.reduce((acc, s) => acc + 1 / s.tokens.length, 0) / samples.length;
console.log(`   (a head that spread its attention evenly would give each token about ${(100 * uniform).toFixed(1)}%)\n`);

// ---------------------------------------------------------------------------------------------------------
// 4. Word embeddings, projected by PCA.
// ---------------------------------------------------------------------------------------------------------
const groups: Record<string, string[]> = {
  animals: ['fox', 'cat', 'dog', 'cow', 'owl', 'bear', 'duck', 'horse', 'frog', 'wolf', 'bee', 'lion'],
  foods: ['mice', 'fish', 'meat', 'grass', 'honey', 'bread', 'oats', 'cheese', 'carrots'],
  places: ['forest', 'house', 'farm', 'field', 'mountain', 'pond', 'stable', 'sea', 'meadow'],
  colours: ['red', 'black', 'brown', 'white', 'grey', 'yellow', 'green'],
  times: ['night', 'day', 'winter', 'morning', 'evening', 'summer'],
};
const listed: ListedWord[] = Object.entries(groups).flatMap(([group, words]) => words.map((word) => ({ word, group })));
writeFileSync(join(out, 'words.txt'), listed.map((w) => `${w.word} ${w.group}`).join('\n') + '\n');
const { vectors, unknown } = wordVectors(model, tokenizer, listed);
if (unknown.length) console.log(`   not in the vocabulary: ${unknown.map((w) => w.word).join(', ')}`);
const { svg, pca } = embeddingsSvg(
  vectors.map((v) => ({ label: v.word, vector: v.vector, group: v.group, averaged: v.pieces.length > 1 })),
  { title: 'Word embeddings of the demo model', subtitle: `${steps} pretraining steps; input embeddings (64 numbers per word) projected by PCA` },
);
const embeddingsPath = join(out, 'embeddings.svg');
writeFileSync(embeddingsPath, svg);
// How well does the projection keep the groups apart? The share of words whose nearest neighbour in the
// full 64-d space (cosine) belongs to the same group.
const cosine = (a: Float32Array, b: Float32Array) => {
  let ab = 0,
    aa = 0,
    bb = 0;
  for (let k = 0; k < a.length; k++) [ab, aa, bb] = [ab + a[k]! * b[k]!, aa + a[k]! * a[k]!, bb + b[k]! * b[k]!];
  return ab / Math.sqrt(aa * bb);
};
const sameGroup = vectors.filter((v, i) => {
  let best = -1;
  vectors.forEach((w, j) => {
    if (j !== i && (best < 0 || cosine(v.vector, w.vector) > cosine(v.vector, vectors[best]!.vector))) best = j;
  });
  return vectors[best]!.group === v.group;
}).length;
console.log(
  `4. Word embeddings of ${vectors.length} words: the two principal components keep ${(100 * pca.varianceRatios[0]!).toFixed(1)}% and ${(100 * pca.varianceRatios[1]!).toFixed(1)}% of the variance.`,
);
const chance = vectors.reduce((acc, v) => acc + (vectors.filter((w) => w.group === v.group).length - 1) / (vectors.length - 1), 0) / vectors.length;
console.log(
  `   nearest neighbour (cosine, all 64 dimensions) in the same group: ${sameGroup} of ${vectors.length} words ` +
    `(${((100 * sameGroup) / vectors.length).toFixed(0)}%; by chance ${(100 * chance).toFixed(0)}%)`,
);
console.log(`   wrote ${embeddingsPath}\n`);
console.log(`Open ${attentionPath} and ${embeddingsPath} in a browser; docs/attention.md explains what they show.`);
