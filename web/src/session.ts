/**
 * One pretraining run of the playground, as plain library calls: corpus -> WordPiece vocabulary ->
 * pretraining instances -> a small BertForPreTraining -> AdamW steps. The page's Web Worker (worker.ts)
 * drives it, and so does Node (web/scripts/node-losses.ts), which is how the browser test checks that the
 * page's losses equal Node's bit for bit: the same file, the same seed, another JavaScript engine.
 *
 * The defaults are `npm run demo`'s (src/train/demo.ts): the demo model (2 layers, hidden 64, 2 heads),
 * 400 WordPiece tokens, sequences of 32 tokens, batches of 32, AdamW at 5e-3 with warmup over a tenth of
 * the steps and linear decay, no dropout.
 */
import { setBackend } from '../../src/autograd/dispatch.ts';
import { setCpuMatmul } from '../../src/accel/cpu/matmul-default.ts';
import { BertConfig } from '../../src/bert/config.ts';
import { BertForPreTraining } from '../../src/bert/pretraining.ts';
import type { BertPreTrainedModel } from '../../src/bert/model.ts';
import { parseCorpus } from '../../src/data/corpus.ts';
import { createMaskingVocab } from '../../src/data/masking.ts';
import { PretrainingBatchStream } from '../../src/data/pretraining-batches.ts';
import { createPretrainingInstances, tokenizeDocument } from '../../src/data/pretraining-instances.ts';
import { generateSyntheticDocuments } from '../../src/data/synthetic-corpus.ts';
import { loadWeightsIntoModel, modernName } from '../../src/hf/checkpoint.ts';
import { modelTensors } from '../../src/hf/pretrained.ts';
import { modelClassForArchitecture } from '../../src/hf/registry.ts';
import { readSafetensors } from '../../src/io/safetensors.ts';
import { encodeSafetensors } from '../../src/io/safetensors-write.ts';
import { AdamW } from '../../src/optim/adamw.ts';
import { linearWarmupDecay } from '../../src/optim/schedule.ts';
import { trainStep } from '../../src/optim/train-step.ts';
import { Rng } from '../../src/tensor/random.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { BertTokenizer } from '../../src/tokenizer/tokenizer.ts';
import { trainWordPiece } from '../../src/tokenizer/trainer.ts';
import { Vocab } from '../../src/tokenizer/vocab.ts';
import { attentionPanels, sentenceAttention } from '../../src/train/attention-maps.ts';
import { DEMO_CONFIG } from '../../src/train/demo-config.ts';
import { fillMask, type MaskPrediction } from '../../src/train/fill-mask.ts';
import { batchToInputs } from '../../src/train/pretrain.ts';
import { attentionSvg } from '../../src/viz/attention.ts';
import { type Classification, classify, type RawLogits, rawLogits } from './classifier.ts';
import '../../src/autograd/backward.ts';
import '../../src/accel/cpu/index.ts';
import '../../src/accel/wasm/index.ts';

/** Kernel sets the playground offers: 'cpu' (the cpu backend in TypeScript only) and 'wasm' (WebAssembly SIMD matmul and GELU). */
export const SESSION_BACKENDS = ['wasm', 'cpu'] as const;
export type SessionBackend = (typeof SESSION_BACKENDS)[number];

export interface SessionOptions {
  seed?: number;
  /** Text to train on (documents separated by blank lines, one sentence per line); default: generated stories. */
  corpus?: string | null;
  /** Generated stories when `corpus` is not given (default 1500, as the demo). */
  documents?: number;
  vocabSize?: number;
  seqLen?: number;
  batch?: number;
  /** Planned steps: the learning-rate schedule warms up over a tenth of them and decays to 0 at the last. */
  steps?: number;
  lr?: number;
  backend?: SessionBackend;
}

export const SESSION_DEFAULTS = { seed: 0, documents: 1500, vocabSize: 400, seqLen: 32, batch: 32, steps: 2000, lr: 5e-3, backend: 'wasm' as SessionBackend };

export interface StepRecord {
  step: number;
  mlmLoss: number;
  nspLoss: number;
  /** Real (non-padding) tokens in the batch. */
  tokens: number;
  /** Wall time of the step in milliseconds. */
  ms: number;
}

/** The three files of a checkpoint in Hugging Face's layout, as the CLI writes them. */
export interface ModelFiles {
  'config.json': string;
  'model.safetensors': Uint8Array;
  'vocab.txt': string;
}

export class PretrainSession {
  readonly options: Required<Omit<SessionOptions, 'corpus'>> & { corpus: string | null };
  readonly tokenizer: BertTokenizer;
  readonly model: BertPreTrainedModel;
  readonly documents: number;
  readonly instances: number;
  step = 0;
  private readonly trainable: boolean;
  private readonly stream: PretrainingBatchStream | null;
  private readonly optimizer: AdamW | null;
  private readonly params: Tensor[];

  private constructor(
    options: PretrainSession['options'],
    tokenizer: BertTokenizer,
    model: BertPreTrainedModel,
    documents: number,
    stream: PretrainingBatchStream | null,
  ) {
    this.options = options;
    this.tokenizer = tokenizer;
    this.model = model;
    this.documents = documents;
    this.stream = stream;
    this.instances = stream?.size ?? 0;
    this.trainable = stream !== null && model instanceof BertForPreTraining;
    const named = model.namedParameters();
    this.params = named.map(([, p]) => p);
    this.optimizer = this.trainable ? new AdamW(named, { lr: options.lr }) : null;
  }

  /** A fresh run: make (or parse) the corpus, train the vocabulary, build the instances and the model. */
  static create(opts: SessionOptions = {}): PretrainSession {
    const o = { ...SESSION_DEFAULTS, ...opts, corpus: opts.corpus ?? null };
    useBackend(o.backend);
    const docs =
      o.corpus !== null
        ? parseCorpus(o.corpus, 'pasted text').map((d) => d.sentences)
        : generateSyntheticDocuments({ documents: o.documents, seed: 1000 + o.seed });
    if (docs.length < 2) {
      throw new Error(
        `the text is one document: next-sentence prediction draws its random sentence B from another document, so separate at least two documents with a blank line (found ${docs.length})`,
      );
    }
    const tokens = trainWordPiece({ texts: docs.map((d) => d.join('\n')), vocabSize: o.vocabSize });
    const tokenizer = new BertTokenizer(new Vocab(tokens));
    const maskingVocab = createMaskingVocab(tokens);
    const maxPredictions = Math.max(1, Math.round(o.seqLen * 0.15));
    const dataOpts = { maxSeqLength: o.seqLen, shortSeqProb: 0.1, maskedLmProb: 0.15, maxPredictionsPerSeq: maxPredictions, dupeFactor: 3 };
    const instances = createPretrainingInstances(
      docs.map((d) => tokenizeDocument(d, tokenizer)),
      maskingVocab,
      dataOpts,
      new Rng(`${o.seed}:data`),
    );
    if (instances.length === 0)
      throw new Error(`the corpus gave no training pairs: it needs documents of at least two sentences (found ${docs.length} documents)`);
    const stream = new PretrainingBatchStream(
      { kind: 'static', instances },
      { maxSeqLength: o.seqLen, maxPredictionsPerSeq: maxPredictions, padId: maskingVocab.padId, batchSize: o.batch },
      new Rng(`${o.seed}:order`),
    );
    const config = BertConfig.fromJSON({ ...DEMO_CONFIG, vocab_size: tokenizer.vocab.size, architectures: ['BertForPreTraining'] }, 'the playground model');
    const model = new BertForPreTraining(config, { seed: o.seed });
    return new PretrainSession(o, tokenizer, model, docs.length, stream);
  }

  /**
   * A model loaded from the three files of a checkpoint (config.json, model.safetensors, vocab.txt): it
   * answers attention, fill-mask when it has a masked-LM head, the classifier when it is a
   * BertForSequenceClassification (`bert finetune`); it does not train further.
   * @param files.lowercase whether the tokenizer lowercases (do_lower_case of tokenizer_config.json; default true)
   */
  static load(files: { config: string; weights: Uint8Array; vocab: string; lowercase?: boolean }, backend: SessionBackend = 'wasm'): PretrainSession {
    useBackend(backend);
    let json: unknown;
    try {
      json = JSON.parse(files.config);
    } catch (e) {
      throw new Error(`config.json is not JSON: ${(e as Error).message}`);
    }
    const config = BertConfig.fromJSON(json, 'config.json');
    const vocab = Vocab.fromText(files.vocab, undefined, 'vocab.txt');
    if (vocab.size > config.vocabSize) {
      throw new Error(`vocab.txt has ${vocab.size} tokens but the model's config.json says vocab_size ${config.vocabSize}: they are not from the same model`);
    }
    const name = config.architectures?.[0] ?? 'BertForPreTraining';
    const cls = modelClassForArchitecture(name);
    const model = new cls(config, { init: false });
    const file = readSafetensors(files.weights, 'model.safetensors');
    const state = new Map<string, Tensor>();
    for (const e of file.entries.values()) {
      if (e.dtype === 'BOOL' || e.dtype.startsWith('I') || e.dtype.startsWith('U')) continue; // buffers, not weights
      state.set(modernName(e.name), new Tensor(file.toFloat32(e.name), e.shape));
    }
    loadWeightsIntoModel(model, state, { initRng: new Rng('load'), initStd: config.initializerRange });
    const o = { ...SESSION_DEFAULTS, backend, corpus: null };
    return new PretrainSession(o, new BertTokenizer(vocab, { lowercase: files.lowercase ?? true }), model, 0, null);
  }

  get canTrain(): boolean {
    return this.trainable;
  }

  /** One AdamW step on the next batch. */
  trainOne(): StepRecord {
    if (!this.trainable || !this.stream || !this.optimizer) throw new Error('this model cannot be trained here: load a BertForPreTraining or start a new run');
    useBackend(this.options.backend);
    const t0 = performance.now();
    const batch = this.stream.nextBatch();
    const inputs = batchToInputs(batch);
    const model = this.model as BertForPreTraining;
    model.train();
    const out = model.forward(inputs);
    const { steps, lr } = this.options;
    trainStep(() => out.loss!, {
      params: this.params,
      optimizer: this.optimizer,
      lr: lr * linearWarmupDecay(this.step, Math.round(steps / 10), steps),
      clip: 1.0,
    });
    this.step++;
    let tokens = 0;
    for (let i = 0; i < batch.attentionMask.length; i++) tokens += batch.attentionMask[i]!;
    return { step: this.step, mlmLoss: out.mlmLoss!.item(), nspLoss: out.nspLoss!.item(), tokens, ms: performance.now() - t0 };
  }

  fillMask(text: string, topK = 5): MaskPrediction[] {
    useBackend(this.options.backend);
    return fillMask(this.model, this.tokenizer, text, topK);
  }

  /** The model's raw head output for `text` (and `pair`): masked-LM logits, or a fine-tuning head's logits. */
  rawLogits(text: string, pair: string | null = null): RawLogits {
    useBackend(this.options.backend);
    return rawLogits(this.model, this.tokenizer, text, pair);
  }

  /** The labels of a fine-tuned sequence classifier for `text` (and `pair`), most probable first. */
  classify(text: string, pair: string | null = null): Classification {
    useBackend(this.options.backend);
    return classify(this.model, this.tokenizer, text, pair);
  }

  /** The attention of every layer and head for `text`, drawn as one SVG (src/viz/attention.ts). */
  attentionSvg(text: string): string {
    useBackend(this.options.backend);
    const att = sentenceAttention(this.model, this.tokenizer, text);
    return attentionSvg(att.tokens, attentionPanels(att), { title: 'Attention weights', subtitle: `after ${this.step} steps`, tooltips: true });
  }

  /** The WordPiece pieces of `text`, [CLS] and [SEP] included. */
  pieces(text: string): string[] {
    return this.tokenizer.encode(text).tokens;
  }

  /** The model as config.json, model.safetensors and vocab.txt (what `bert fill-mask --model` reads). */
  save(): ModelFiles {
    const config = this.model.config.with({ architectures: [this.model.architecture] });
    const chunks = encodeSafetensors(modelTensors(this.model), { format: 'pt' });
    const weights = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of chunks) {
      weights.set(c, at);
      at += c.length;
    }
    return { 'config.json': config.toJSONString(), 'model.safetensors': weights, 'vocab.txt': this.tokenizer.vocab.toText() };
  }
}

/** 'cpu' is the cpu backend without WebAssembly (TypeScript products and GELU); 'wasm' the wasm kernels. */
export function useBackend(name: SessionBackend): void {
  if (!SESSION_BACKENDS.includes(name)) throw new Error(`backend: expected one of ${SESSION_BACKENDS.join(', ')}, found "${name}"`);
  setCpuMatmul(name === 'cpu' ? 'typescript' : 'wasm');
  setBackend(name);
}
