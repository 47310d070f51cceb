/**
 * Pretraining BERT: masked LM + next-sentence prediction, end to end.
 *
 *   corpus files --(WordPiece, trained first if no vocab is given)--> token ids per sentence per document
 *     --(create_pretraining_data: NSP pairs, 15% masking 80/10/10)--> instances --(batches)--> model
 *     --(loss = MLM + NSP, backward, clip, AdamW with warmup/decay)--> updated weights
 *
 * Around that loop: a progress bar, metrics as JSON lines, evaluation on held-out text, checkpoints that
 * resume exactly (weights, optimizer moments, every generator's state, the data position), a learning-curve
 * SVG, a clean stop with a clear message if the loss stops being finite (pointing to the last checkpoint
 * whose weights are sane, which `--resume --lr <lower>` continues from), and a clean stop on request
 * (`signal`: Ctrl-C in the CLI) that saves the step reached.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { noGrad } from '../autograd/grad-mode.ts';
import { activeDevice, placeOnActiveDevice, releaseUnusedDeviceMemory } from '../accel/device.ts';
import '../accel/index.ts'; // the cpu backend's kernels: training runs on them unless another backend is selected
import type { DropoutMasks } from '../ops/dropout.ts';
import { BertConfig, BERT_PRESETS, type BertPresetName } from '../bert/config.ts';
import { modelTensors } from '../hf/pretrained.ts';
import { readCheckpointWeights, loadWeightsIntoModel } from '../hf/checkpoint.ts';
import { BertForPreTraining } from '../bert/pretraining.ts';
import { readCorpus, type CorpusDocument } from '../data/corpus.ts';
import { createMaskingVocab, type MaskingVocab } from '../data/masking.ts';
import type { TokenCorpus } from '../data/token-corpus.ts';
import { createPackedPairInstances, createPackedPretrainingInstances, tokenizeToCorpus } from '../data/pretraining-instances.ts';
import {
  PretrainingBatchStream,
  collatePretrainingBatch,
  type PretrainingBatch,
  type PretrainingSource,
  type PretrainingStreamState,
} from '../data/pretraining-batches.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import { encodeSafetensors } from '../io/safetensors-write.ts';
import { AdamW } from '../optim/adamw.ts';
import { NonFiniteError, trainStep } from '../optim/train-step.ts';
import { linearWarmupDecay } from '../optim/schedule.ts';
import { argmax } from '../ops/reduce.ts';
import { Rng, type RngState } from '../tensor/random.ts';
import { Tensor } from '../tensor/tensor.ts';
import { BertTokenizer } from '../tokenizer/tokenizer.ts';
import { trainWordPiece } from '../tokenizer/trainer.ts';
import { Vocab } from '../tokenizer/vocab.ts';
import {
  checkpointHealth,
  chooseResumeCheckpoint,
  effectiveDropoutMasks,
  LEGACY_DROPOUT_MASKS,
  latestGoodCheckpoint,
  listCheckpoints,
  markCheckpointBad,
  readCheckpoint,
  saveCheckpoint,
} from './checkpoint.ts';
import { curvesSvg } from './curves-svg.ts';
import { yieldToEventLoop, type Interruption } from './interrupt.ts';
import { MetricsLog } from './metrics-log.ts';
import { cleanPartialWrites } from './partial-writes.ts';
import { Progress } from './progress.ts';
import { compareResumeOptions, formatChanges, keepSavedWhereUnset } from './resume-options.ts';
import { lossProblem, SANE_WEIGHT_LIMIT } from './run-health.ts';

export interface PretrainOptions {
  /** Training corpus files (one sentence per line, blank line between documents). */
  corpus: string[];
  /** vocab.txt to use; when absent a WordPiece vocabulary of `vocabSize` is trained on the corpus first. */
  vocab?: string;
  /** Size of the vocabulary to train when no `vocab` is given. Default 8000. */
  vocabSize?: number;
  /** A preset (tiny, mini, small, medium, base, large) or a config.json path. Default tiny. */
  model?: string;
  /** Maximum sequence length (tokens, [CLS] and [SEP]s included). Default 128. */
  seqLen?: number;
  batch?: number;
  /** Total optimizer steps of the run: the schedule is laid out over them. */
  steps: number;
  lr?: number;
  warmup?: number;
  /** Held-out corpus files for evaluation. */
  evalCorpus?: string[];
  /** Evaluate every N steps (and at the end). Default: 10 times per run when an eval corpus is given. */
  evalEvery?: number;
  /** Use at most this many held-out instances per evaluation. Default 1000. */
  evalInstances?: number;
  /**
   * Passes over the held-out documents when building the evaluation set, each with its own targets,
   * splits, partners and masks (create_pretraining_data's dupe factor). One pass gives a few hundred
   * instances from a small held-out corpus, whose draw alone moves MLM accuracy by a point or two; more
   * passes give a steadier figure (scripts/heldout-draws.ts measures this). Default 1.
   */
  evalDupeFactor?: number;
  /** Write a resumable checkpoint every N steps (and at the end). Default: 5 times per run. */
  saveEvery?: number;
  /** Stop after this step as an interruption would (for testing --resume). */
  stopAfter?: number;
  /** Output directory: final model, checkpoints/, metrics.jsonl, curves.svg, vocab.txt. */
  out: string;
  seed?: number;
  /**
   * Continue from the newest good checkpoint in `out` (checkpoint.ts). The options must be the run's, except
   * RESUME_CHANGEABLE ones: those may change (the change is printed), and left undefined keep the run's.
   */
  resume?: boolean;
  /**
   * Stop cleanly when aborted: the step in progress is finished, a checkpoint of it saved, and the result
   * says where (`interrupted`). See interrupt.ts.
   */
  signal?: AbortSignal;
  /** create_pretraining_data's knobs (defaults as there; maxPredictions defaults to round(0.15 * seqLen)). */
  maxPredictions?: number;
  maskedLmProb?: number;
  shortSeqProb?: number;
  dupeFactor?: number;
  /** Mask anew every epoch instead of the dupe-factor copies masked once. */
  dynamicMasking?: boolean;
  wholeWordMask?: boolean;
  weightDecay?: number;
  clip?: number;
  /** Micro-batches per optimizer step (gradient accumulation). Default 1. */
  gradAccum?: number;
  /** Lowercase and strip accents (uncased). Default true. */
  lowercase?: boolean;
  /** The original BERT optimizer (no bias correction) instead of AdamW. */
  bertAdam?: boolean;
  /** Print a plain progress line every N steps when not on a terminal. */
  logEvery?: number;
  /** Where progress goes (default stderr); `null` for silence. */
  progressStream?: NodeJS.WritableStream | { write(s: string): unknown; isTTY?: boolean } | null;
  /** How dropout masks are drawn (ops/dropout.ts). Default 'auto'. */
  dropoutMasks?: DropoutMasks;
}

/** Everything in trainer_state.json: enough to resume exactly and to check that a resume matches the run. */
export interface PretrainState {
  step: number;
  totalSteps: number;
  options: Record<string, unknown>;
  dropoutRng: RngState;
  stream: PretrainingStreamState;
  tokensSeen: number;
  /** Train metrics summed since the last train record, so a resumed run logs the same averages. */
  window?: TrainWindow;
  /** The loss of step 1, what later losses are judged against (run-health.ts). */
  firstLoss?: number;
}

/** Sums over the steps since the last train record of metrics.jsonl. */
interface TrainWindow {
  loss: number;
  mlmCorrect: number;
  mlmCount: number;
  nspCorrect: number;
  nspCount: number;
  steps: number;
}

export interface EvalResult {
  mlmLoss: number;
  mlmAccuracy: number;
  nspLoss: number;
  nspAccuracy: number;
  instances: number;
}

export interface PretrainResult {
  steps: number;
  out: string;
  lastEval?: EvalResult;
  /** Tokens (batch x sequence positions) per second over this session's steps. */
  tokensPerSecond: number;
  seconds: number;
  /** Set when `signal` stopped the run before its end. */
  interrupted?: Interruption;
}

/** Options that must be equal for a resume to continue the same run (resume-options.ts says why). */
const RUN_IDENTITY = [
  'corpus',
  'seqLen',
  'batch',
  'steps',
  'seed',
  'model',
  'maxPredictions',
  'dupeFactor',
  'dynamicMasking',
  'wholeWordMask',
  'gradAccum',
  'maskedLmProb',
  'shortSeqProb',
  'dropoutMasks',
  'lowercase',
  'bertAdam',
] as const;
/**
 * Options a resume may change: each step reads them afresh and no saved state depends on them (the
 * schedule's peak and warmup, the clip, the weight decay, the held-out data (drawn with its own seed) and how
 * often the run evaluates, saves and logs).
 */
export const RESUME_CHANGEABLE = [
  'lr',
  'warmup',
  'clip',
  'weightDecay',
  'evalCorpus',
  'evalEvery',
  'evalInstances',
  'evalDupeFactor',
  'saveEvery',
  'logEvery',
] as const;

/** The model config for a preset name or a config.json path, sized to the vocabulary. */
export function pretrainConfig(model: string, vocabSize: number, seqLen: number): BertConfig {
  let config: BertConfig;
  if (model in BERT_PRESETS) config = BertConfig.preset(model as BertPresetName);
  else if (existsSync(model)) config = BertConfig.fromFile(model);
  else throw new Error(`--model: "${model}" is neither a preset (${Object.keys(BERT_PRESETS).join(', ')}) nor a config.json file`);
  if (seqLen > config.maxPositionEmbeddings) {
    throw new Error(`--seq-len ${seqLen} exceeds the model's max_position_embeddings ${config.maxPositionEmbeddings}`);
  }
  return config.with({ vocabSize, architectures: ['BertForPreTraining'] });
}

/** A collated batch as the model's input tensors, with the MLM head restricted to the masked positions. */
export function batchToInputs(batch: PretrainingBatch) {
  const { batchSize: B, seqLength: S, maxPredictionsPerSeq: P } = batch;
  const positions: number[] = [];
  const labels: number[] = [];
  for (let b = 0; b < B; b++) {
    for (let p = 0; p < P; p++) {
      if (batch.mlmWeights[b * P + p] === 0) continue;
      positions.push(b * S + batch.mlmPositions[b * P + p]);
      labels.push(batch.mlmLabels[b * P + p]);
    }
  }
  return {
    inputIds: new Tensor(batch.inputIds, [B, S]),
    tokenTypeIds: new Tensor(batch.tokenTypeIds, [B, S]),
    attentionMask: new Tensor(batch.attentionMask, [B, S]),
    mlmPositions: new Tensor(Int32Array.from(positions), [positions.length]),
    mlmLabels: new Tensor(Int32Array.from(labels), [labels.length]),
    nextSentenceLabel: new Tensor(batch.nextSentenceLabels, [B]),
  };
}

/** Number of rows of `logits` [N, C] whose argmax equals `labels` [N]. */
export function countCorrect(logits: Tensor, labels: Tensor): number {
  const pred = argmax(logits, -1).data;
  let correct = 0;
  const gold = labels.data;
  for (let i = 0; i < pred.length; i++) if (pred[i] === gold[i]) correct++;
  return correct;
}

/** Held-out MLM / NSP loss and accuracy over fixed batches (no dropout, no graph). [docs: pretrain-eval] */
export function evaluatePretraining(model: BertForPreTraining, batches: PretrainingBatch[]): EvalResult {
  const wasTraining = model.training;
  model.eval();
  let mlmLossSum = 0,
    mlmCorrect = 0,
    mlmCount = 0,
    nspLossSum = 0,
    nspCorrect = 0,
    nspCount = 0;
  noGrad(() => {
    for (const batch of batches) {
      const inputs = batchToInputs(batch);
      const out = model.forward(inputs);
      const m = inputs.mlmLabels.size;
      mlmLossSum += out.mlmLoss!.item() * m;
      mlmCorrect += countCorrect(out.predictionLogits!, inputs.mlmLabels);
      mlmCount += m;
      nspLossSum += out.nspLoss!.item() * batch.batchSize;
      nspCorrect += countCorrect(out.seqRelationshipLogits!, inputs.nextSentenceLabel);
      nspCount += batch.batchSize;
    }
  });
  model.train(wasTraining);
  return {
    mlmLoss: mlmLossSum / Math.max(1, mlmCount),
    mlmAccuracy: mlmCorrect / Math.max(1, mlmCount),
    nspLoss: nspLossSum / Math.max(1, nspCount),
    nspAccuracy: nspCorrect / Math.max(1, nspCount),
    instances: nspCount,
  };
}

/** The loss stopped being finite: training stops, and the last good checkpoint stays. */
export class NonFiniteLossError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NonFiniteLossError';
  }
}

function resolved(opts: PretrainOptions) {
  const seqLen = opts.seqLen ?? 128;
  const steps = opts.steps;
  if (!(Number.isInteger(steps) && steps > 0)) throw new Error(`--steps must be a positive integer, got ${steps}`);
  if (!(Number.isInteger(seqLen) && seqLen >= 8)) throw new Error(`--seq-len must be an integer >= 8, got ${seqLen}`);
  const batch = opts.batch ?? 32;
  if (!(Number.isInteger(batch) && batch > 0)) throw new Error(`--batch must be a positive integer, got ${batch}`);
  if (opts.corpus.length === 0) throw new Error('--corpus: expected at least one corpus file');
  const evalEvery = opts.evalEvery ?? (opts.evalCorpus?.length ? Math.max(1, Math.round(steps / 10)) : 0);
  const warmup = opts.warmup ?? Math.round(steps / 10);
  if (!(Number.isInteger(warmup) && warmup >= 0 && warmup <= steps)) throw new Error(`--warmup must be an integer from 0 to --steps (${steps}), got ${warmup}`);
  const evalDupeFactor = opts.evalDupeFactor ?? 1;
  if (!(Number.isInteger(evalDupeFactor) && evalDupeFactor >= 1)) throw new Error(`--eval-dupe-factor must be a positive integer, got ${evalDupeFactor}`);
  return {
    corpus: opts.corpus,
    vocabSize: opts.vocabSize ?? 8000,
    model: opts.model ?? 'tiny',
    seqLen,
    batch,
    steps,
    lr: opts.lr ?? 1e-4,
    warmup,
    evalEvery,
    evalInstances: opts.evalInstances ?? 1000,
    evalDupeFactor: opts.evalDupeFactor ?? 1,
    /** Recorded so that a resume that leaves them out keeps them (their own seed: they change no training step). */
    evalCorpus: opts.evalCorpus ?? [],
    /** null: the default, about 50 records per run. */
    logEvery: opts.logEvery ?? null,
    saveEvery: opts.saveEvery ?? Math.max(1, Math.round(steps / 5)),
    seed: opts.seed ?? 0,
    maxPredictions: opts.maxPredictions ?? Math.max(1, Math.round(seqLen * 0.15)),
    maskedLmProb: opts.maskedLmProb ?? 0.15,
    shortSeqProb: opts.shortSeqProb ?? 0.1,
    dupeFactor: opts.dupeFactor ?? 3,
    dynamicMasking: opts.dynamicMasking ?? false,
    wholeWordMask: opts.wholeWordMask ?? false,
    weightDecay: opts.weightDecay ?? 0.01,
    clip: opts.clip ?? 1.0,
    gradAccum: opts.gradAccum ?? 1,
    lowercase: opts.lowercase ?? true,
    bertAdam: opts.bertAdam ?? false,
    /** How dropout masks are drawn, resolved for the active backend. */
    dropoutMasks: effectiveDropoutMasks(opts.dropoutMasks ?? 'auto', activeDevice() !== null),
  };
}

/**
 * Read and tokenize corpus files as a stream: only the token ids stay in memory, in one flat array
 * (token-corpus.ts), never all of the text.
 * @param onProgress called every 1,000 documents with the number read so far
 * @returns the number of documents read and the tokenized corpus (the documents with tokens)
 */
async function loadDocuments(
  files: string[],
  tokenizer: BertTokenizer,
  onProgress?: (documents: number) => void,
): Promise<{ documents: number; corpus: TokenCorpus }> {
  let documents = 0;
  async function* counted(): AsyncGenerator<CorpusDocument> {
    for await (const doc of readCorpus(files)) {
      documents++;
      if (documents % 1000 === 0) onProgress?.(documents);
      yield doc;
    }
  }
  const corpus = await tokenizeToCorpus(counted(), tokenizer, tokenizer.vocab.size);
  return { documents, corpus };
}

/**
 * Pretrain a BERT (BertForPreTraining) on `opts.corpus`; see PretrainOptions. Resolves when the run (or
 * `stopAfter`) is done; the final model is in `opts.out` (config.json, model.safetensors, vocab.txt).
 */
export async function pretrain(options: PretrainOptions): Promise<PretrainResult> {
  let opts = options;
  let o = resolved(opts);
  const out = opts.out;
  mkdirSync(out, { recursive: true });
  const say = opts.progressStream === null ? () => {} : (s: string) => (opts.progressStream ?? process.stderr).write(s + '\n');
  for (const line of cleanPartialWrites(out)) say(line);

  // 1. Resume: the newest good checkpoint must come from the same run; schedule settings may change. Every
  // option left undefined keeps the run's recorded value: only those given are compared with it.
  const resumeFrom = opts.resume ? chooseResumeCheckpoint(out, say) : null;
  let saved: { trainerState: PretrainState; optimizer: ReturnType<typeof readCheckpoint>['optimizer'] } | null = null;
  if (resumeFrom) {
    saved = readCheckpoint<PretrainState>(resumeFrom.dir);
    opts = keepSavedWhereUnset(opts, saved.trainerState.options, [...RUN_IDENTITY, ...RESUME_CHANGEABLE]);
    o = resolved(opts);
    const changes = compareResumeOptions(saved.trainerState.options, o, RUN_IDENTITY, RESUME_CHANGEABLE, resumeFrom.dir, {
      dropoutMasks: LEGACY_DROPOUT_MASKS,
    });
    if (changes.length) say(`--resume: continuing from step ${saved.trainerState.step} with ${formatChanges(changes)} (the run's other options are unchanged)`);
  }

  // 2. Vocabulary: given, from the checkpoint, or trained on the corpus.
  let vocabText: string;
  if (resumeFrom) vocabText = readFileSync(join(resumeFrom.dir, 'vocab.txt'), 'utf8');
  else if (opts.vocab) vocabText = readFileSync(opts.vocab, 'utf8');
  else {
    const t0 = performance.now();
    const tokens = trainWordPiece({ files: o.corpus, vocabSize: o.vocabSize, lowercase: o.lowercase });
    vocabText = tokens.join('\n') + '\n';
    say(`trained a WordPiece vocabulary of ${tokens.length} tokens on ${o.corpus.join(', ')} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  await writeFileAtomic(join(out, 'vocab.txt'), vocabText);
  const vocab = Vocab.fromText(vocabText, undefined, join(out, 'vocab.txt'));
  const tokenizer = new BertTokenizer(vocab, { lowercase: o.lowercase });
  const maskingVocab: MaskingVocab = createMaskingVocab(Array.from({ length: vocab.size }, (_, i) => vocab.idToToken(i)));

  // 3. Data: tokenized documents -> instances (each step deterministic under the seed). On a big corpus this
  // takes a while: a progress line at most every 5 seconds.
  let lastPreparing = performance.now();
  const preparing = (s: string): void => {
    if (performance.now() - lastPreparing < 5000) return;
    lastPreparing = performance.now();
    say(`preparing: ${s}`);
  };
  const train = await loadDocuments(o.corpus, tokenizer, (n) => preparing(`${n} documents read and tokenized`));
  const dataOpts = {
    maxSeqLength: o.seqLen,
    shortSeqProb: o.shortSeqProb,
    maskedLmProb: o.maskedLmProb,
    maxPredictionsPerSeq: o.maxPredictions,
    wholeWordMask: o.wholeWordMask,
    dupeFactor: o.dupeFactor,
  };
  const special = { clsId: maskingVocab.clsId, sepId: maskingVocab.sepId };
  const dataRng = new Rng(`${o.seed}:data`);
  const source: PretrainingSource = o.dynamicMasking
    ? {
        kind: 'dynamic',
        pairs: createPackedPairInstances(train.corpus, { ...dataOpts, dupeFactor: 1 }, special, dataRng),
        vocab: maskingVocab,
        masking: dataOpts,
      }
    : {
        kind: 'static',
        instances: createPackedPretrainingInstances(train.corpus, maskingVocab, dataOpts, dataRng, (pass, done, total) =>
          preparing(`pass ${pass + 1} of ${o.dupeFactor}: instances from ${done} of ${total} documents`),
        ),
      };
  const collate = { maxSeqLength: o.seqLen, maxPredictionsPerSeq: o.maxPredictions, padId: maskingVocab.padId };
  const stream = new PretrainingBatchStream(source, { ...collate, batchSize: o.batch }, new Rng(`${o.seed}:order`));
  say(
    `${train.documents} documents, ${stream.size} training instances (${o.dynamicMasking ? 'dynamic masking' : `dupe factor ${o.dupeFactor}`}), ${stream.batchesPerEpoch} batches per epoch`,
  );

  const evalBatches: PretrainingBatch[] = [];
  if (opts.evalCorpus?.length) {
    const held = await loadDocuments(opts.evalCorpus, tokenizer);
    const heldInstances = createPackedPretrainingInstances(held.corpus, maskingVocab, { ...dataOpts, dupeFactor: o.evalDupeFactor }, new Rng(`${o.seed}:eval`));
    const evalInstances = Array.from({ length: Math.min(heldInstances.length, o.evalInstances) }, (_, i) => heldInstances.get(i));
    for (let i = 0; i < evalInstances.length; i += o.batch) evalBatches.push(collatePretrainingBatch(evalInstances.slice(i, i + o.batch), collate));
    say(
      `${held.documents} held-out documents, ${evalInstances.length} evaluation instances${o.evalDupeFactor > 1 ? ` (eval dupe factor ${o.evalDupeFactor})` : ''}`,
    );
  }

  // 4. Model and optimizer.
  const config = pretrainConfig(o.model, vocab.size, o.seqLen);
  const model = new BertForPreTraining(config, { seed: o.seed });
  model.dropoutSource.masks = o.dropoutMasks;
  model.train();
  const named = model.namedParameters();
  const optimizer = new AdamW(named, { lr: o.lr, eps: 1e-6, weightDecay: o.weightDecay, biasCorrection: !o.bertAdam });
  const params = named.map(([, p]) => p);
  let step = 0;
  let tokensSeen = 0;
  const metrics = new MetricsLog(join(out, 'metrics.jsonl'));
  if (resumeFrom && saved) {
    loadWeightsIntoModel(model, readCheckpointWeights(resumeFrom.dir), { strict: true, initRng: model.initRng, initStd: config.initializerRange });
    optimizer.setState(saved.optimizer);
    model.dropoutRng = Rng.fromState(saved.trainerState.dropoutRng);
    stream.setState(saved.trainerState.stream);
    step = saved.trainerState.step;
    tokensSeen = saved.trainerState.tokensSeen;
    metrics.truncateAfter(step);
    say(`resumed from ${resumeFrom.dir} at step ${step}`);
  } else {
    metrics.truncateAfter(-1);
  }
  // On a backend with a device (gpujs-webgpu) the weights live there from now on; a no-op otherwise.
  const device = placeOnActiveDevice(params);
  if (device) say(`weights on device ${device.name}`);
  const nParams = model.numParameters();
  say(
    `BertForPreTraining ${o.model}: ${config.numHiddenLayers} layers, hidden ${config.hiddenSize}, ${config.numAttentionHeads} heads, vocab ${vocab.size}, ${(nParams / 1e6).toFixed(2)}M parameters`,
  );

  const progress =
    opts.progressStream === null
      ? null
      : new Progress({ total: o.steps, label: 'pretrain', stream: opts.progressStream ?? process.stderr, every: opts.logEvery, startStep: step });
  const optionsRecord = Object.fromEntries(Object.entries(o)) as Record<string, unknown>;
  const window: TrainWindow = { loss: 0, mlmCorrect: 0, mlmCount: 0, nspCorrect: 0, nspCount: 0, steps: 0 };
  if (saved?.trainerState.window) Object.assign(window, saved.trainerState.window);
  let lastLoss: number | undefined;
  let firstLoss = saved?.trainerState.firstLoss;
  /** The newest checkpoint this run has, with its step. */
  let lastSaved: { step: number; dir: string } | null = resumeFrom;
  const checkpoint = async () => {
    const state: PretrainState = {
      step,
      totalSteps: o.steps,
      options: optionsRecord,
      dropoutRng: model.dropoutRng.getState(),
      stream: stream.getState(),
      tokensSeen,
      window: { ...window },
      firstLoss,
    };
    const tensors = modelTensors(model);
    const dir = await saveCheckpoint(out, {
      modelFiles: { 'config.json': config.toJSONString(), 'model.safetensors': encodeSafetensors(tensors, { format: 'pt' }) },
      vocabText,
      optimizer: optimizer.getState(),
      trainerState: state as unknown as { step: number } & Record<string, unknown>,
      health: checkpointHealth(tensors, lastLoss),
    });
    lastSaved = { step, dir };
    return dir;
  };
  const writeCurves = async () => {
    const svg = curvesSvg(
      metrics.read(),
      [
        { metric: 'loss', title: 'loss (MLM + NSP)' },
        { metric: 'mlm_accuracy', title: 'masked-LM accuracy' },
        { metric: 'nsp_accuracy', title: 'next-sentence accuracy' },
      ],
      `pretraining ${o.model} on ${o.corpus.join(', ')}`,
    );
    await writeFileAtomic(join(out, 'curves.svg'), svg);
  };
  const runEval = async (): Promise<EvalResult | undefined> => {
    if (evalBatches.length === 0) return undefined;
    const r = evaluatePretraining(model, evalBatches);
    metrics.append({
      step,
      split: 'eval',
      loss: r.mlmLoss + r.nspLoss,
      mlm_loss: r.mlmLoss,
      mlm_accuracy: r.mlmAccuracy,
      nsp_loss: r.nspLoss,
      nsp_accuracy: r.nspAccuracy,
    });
    progress?.log(
      `eval step ${step}: MLM loss ${r.mlmLoss.toFixed(4)} acc ${(100 * r.mlmAccuracy).toFixed(2)}% | NSP loss ${r.nspLoss.toFixed(4)} acc ${(100 * r.nspAccuracy).toFixed(2)}% (${r.instances} held-out instances)`,
    );
    await writeCurves();
    return r;
  };

  // 5. The loop.
  const stopAt = Math.min(o.steps, opts.stopAfter ?? o.steps);
  const logEvery = opts.logEvery ?? Math.max(1, Math.round(o.steps / 50));
  const t0 = performance.now();
  let sessionTokens = 0;
  let lastEval: EvalResult | undefined;
  let interrupted: Interruption | undefined;
  if (step === 0 && evalBatches.length) lastEval = await runEval();
  while (step < stopAt) {
    await yieldToEventLoop(); // a signal handler, and the host's messages, get to run between steps
    if (opts.signal?.aborted) {
      // The step reached is saved unless it already is (or nothing was trained yet).
      const dir = lastSaved?.step === step ? lastSaved.dir : step > 0 ? await checkpoint() : null;
      interrupted = { step, checkpoint: dir };
      break;
    }
    // [docs: pretrain-step] The schedule's rate, then one trainStep: forward and backward per micro-batch, clip, AdamW.
    const lr = o.lr * linearWarmupDecay(step, o.warmup, o.steps);
    let stepLoss: number;
    let gradNormValue: number;
    try {
      ({ loss: stepLoss, gradNorm: gradNormValue } = trainStep(
        (): Tensor => {
          const batch = stream.nextBatch();
          const inputs = batchToInputs(batch);
          const outp = model.forward(inputs);
          window.mlmCorrect += countCorrect(outp.predictionLogits!, inputs.mlmLabels);
          window.mlmCount += inputs.mlmLabels.size;
          window.nspCorrect += countCorrect(outp.seqRelationshipLogits!, inputs.nextSentenceLabel);
          window.nspCount += batch.batchSize;
          sessionTokens += batch.batchSize * batch.seqLength;
          tokensSeen += batch.batchSize * batch.seqLength;
          return outp.loss!;
        },
        { params, optimizer, lr, clip: o.clip, microBatches: o.gradAccum },
      ));
    } catch (e) {
      // [docs: pretrain-non-finite] A non-finite loss or gradient norm stops the run, naming the last good checkpoint.
      if (!(e instanceof NonFiniteError)) throw e;
      throw new NonFiniteLossError(await nonFiniteStop(out, e, step, lr, o.lr, 'or a longer --warmup'));
    }
    await releaseUnusedDeviceMemory(); // a no-op unless the weights are on a device
    if (step === 0) firstLoss = stepLoss;
    // This step's loss is the verdict on the weights it started from: a checkpoint of them is marked if bad.
    const problem = lastSaved?.step === step ? lossProblem(stepLoss, firstLoss) : null;
    if (problem) await markCheckpointBad(lastSaved!.dir, problem);
    step++;
    lastLoss = stepLoss;
    window.loss += stepLoss;
    window.steps++;
    const mlmAcc = window.mlmCorrect / Math.max(1, window.mlmCount);
    const nspAcc = window.nspCorrect / Math.max(1, window.nspCount);
    progress?.update(
      step,
      { loss: window.loss / window.steps, mlm: `${(100 * mlmAcc).toFixed(1)}%`, nsp: `${(100 * nspAcc).toFixed(1)}%`, lr: lr.toExponential(2) },
      sessionTokens,
    );
    if (step % logEvery === 0 || step === stopAt) {
      metrics.append({
        step,
        split: 'train',
        loss: window.loss / window.steps,
        mlm_accuracy: mlmAcc,
        nsp_accuracy: nspAcc,
        lr,
        grad_norm: gradNormValue,
        tokens_per_second: sessionTokens / ((performance.now() - t0) / 1000),
      });
      Object.assign(window, { loss: 0, mlmCorrect: 0, mlmCount: 0, nspCorrect: 0, nspCount: 0, steps: 0 });
    }
    if (o.evalEvery > 0 && (step % o.evalEvery === 0 || step === o.steps)) lastEval = await runEval();
    if (step % o.saveEvery === 0 || step === stopAt) {
      const dir = await checkpoint();
      progress?.log(`checkpoint: ${dir}`);
    }
  }
  progress?.finish();
  const seconds = (performance.now() - t0) / 1000;

  // 6. The final model, loadable by `bert fill-mask --model OUT` and by transformers.
  if (step === o.steps) {
    await writeFileAtomic(join(out, 'config.json'), config.toJSONString());
    await writeFileAtomic(join(out, 'model.safetensors'), encodeSafetensors(modelTensors(model), { format: 'pt' }));
  }
  await writeCurves();
  return { steps: step, out, lastEval, tokensPerSecond: sessionTokens / Math.max(1e-9, seconds), seconds, ...(interrupted ? { interrupted } : {}) };
}

/**
 * The message of a training run stopped by a NaN or infinite loss or gradient norm at step `step + 1`. The
 * checkpoint of `step`, if there is one, holds the weights that gave it: it is marked bad. The message names
 * the newest good checkpoint before it (checkpoint.ts, run-health.ts) and how to continue from it. Shared
 * with fine-tuning.
 * @param lr the learning rate of the failed step; peakLr the run's --lr
 * @param alsoTry more advice, e.g. 'or a longer --warmup'
 */
export async function nonFiniteStop(out: string, e: NonFiniteError, step: number, lr: number, peakLr: number, alsoTry: string): Promise<string> {
  const current = listCheckpoints(out).find((c) => c.step === step);
  if (current) await markCheckpointBad(current.dir, `its weights gave a ${e.what} of ${e.value} at the next step`);
  const good = latestGoodCheckpoint(out, step);
  const what =
    e.what === 'loss'
      ? `the loss became ${e.value} at step ${step + 1} (learning rate ${lr.toExponential(3)})`
      : `the gradient norm became ${e.value} at step ${step + 1}`;
  const lower = Number((peakLr / 10).toPrecision(2));
  const more = alsoTry ? ` ${alsoTry}` : '';
  const where = good
    ? `The last good checkpoint is ${good.dir} (step ${good.step}: finite weights, a sane loss). To continue from it with a lower learning rate, run the same command with --resume --lr ${lower} (a tenth of now)${more}.`
    : `No checkpoint with finite weights (below ${SANE_WEIGHT_LIMIT}) and a sane loss was written; start again with a lower --lr (e.g. ${lower})${more}.`;
  return `${what}; training stopped. ${where}`;
}
