// biome-ignore-all format: laid out by hand so that the whole model reads in one sitting, within 400 lines
/**
 * Lesson 0: BERT for pretraining in one file, on the core alone (tensors, autograd, differentiable ops).
 *
 *   npx tsx examples/00-bert-in-one-file.ts           checks itself against Hugging Face's numbers
 *   npx tsx examples/00-bert-in-one-file.ts DIR       ... against another case written like them
 *   npx tsx examples/00-bert-in-one-file.ts --random  a random tiny model, one forward and backward pass
 *
 * Everything BERT computes for pretraining is below, top to bottom: the config, the parameters (a plain
 * object keyed by Hugging Face names, loaded from a safetensors file), the embeddings, multi-head
 * self-attention, the post-LN encoder layer, the pooler, the masked-LM and next-sentence heads, the loss.
 * No Module classes, no speed paths: every line is made of ops from src/ops, and autograd (src/autograd) gives
 * the gradient of the loss for every parameter. The shape of each result is in the comment on its line
 * (B = batch, S = sequence, H = hidden, h = heads, d = H / h, I = intermediate, V = vocabulary), and the
 * formulas of the papers beside the lines that compute them:
 *   BERT       Devlin et al. 2019, https://arxiv.org/abs/1810.04805
 *   attention  Vaswani et al. 2017, https://arxiv.org/abs/1706.03762 (sections 3.2 and 3.3)
 *   GELU       Hendrycks and Gimpel 2016, https://arxiv.org/abs/1606.08415
 *
 * Run as it is, the file loads the reference case written by Hugging Face transformers (a tiny BertForPreTraining
 * with random weights: ../shared/reference/hf/pretraining, or its copy in test/fixtures/hf/pretraining), runs it
 * on the same batch and prints how far every output, the loss and every parameter's gradient are from
 * transformers' numbers. test/examples/bert-in-one-file.test.ts holds it to the tolerances of the main model.
 *
 * The same model as classes, with the speed paths, checkpoints and the other heads: src/bert (read
 * docs/architecture.md); its pages: docs/bert-embeddings.md, bert-attention.md, bert-encoder-layer.md, bert-heads.md.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
// Only the core: tensors, the differentiable ops (each records its gradient for autograd) and the safetensors reader.
import {
  Rng, Tensor, add, cast, crossEntropy, dropout, embedding, gelu, layerNorm, loadSafetensors, matmul, ones, permute, randn,
  reshape, scale, slice, softmax, sub, tanh, tensor, zeros,
} from '../src/index.ts';

// ---------------------------------------------------------------------------------------------------------
// 1. The config: the sizes of the model. BERT-Base: V 30522, H 768, 12 layers, 12 heads, I 3072, 512 positions.
// ---------------------------------------------------------------------------------------------------------
export interface Config {
  vocabSize: number; // V: rows of the word-embedding table
  hiddenSize: number; // H: the width of every token's vector
  numLayers: number; // L: encoder layers
  numHeads: number; // h: attention heads, each of size d = H / h
  intermediateSize: number; // I: the feed-forward layer's inner width (4H in the paper)
  maxPositions: number; // the longest sequence; one learned vector per position
  typeVocabSize: number; // segments: 2 (sentence A, sentence B)
  layerNormEps: number; // added to the variance in LayerNorm (1e-12)
  hiddenDropout: number; // dropout on the embeddings and on each sublayer's output
  attentionDropout: number; // dropout on the attention probabilities
  padTokenId: number; // [PAD]: its embedding row gets no gradient from the input side
}

/** The config in a Hugging Face config.json (snake_case names there), for the exact-GELU BERT of this file. */
export function readConfig(file: string): Config {
  const j = JSON.parse(readFileSync(file, 'utf8'));
  if ((j.hidden_act ?? 'gelu') !== 'gelu') throw new Error(`${file}: hidden_act "${j.hidden_act}"; this file computes only "gelu" (erf)`);
  if (j.hidden_size % j.num_attention_heads !== 0) {
    throw new Error(`${file}: hidden_size ${j.hidden_size} is not a multiple of num_attention_heads ${j.num_attention_heads}`);
  }
  return {
    vocabSize: j.vocab_size, hiddenSize: j.hidden_size, numLayers: j.num_hidden_layers, numHeads: j.num_attention_heads,
    intermediateSize: j.intermediate_size, maxPositions: j.max_position_embeddings, typeVocabSize: j.type_vocab_size ?? 2,
    layerNormEps: j.layer_norm_eps ?? 1e-12, hiddenDropout: j.hidden_dropout_prob ?? 0.1,
    attentionDropout: j.attention_probs_dropout_prob ?? 0.1, padTokenId: j.pad_token_id ?? 0,
  };
}

// ---------------------------------------------------------------------------------------------------------
// 2. The parameters: one tensor per Hugging Face name, so a checkpoint from the Hub loads as it is.
// ---------------------------------------------------------------------------------------------------------
export type Params = Record<string, Tensor>;

/** Every parameter's name and shape. A Linear layer's weight is [out, in], as in PyTorch. */
export function parameterShapes(c: Config): Record<string, number[]> {
  const H = c.hiddenSize;
  const shapes: Record<string, number[]> = {};
  const linear = (name: string, out: number, inp: number) => {
    shapes[`${name}.weight`] = [out, inp];
    shapes[`${name}.bias`] = [out];
  };
  const norm = (name: string) => {
    shapes[`${name}.weight`] = [H]; // gamma
    shapes[`${name}.bias`] = [H]; // beta
  };
  shapes['bert.embeddings.word_embeddings.weight'] = [c.vocabSize, H];
  shapes['bert.embeddings.position_embeddings.weight'] = [c.maxPositions, H];
  shapes['bert.embeddings.token_type_embeddings.weight'] = [c.typeVocabSize, H];
  norm('bert.embeddings.LayerNorm');
  for (let i = 0; i < c.numLayers; i++) {
    const layer = `bert.encoder.layer.${i}`;
    for (const qkv of ['query', 'key', 'value']) linear(`${layer}.attention.self.${qkv}`, H, H);
    linear(`${layer}.attention.output.dense`, H, H);
    norm(`${layer}.attention.output.LayerNorm`);
    linear(`${layer}.intermediate.dense`, c.intermediateSize, H);
    linear(`${layer}.output.dense`, H, c.intermediateSize);
    norm(`${layer}.output.LayerNorm`);
  }
  linear('bert.pooler.dense', H, H);
  linear('cls.predictions.transform.dense', H, H);
  norm('cls.predictions.transform.LayerNorm');
  shapes['cls.predictions.bias'] = [c.vocabSize]; // the decoder's weight is the word-embedding table itself
  linear('cls.seq_relationship', 2, H);
  return shapes;
}

/** Fresh parameters as BERT initialises them: weights Normal(0, 0.02), biases 0, LayerNorm scales 1. */
export function initParams(c: Config, rng: Rng): Params {
  const p: Params = {};
  for (const [name, shape] of Object.entries(parameterShapes(c))) {
    const t = name.endsWith('LayerNorm.weight') ? ones(shape) : name.endsWith('bias') ? zeros(shape) : randn(shape, rng, { std: 0.02 });
    t.requiresGrad = true;
    p[name] = t;
  }
  // The [PAD] row starts at zero, as nn.Embedding(padding_idx=...) makes it.
  p['bert.embeddings.word_embeddings.weight'].data.fill(0, c.padTokenId * c.hiddenSize, (c.padTokenId + 1) * c.hiddenSize);
  return p;
}

/**
 * The parameters in a safetensors file (Hugging Face's model.safetensors). Every name must be there with its
 * shape; the tied decoder (cls.predictions.decoder.*) and old position_ids buffers may be, and are skipped.
 */
export function loadParams(file: string, c: Config): Params {
  const st = loadSafetensors(file);
  const expected = parameterShapes(c);
  const problems: string[] = [];
  for (const [name, shape] of Object.entries(expected)) {
    if (!st.has(name)) problems.push(`missing ${name} [${shape}]`);
    else if (st.get(name).shape.join() !== shape.join()) problems.push(`${name}: expected [${shape}], found [${st.get(name).shape}]`);
  }
  const skipped = /^cls\.predictions\.decoder\.(weight|bias)$|position_ids$/;
  for (const name of st.names()) if (!(name in expected) && !skipped.test(name)) problems.push(`unexpected ${name}`);
  if (problems.length > 0) throw new Error(`${file} does not hold this config's BERT:\n  ${problems.join('\n  ')}`);
  const p: Params = {};
  for (const [name, shape] of Object.entries(expected)) p[name] = new Tensor(st.toFloat32(name), shape, true); // requires a gradient
  return p;
}

// ---------------------------------------------------------------------------------------------------------
// 3. Two building blocks, and dropout.
// ---------------------------------------------------------------------------------------------------------
/** A fully connected layer: y = x W^T + b.  x [..., in] -> [..., out] */
function linear(p: Params, name: string, x: Tensor): Tensor {
  return add(matmul(x, p[`${name}.weight`], { transposeB: true }), p[`${name}.bias`]);
}

/** LN(x) = gamma * (x - mean(x)) / sqrt(var(x) + eps) + beta over the last axis.  [..., H] -> [..., H] */
function norm(p: Params, name: string, x: Tensor, c: Config): Tensor {
  return layerNorm(x, p[`${name}.weight`], p[`${name}.bias`], c.layerNormEps);
}

/** In training each element is zeroed with probability prob and the rest scaled by 1 / (1 - prob); else the identity. */
type Drop = (x: Tensor, prob: number) => Tensor;

/** The most negative float32: what Hugging Face adds to the scores of padding keys. */
const FLOAT32_MIN = -3.4028234663852886e38;

// ---------------------------------------------------------------------------------------------------------
// 4. The model.
// ---------------------------------------------------------------------------------------------------------
export interface Batch {
  inputIds: Tensor; // int32 [B, S]: [CLS] sentence A [SEP] sentence B [SEP] [PAD] ...
  tokenTypeIds: Tensor; // int32 [B, S]: 0 for sentence A, 1 for sentence B
  attentionMask: Tensor; // int32 [B, S]: 1 for a real token, 0 for padding
  labels?: Tensor; // int32 [B, S]: the original id at each masked position, -100 elsewhere
  nextSentenceLabel?: Tensor; // int32 [B]: 0 if B follows A in the text, 1 if B is a random sentence
}

export interface Outputs {
  hiddenStates: Tensor[]; // L + 1 of [B, S, H]: the embeddings, then each layer's output
  attentions: Tensor[]; // L of [B, h, S, S]: each layer's attention probabilities
  pooled: Tensor; // [B, H]
  predictionLogits: Tensor; // [B, S, V]
  seqRelationshipLogits: Tensor; // [B, 2]
  mlmLoss?: Tensor; // scalar
  nspLoss?: Tensor; // scalar
  loss?: Tensor; // scalar: mlmLoss + nspLoss
}

/** Multi-head self-attention (Vaswani et al. 3.2). x [B, S, H] -> context [B, S, H] and probabilities [B, h, S, S]. */
function selfAttention(p: Params, name: string, x: Tensor, maskBias: Tensor, c: Config, drop: Drop) {
  const [B, S, H] = x.shape;
  const h = c.numHeads;
  const d = H / h; // d_k = d_v = H / h
  const split = (t: Tensor) => permute(reshape(t, [B, S, h, d]), [0, 2, 1, 3]); // [B, S, H] -> [B, S, h, d] -> [B, h, S, d]
  const q = split(linear(p, `${name}.query`, x)); // Q = x W_Q^T + b_Q, per head      [B, h, S, d]
  const k = split(linear(p, `${name}.key`, x)); // K = x W_K^T + b_K                  [B, h, S, d]
  const v = split(linear(p, `${name}.value`, x)); // V = x W_V^T + b_V                [B, h, S, d]
  const qk = matmul(q, k, { transposeB: true }); // Q K^T: every query against every key   [B, h, S, S]
  const scores = add(scale(qk, 1 / Math.sqrt(d)), maskBias); // Q K^T / sqrt(d_k) + mask   [B, h, S, S]
  const probs = softmax(scores, -1); // softmax over the keys: each row sums to 1             [B, h, S, S]
  const context = matmul(drop(probs, c.attentionDropout), v); // softmax(Q K^T / sqrt(d_k) + mask) V   [B, h, S, d]
  const heads = reshape(permute(context, [0, 2, 1, 3]), [B, S, H]); // Concat(head_1..head_h)   [B, S, h, d] -> [B, S, H]
  return { context: heads, probs };
}

/** One encoder layer, post-LN as in BERT and the Transformer: LN(x + Sublayer(x)) around attention, then the FFN. */
function encoderLayer(p: Params, i: number, x: Tensor, maskBias: Tensor, c: Config, drop: Drop) {
  const L = `bert.encoder.layer.${i}`;
  const { context, probs } = selfAttention(p, `${L}.attention.self`, x, maskBias, c, drop);
  const attn = linear(p, `${L}.attention.output.dense`, context); // MultiHead(x) = Concat(heads) W_O^T + b_O   [B, S, H]
  const a = norm(p, `${L}.attention.output.LayerNorm`, add(x, drop(attn, c.hiddenDropout)), c); // LN(x + MultiHead(x))   [B, S, H]
  // GELU(z) = z Phi(z) = z/2 (1 + erf(z / sqrt 2)), Phi the standard normal CDF (exact, not the tanh approximation)
  const inner = gelu(linear(p, `${L}.intermediate.dense`, a)); // GELU(a W_1^T + b_1)   [B, S, I]
  const ffn = linear(p, `${L}.output.dense`, inner); // FFN(a) = GELU(a W_1^T + b_1) W_2^T + b_2   [B, S, H]
  const out = norm(p, `${L}.output.LayerNorm`, add(a, drop(ffn, c.hiddenDropout)), c); // LN(a + FFN(a))   [B, S, H]
  return { out, probs };
}

/**
 * BERT for pretraining: the encoder, the pooler, the masked-LM and next-sentence heads and, given labels, the loss.
 * @param run training: dropout on, its masks drawn from rng (a seeded generator); else evaluation, no dropout
 */
export function bertForPreTraining(p: Params, c: Config, batch: Batch, run: { training?: boolean; rng?: Rng } = {}): Outputs {
  const { inputIds, tokenTypeIds, attentionMask, labels, nextSentenceLabel } = batch;
  const [B, S] = inputIds.shape;
  const H = c.hiddenSize;
  if (run.training && !run.rng) throw new Error('bertForPreTraining: training (dropout) needs run.rng, a seeded Rng');
  if (S > c.maxPositions) throw new Error(`bertForPreTraining: sequence length ${S} > max_position_embeddings ${c.maxPositions}`);
  const drop: Drop = (x, prob) => (run.training && prob > 0 ? dropout(x, prob, run.rng!, true) : x);

  // The input representation (BERT section 3, figure 2): token + segment + position embeddings, then LayerNorm.
  const words = embedding(p['bert.embeddings.word_embeddings.weight'], inputIds, c.padTokenId); // E_token   [B, S, H]
  const segments = embedding(p['bert.embeddings.token_type_embeddings.weight'], tokenTypeIds); // E_A or E_B   [B, S, H]
  const positions = slice(p['bert.embeddings.position_embeddings.weight'], 0, 0, S); // E_0 .. E_{S-1}, learned   [S, H]
  const sum = add(add(words, segments), positions); // E_token + E_segment + E_position (broadcast over B)   [B, S, H]
  let x = drop(norm(p, 'bert.embeddings.LayerNorm', sum, c), c.hiddenDropout); // LN(sum)   [B, S, H]

  // The padding mask as an additive bias: 0 for a real key, -3.4e38 for [PAD], whose weight the softmax makes 0.
  const maskBias = reshape(scale(sub(1, cast(attentionMask, 'float32')), FLOAT32_MIN), [B, 1, 1, S]); // (1 - mask) * min   [B, 1, 1, S]

  const hiddenStates = [x];
  const attentions: Tensor[] = [];
  for (let i = 0; i < c.numLayers; i++) {
    const { out, probs } = encoderLayer(p, i, x, maskBias, c, drop);
    x = out; // [B, S, H]
    hiddenStates.push(x);
    attentions.push(probs);
  }

  // The pooler: the final hidden state of [CLS] (position 0) through a dense layer and tanh.
  const cls = reshape(slice(x, 1, 0, 1), [B, H]); // C = h_[CLS]   [B, H]
  const pooled = tanh(linear(p, 'bert.pooler.dense', cls)); // tanh(C W_p^T + b_p)   [B, H]

  // The masked-LM head: transform every position, then score each word of the vocabulary against the
  // word-embedding table itself (the decoder is tied to the input embeddings), plus a bias of its own.
  const t = gelu(linear(p, 'cls.predictions.transform.dense', x)); // GELU(x W_t^T + b_t)   [B, S, H]
  const tn = norm(p, 'cls.predictions.transform.LayerNorm', t, c); // [B, S, H]
  const table = p['bert.embeddings.word_embeddings.weight']; // E   [V, H]
  const predictionLogits = add(matmul(tn, table, { transposeB: true }), p['cls.predictions.bias']); // LN(t) E^T + b   [B, S, V]

  // The next-sentence head: two logits (IsNext, NotNext) from the pooled [CLS].
  const seqRelationshipLogits = linear(p, 'cls.seq_relationship', pooled); // pooled W_n^T + b_n   [B, 2]

  const outputs: Outputs = { hiddenStates, attentions, pooled, predictionLogits, seqRelationshipLogits };
  if (labels && nextSentenceLabel) {
    // loss = mean over the masked positions of -log p(original token) + mean over the pairs of -log p(NSP label)
    const rows = reshape(predictionLogits, [B * S, c.vocabSize]); // [B * S, V]
    outputs.mlmLoss = crossEntropy(rows, reshape(labels, [B * S]), { ignoreIndex: -100 }); // -100: not masked, not scored
    outputs.nspLoss = crossEntropy(seqRelationshipLogits, nextSentenceLabel); // scalar
    outputs.loss = add(outputs.mlmLoss, outputs.nspLoss); // scalar
  }
  return outputs;
}

// ---------------------------------------------------------------------------------------------------------
// 5. Run it: against Hugging Face's numbers when the reference case is here, else a random tiny model.
// ---------------------------------------------------------------------------------------------------------
const ints = (rows: unknown) => tensor(rows as number[][], { dtype: 'int32' });

/** The batch of a reference case (its case.json, with Hugging Face's argument names). */
export function readBatch(dir: string): Batch {
  const { inputs, labels } = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8'));
  return {
    inputIds: ints(inputs.input_ids), tokenTypeIds: ints(inputs.token_type_ids), attentionMask: ints(inputs.attention_mask),
    labels: ints(labels.labels), nextSentenceLabel: ints(labels.next_sentence_label),
  };
}

/** max |ours - ref| and max |ref| (NaN anywhere gives NaN, which no tolerance accepts). */
function maxAbsDiff(ours: ArrayLike<number>, ref: ArrayLike<number>): { diff: number; refMax: number } {
  let diff = 0;
  let refMax = 0;
  for (let i = 0; i < ref.length; i++) {
    diff = Math.max(diff, Math.abs(ours[i] - ref[i]));
    refMax = Math.max(refMax, Math.abs(ref[i]));
  }
  return { diff, refMax };
}

/** Run the case in `dir` and print how far every number is from transformers'. True when all are within tolerance. */
function checkAgainstReference(dir: string): boolean {
  const c = readConfig(join(dir, 'config.json'));
  const p = loadParams(join(dir, 'model.safetensors'), c);
  const out = bertForPreTraining(p, c, readBatch(dir)); // evaluation: no dropout, as in the reference
  out.loss!.backward(); // fills p[name].grad for every parameter
  const ref = loadSafetensors(join(dir, 'outputs.safetensors'));
  const refGrads = loadSafetensors(join(dir, 'grads.safetensors'));
  const refLoss = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8'));
  let ok = true;
  const report = (what: string, diff: number, tol: number) => {
    ok &&= diff <= tol;
    const e = (v: number) => v.toExponential(1).padStart(9);
    console.log(`  ${what.padEnd(40)} ${e(diff)}  ${e(tol)}   ${diff <= tol ? 'ok' : 'FAIL'}`);
  };
  console.log(`Checked against Hugging Face transformers: ${dir}`);
  console.log(`  ${'output'.padEnd(40)} max |diff|  tolerance (those of test/bert/reference.test.ts)`);
  // Outputs and losses: |ours - ref| <= 1e-4 * max(1, max |ref|).
  const ours: Record<string, Tensor> = { prediction_logits: out.predictionLogits, seq_relationship_logits: out.seqRelationshipLogits };
  out.hiddenStates.forEach((t, i) => (ours[`hidden_states.${i}`] = t));
  out.attentions.forEach((t, i) => (ours[`attentions.${i}`] = t));
  for (const name of ref.names()) {
    const { diff, refMax } = maxAbsDiff(ours[name].data, ref.toFloat64(name));
    report(`${name} [${ours[name].shape.join(', ')}]`, diff, 1e-4 * Math.max(1, refMax));
  }
  const losses = [['loss', out.loss!, 'loss'], ['  MLM', out.mlmLoss!, 'mlm_loss'], ['  NSP', out.nspLoss!, 'nsp_loss']] as const;
  for (const [what, mine, key] of losses) {
    const [ours, theirs] = [mine.item(), refLoss[key] as number];
    report(`${what} ${ours.toFixed(6)} (HF ${theirs.toFixed(6)})`, Math.abs(ours - theirs), 1e-4 * Math.max(1, Math.abs(theirs)));
  }
  // Gradients: |ours - ref| <= 1e-4 * max |ref| of the tensor + 1e-6 * the largest |ref| of any gradient. The floor is
  // for the attention key biases, whose true gradient is 0 (softmax ignores a shift shared by all keys): rounding noise.
  let largest = 0;
  for (const name of refGrads.names()) largest = refGrads.toFloat64(name).reduce((m, v) => Math.max(m, Math.abs(v)), largest);
  const parts = new Map<string, { diff: number; tol: number; count: number }>(); // per part of the model, its worst tensor
  for (const name of refGrads.names()) {
    const { diff, refMax } = maxAbsDiff(p[name].grad!.data, refGrads.toFloat64(name));
    const tol = 1e-4 * refMax + 1e-6 * largest;
    const part = name.match(/^bert\.(embeddings|encoder\.layer\.\d+|pooler)|^cls\.\w+/)![0];
    const worst = parts.get(part) ?? { diff: 0, tol: 1, count: 0 };
    const worse = Number.isNaN(diff) || diff / tol >= worst.diff / worst.tol;
    parts.set(part, { ...(worse ? { diff, tol } : worst), count: worst.count + 1 });
  }
  console.log(`  gradient of the loss, by part (its tensor closest to its tolerance; the tied decoder's share is in word_embeddings)`);
  for (const [part, worst] of parts) report(`d loss / d ${part}.* (${worst.count})`, worst.diff, worst.tol);
  console.log(ok ? 'All within tolerance.' : 'NOT all within tolerance.');
  return ok;
}

/** No reference here: a random tiny model, one forward pass in training mode (dropout on) and its backward pass. */
function runRandomTiny(): void {
  const c: Config = {
    vocabSize: 50, hiddenSize: 16, numLayers: 2, numHeads: 2, intermediateSize: 32, maxPositions: 16, typeVocabSize: 2,
    layerNormEps: 1e-12, hiddenDropout: 0.1, attentionDropout: 0.1, padTokenId: 0,
  };
  const rng = new Rng(0); // every random number of the run comes from here: the weights, then the dropout masks
  const p = initParams(c, rng);
  // Ids 0..4 are [PAD] [UNK] [CLS] [SEP] [MASK]: two pairs, the second padded, two masked tokens in each.
  const batch: Batch = {
    inputIds: ints([[2, 17, 4, 31, 9, 3, 44, 4, 3], [2, 40, 4, 3, 7, 4, 3, 0, 0]]),
    tokenTypeIds: ints([[0, 0, 0, 0, 0, 0, 1, 1, 1], [0, 0, 0, 0, 1, 1, 1, 0, 0]]),
    attentionMask: ints([[1, 1, 1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 1, 0, 0]]),
    labels: ints([[-100, -100, 23, -100, -100, -100, -100, 12, -100], [-100, -100, 21, -100, -100, 8, -100, -100, -100]]),
    nextSentenceLabel: ints([0, 1]),
  };
  const out = bertForPreTraining(p, c, batch, { training: true, rng });
  out.loss!.backward();
  const shape = (t: Tensor) => `[${t.shape.join(', ')}]`;
  const count = Object.values(p).reduce((n, t) => n + t.size, 0);
  const finite = Object.values(p).every((t) => t.grad?.data.every(Number.isFinite));
  const [mlm, nsp, chance] = [out.mlmLoss!.item(), out.nspLoss!.item(), Math.log(c.vocabSize)];
  console.log(`A random tiny BERT (checked against nothing): V ${c.vocabSize}, H ${c.hiddenSize}, L ${c.numLayers}, h ${c.numHeads}`);
  console.log(`  ${Object.keys(p).length} parameter tensors, ${count} numbers; one forward pass in training mode (dropout on)`);
  const [h, mlmShape, nspShape] = [out.hiddenStates, shape(out.predictionLogits), shape(out.seqRelationshipLogits)];
  console.log(`  hidden states ${h.length} x ${shape(h[0])}, MLM logits ${mlmShape}, NSP logits ${nspShape}`);
  console.log(`  loss = MLM ${mlm.toFixed(4)} + NSP ${nsp.toFixed(4)}; at chance ln ${c.vocabSize} = ${chance.toFixed(4)} + ln 2 = 0.6931`);
  console.log(`  backward: ${finite ? 'every parameter has a finite gradient' : 'SOME GRADIENT IS MISSING OR NOT FINITE'}`);
  if (!finite) process.exitCode = 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const root = join(import.meta.dirname, '..');
  const given = args.find((a) => !a.startsWith('--'));
  const dir = given ?? ['../shared/reference/hf/pretraining', 'test/fixtures/hf/pretraining'].map((d) => join(root, d)).find(existsSync);
  if (given && !existsSync(join(given, 'outputs.safetensors'))) {
    console.error(`${given}: expected a reference case (config.json, model.safetensors, case.json, outputs and grads.safetensors)`);
    process.exitCode = 1;
  } else if (args.includes('--random') || dir === undefined) runRandomTiny();
  else if (!checkAgainstReference(dir)) process.exitCode = 1;
}
