/**
 * BertPreTrainedModel, the base of every BERT model (config, seeded generators, loading), and BertModel,
 * the encoder itself: embeddings -> L encoder layers -> optional pooler.
 */
import type { RngSource } from '../nn/dropout.ts';
import { initWeights } from '../nn/init.ts';
import { Module } from '../nn/module.ts';
import { Rng } from '../tensor/random.ts';
import { extendedAttentionMask } from './attention.ts';
import { BertConfig, type BertConfigOptions } from './config.ts';
import { checkpointReader, type LoadReport } from './files.ts';
import { BertEmbeddings } from './embeddings.ts';
import { BertEncoder } from './encoder.ts';
import { validateEncoderInputs, type BertInputs } from './inputs.ts';
import type { BertModelOutput } from './outputs.ts';
import { BertPooler } from './pooler.ts';

export interface BertModelOptions {
  /** Seeds both generators (weights: `${seed}:init`, dropout: `${seed}:dropout`). Default 0. */
  seed?: number | string;
  /** The dropout generator (instead of one seeded from `seed`). */
  rng?: Rng;
  /** The weight-initialisation generator (instead of one seeded from `seed`). */
  initRng?: Rng;
  /** Initialise the weights as Hugging Face does (default true); false leaves zeros, to load a checkpoint. */
  init?: boolean;
  /** Internal: a head passes its generator holder to the BertModel inside it. */
  dropoutSource?: RngSource;
}

export interface FromPretrainedOptions extends Omit<BertModelOptions, 'init' | 'dropoutSource'> {
  /** Change config fields before building (e.g. numLabels for a new classifier, dropout). */
  config?: BertConfigOptions;
  /** Throw when the checkpoint lacks a parameter or has unknown names (default false: report). */
  strict?: boolean;
  /** Where to report missing / unexpected names (default console.warn); the report is also on `loadReport`. */
  onWarning?: (message: string) => void;
}

/** Any model class: constructible from a config. */
export type BertModelClass<T extends BertPreTrainedModel = BertPreTrainedModel> = new (config: BertConfig, opts?: BertModelOptions) => T;

export abstract class BertPreTrainedModel extends Module {
  readonly config: BertConfig;
  /** The holder of the dropout generator that every Dropout of this model draws from. */
  readonly dropoutSource: RngSource;
  /** The generator used for weight initialisation (and for parameters a checkpoint lacks). */
  readonly initRng: Rng;
  /** Set by fromPretrained / loadPretrained: what loading the checkpoint did. */
  loadReport?: LoadReport;

  constructor(config: BertConfig, opts: BertModelOptions = {}) {
    super();
    if (!(config instanceof BertConfig)) throw new Error(`${new.target.name}: expected a BertConfig, got ${typeof config}`);
    this.config = config;
    const seed = opts.seed ?? 0;
    this.dropoutSource = opts.dropoutSource ?? { rng: opts.rng ?? new Rng(`${seed}:dropout`) };
    this.initRng = opts.initRng ?? new Rng(`${seed}:init`);
  }

  /** Hugging Face's class name, written to config.json `architectures`. */
  abstract get architecture(): string;

  /** Run the model; see BertInputs and BertModelOutput. */
  abstract forward(inputs: BertInputs): BertModelOutput;

  /** The dropout generator. Save its state with `getState()`; restore by assigning `Rng.fromState(state)`. */
  get dropoutRng(): Rng {
    return this.dropoutSource.rng;
  }

  set dropoutRng(rng: Rng) {
    this.dropoutSource.rng = rng;
  }

  /** Subclass constructors call this last: name the parameters by their full path and initialise them. */
  protected finishConstruction(opts: BertModelOptions): void {
    this.assignParameterNames();
    if (opts.init ?? true) initWeights(this, this.initRng, this.config.initializerRange);
  }

  /**
   * Build this class from a Hugging Face checkpoint directory (config.json + model.safetensors), read by
   * src/hf (files.ts). Parameters the checkpoint lacks are initialised from `seed` and reported.
   */
  static fromPretrained<T extends BertPreTrainedModel>(this: BertModelClass<T>, dir: string, opts: FromPretrainedOptions = {}): T {
    const files = checkpointReader();
    let config = BertConfig.fromFile(files.configPath(dir));
    if (opts.config) config = config.with(opts.config);
    return files.loadWeights(new this(config, { ...opts, init: false }), dir, opts);
  }
}

/** The encoder alone: embeddings, the layers, and (by default) the pooler. Parameter names have no `bert.` prefix. */
export class BertModel extends BertPreTrainedModel {
  readonly embeddings: BertEmbeddings;
  readonly encoder: BertEncoder;
  readonly pooler: BertPooler | null;

  constructor(config: BertConfig, opts: BertModelOptions & { addPoolingLayer?: boolean } = {}) {
    super(config, opts);
    this.embeddings = this.registerModule('embeddings', new BertEmbeddings(config, this.dropoutSource));
    this.encoder = this.registerModule('encoder', new BertEncoder(config, this.dropoutSource));
    this.pooler = opts.addPoolingLayer === false ? null : this.registerModule('pooler', new BertPooler(config));
    this.finishConstruction(opts);
  }

  get architecture(): string {
    return 'BertModel';
  }

  /**
   * @param inputs inputIds int32 [batch, seq], optional tokenTypeIds and attentionMask of the same shape
   * @returns lastHiddenState [batch, seq, hidden], poolerOutput [batch, hidden] (with a pooler), and
   *   hiddenStates / attentions when asked for
   */
  forward(inputs: BertInputs): BertModelOutput {
    validateEncoderInputs(this.config, inputs);
    return this.forwardUnchecked(inputs);
  }

  /** forward() without validating the inputs (the heads validate their own inputs first). */
  forwardUnchecked(inputs: BertInputs): BertModelOutput {
    const maskBias = inputs.attentionMask ? extendedAttentionMask(inputs.attentionMask) : null;
    const embedded = this.embeddings.forward(inputs.inputIds, inputs.tokenTypeIds);
    const enc = this.encoder.forward(embedded, maskBias, { hiddenStates: inputs.outputHiddenStates, attentions: inputs.outputAttentions });
    const out: BertModelOutput = { lastHiddenState: enc.lastHiddenState };
    if (this.pooler) out.poolerOutput = this.pooler.forward(enc.lastHiddenState);
    if (enc.hiddenStates) out.hiddenStates = enc.hiddenStates;
    if (enc.attentions) out.attentions = enc.attentions;
    return out;
  }
}
