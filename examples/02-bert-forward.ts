/**
 * Lesson 2: one forward pass through BERT, stage by stage.
 *
 *   npx tsx examples/02-bert-forward.ts
 *
 * What you will see:
 *   1. a BERT built from a config (a tiny one: 2 layers, hidden 32, 4 heads) and its parameters by
 *      Hugging Face name, the same names `transformers` uses;
 *   2. the weights of a real Hugging Face checkpoint loaded into it (test/fixtures/hf/pretraining, written by
 *      `save_pretrained`), and what loading reports;
 *   3. the shape of the data after each stage: ids -> embeddings -> attention -> feed-forward -> ... -> heads;
 *   4. one attention head drawn as a text heatmap: which tokens each token looks at, and how padding gets
 *      exactly zero attention;
 *   5. the whole model in one call, with the masked-LM and next-sentence predictions and the loss.
 *
 * Read alongside: docs/bert-embeddings.md, docs/bert-attention.md, docs/bert-encoder-layer.md,
 * docs/bert-heads.md, and src/bert/ (model.ts, embeddings.ts, attention.ts, encoder.ts, heads.ts).
 */
import { join } from 'node:path';
import { BertConfig, BertForPreTraining, argmax, extendedAttentionMask, noGrad, softmax, tensor, type Tensor } from '../src/index.ts';

const CHECKPOINT = join(import.meta.dirname, '..', 'test', 'fixtures', 'hf', 'pretraining');
const shape = (t: Tensor) => `[${t.shape.join(', ')}]`;

// ---------------------------------------------------------------------------------------------------------
// 1. Build a BERT from its config.
//
// The checkpoint's config.json describes a deliberately tiny model (vocabulary 99, hidden 32, 2 layers,
// 4 heads, intermediate 37). BertConfig reads it with Hugging Face's field names and defaults.
const config = BertConfig.fromFile(join(CHECKPOINT, 'config.json'));
console.log('1. The model');
console.log(
  `   vocab ${config.vocabSize}, hidden ${config.hiddenSize}, ${config.numHiddenLayers} layers, ${config.numAttentionHeads} heads of ${config.headDim}, intermediate ${config.intermediateSize}, act ${config.hiddenAct}`,
);

// A freshly built model is initialised as Hugging Face does (Normal(0, 0.02), LayerNorm 1/0, biases 0).
const model = new BertForPreTraining(config, { seed: 0 });
const params = model.namedParameters();
console.log(`   ${params.length} parameter tensors, ${model.numParameters().toLocaleString('en-US')} numbers, for example:`);
for (const [name, t] of params.filter(([n]) => /embeddings\.word|layer\.0\.attention\.self\.query|cls\.predictions\.bias/.test(n))) {
  console.log(`     ${name.padEnd(52)} ${shape(t)}`);
}
console.log('   (no cls.predictions.decoder.weight: the MLM decoder IS bert.embeddings.word_embeddings.weight)');

// ---------------------------------------------------------------------------------------------------------
// 2. Load the Hugging Face checkpoint into it. Every name must match; the tied decoder is absent from the
// file, as in every checkpoint on the Hub.
const loaded = BertForPreTraining.fromPretrained(CHECKPOINT).eval(); // eval(): no dropout
console.log('\n2. Loaded', CHECKPOINT);
console.log(`   missing: ${loaded.loadReport!.missing.length}, unexpected: ${loaded.loadReport!.unexpected.length}`);

// ---------------------------------------------------------------------------------------------------------
// 3. Follow one batch through the model by hand. Two sequences, the second padded:
//    ids 0..4 are [PAD] [UNK] [CLS] [SEP] [MASK] in this checkpoint's vocabulary.
const inputIds = tensor(
  [
    [2, 17, 4, 31, 9, 3, 44, 12, 3],
    [2, 50, 61, 3, 7, 4, 3, 0, 0],
  ],
  { dtype: 'int32' },
);
const tokenTypeIds = tensor(
  [
    [0, 0, 0, 0, 0, 0, 1, 1, 1],
    [0, 0, 0, 0, 1, 1, 1, 0, 0],
  ],
  { dtype: 'int32' },
);
const attentionMask = tensor(
  [
    [1, 1, 1, 1, 1, 1, 1, 1, 1],
    [1, 1, 1, 1, 1, 1, 1, 0, 0],
  ],
  { dtype: 'int32' },
);
const tokens = (b: number) => Array.from(inputIds.data.subarray(b * 9, b * 9 + 9), (id) => ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'][id] ?? `t${id}`);

console.log('\n3. Shapes, stage by stage (batch 2, sequence 9)');
console.log(`   input_ids                                   ${shape(inputIds)}`);
noGrad(() => {
  const bert = loaded.bert;
  // Embeddings: word + position + segment, then LayerNorm (docs/bert-embeddings.md).
  let h = bert.embeddings.forward(inputIds, tokenTypeIds);
  console.log(`   embeddings (word + position + type, LN)     ${shape(h)}`);
  const maskBias = extendedAttentionMask(attentionMask);
  console.log(`   additive attention mask                     ${shape(maskBias)}  (0 or -3.4e38)`);
  for (const [i, layer] of bert.encoder.layer.items.entries()) {
    // Inside one layer (docs/bert-encoder-layer.md): attention block, then feed-forward block.
    const { output: a, probs } = layer.attention.forward(h, maskBias);
    console.log(`   layer ${i} attention probabilities            ${shape(probs)}`);
    console.log(`   layer ${i} after attention + residual + LN    ${shape(a)}`);
    const f = layer.intermediate.forward(a);
    console.log(`   layer ${i} feed-forward inside (gelu)         ${shape(f)}`);
    h = layer.output.forward(f, a);
    console.log(`   layer ${i} output                             ${shape(h)}`);
  }
  const pooled = bert.pooler!.forward(h);
  console.log(`   pooler: tanh(dense(h[:, 0]))                ${shape(pooled)}`);
  console.log(`   MLM logits (tied decoder)                   ${shape(loaded.cls.predictions.forward(h))}`);
  console.log(`   NSP logits                                  ${shape(loaded.cls.seqRelationship.forward(pooled))}`);
});

// ---------------------------------------------------------------------------------------------------------
// 4. One head's attention as a heatmap: row = the token that looks, column = the token looked at. Each row
// sums to 1. In the second sequence the two [PAD] columns are exactly 0: the mask added -3.4e38 to their
// scores before the softmax.
const out = noGrad(() => loaded.forward({ inputIds, tokenTypeIds, attentionMask, outputAttentions: true }));
const layer = 1;
const head = 2;
const SHADES = ' .:-=+*#%@'; // 0 ... 1 in ten steps
const att = out.attentions![layer];
const [, numHeads, S] = att.shape;
const prob = (b: number, q: number, k: number) => att.data[((b * numHeads + head) * S + q) * S + k];
for (const b of [0, 1]) {
  let top = 0;
  for (let q = 0; q < S; q++) for (let k = 0; k < S; k++) top = Math.max(top, prob(b, q, k));
  console.log(`\n4. Attention of layer ${layer}, head ${head}, sequence ${b}: row = query token, column = key token`);
  console.log(`   (' ' = 0, '${SHADES[1]}' small ... '${SHADES[9]}' the largest weight, ${top.toFixed(2)})`);
  const names = tokens(b).map((n) => n.slice(0, 6));
  console.log(`   ${''.padEnd(7)}${names.map((n) => n.padStart(7)).join('')}`);
  for (let q = 0; q < S; q++) {
    const cells = names.map((_, k) => SHADES[Math.ceil((prob(b, q, k) / top) * 9)].repeat(5).padStart(7));
    console.log(`   ${names[q].padEnd(7)}${cells.join('')}`);
  }
}
let padMax = 0;
for (let q = 0; q < S; q++) padMax = Math.max(padMax, prob(1, q, 7), prob(1, q, 8));
let rowSum = 0;
for (let k = 0; k < S; k++) rowSum += prob(1, 0, k);
console.log(`   largest attention paid to a [PAD] key: ${padMax}; a row sums to ${rowSum.toFixed(6)}`);

// ---------------------------------------------------------------------------------------------------------
// 5. The whole model in one call, with labels: predict the [MASK]ed tokens and whether sentence B follows A.
const labels = tensor(
  [
    [-100, -100, 23, -100, -100, -100, -100, -100, -100],
    [-100, -100, -100, -100, -100, 8, -100, -100, -100],
  ],
  { dtype: 'int32' },
);
const nextSentenceLabel = tensor([0, 1], { dtype: 'int32' });
const full = noGrad(() => loaded.forward({ inputIds, tokenTypeIds, attentionMask, labels, nextSentenceLabel }));
const predicted = argmax(full.predictionLogits!, -1);
const nsp = softmax(full.seqRelationshipLogits!, -1);
console.log('\n5. Predictions (this checkpoint has random weights, so they are arbitrary - only the mechanics matter)');
console.log(`   [MASK] at sequence 0, position 2 -> id ${predicted.data[2]} (label 23); sequence 1, position 5 -> id ${predicted.data[9 + 5]} (label 8)`);
console.log(`   P(B follows A): ${nsp.data[0].toFixed(3)}, ${nsp.data[2].toFixed(3)}`);
console.log(`   loss = MLM ${full.mlmLoss!.item().toFixed(4)} + NSP ${full.nspLoss!.item().toFixed(4)} = ${full.loss!.item().toFixed(4)}`);
