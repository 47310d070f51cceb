/**
 * BertConfig: the hyper-parameters of a BERT model, with the fields and defaults of Hugging Face's
 * `config.json` (camelCase here, snake_case in the file), presets for the published sizes, validation with
 * clear errors, and reading/writing `config.json` so that `transformers` loads it unchanged.
 *
 *   vocab_size 30522, hidden_size 768, num_hidden_layers 12, num_attention_heads 12, intermediate_size 3072,
 *   hidden_act "gelu", hidden_dropout_prob 0.1, attention_probs_dropout_prob 0.1, max_position_embeddings 512,
 *   type_vocab_size 2, initializer_range 0.02, layer_norm_eps 1e-12, pad_token_id 0, classifier_dropout null
 *
 * Fields this project does not use (use_cache, bos_token_id, transformers_version, ...) are kept in `extra`
 * and written back, so a config survives a round trip.
 */
import { ACTIVATION_NAMES } from '../nn/activations.ts';
import { checkpointReader } from './files.ts';

/** Hugging Face's `problem_type` for BertForSequenceClassification. */
export type ProblemType = 'regression' | 'single_label_classification' | 'multi_label_classification';

/** The fields a config can be built from (all optional; defaults are BERT-Base's). */
export interface BertConfigOptions {
  vocabSize?: number;
  hiddenSize?: number;
  numHiddenLayers?: number;
  numAttentionHeads?: number;
  intermediateSize?: number;
  hiddenAct?: string;
  hiddenDropoutProb?: number;
  attentionProbsDropoutProb?: number;
  maxPositionEmbeddings?: number;
  typeVocabSize?: number;
  initializerRange?: number;
  layerNormEps?: number;
  padTokenId?: number;
  /** Dropout before the classifier of the classification heads; null means hiddenDropoutProb. */
  classifierDropout?: number | null;
  /** Number of outputs of the classification heads (default 2; taken from id2label when that is given). */
  numLabels?: number;
  id2label?: Record<string, string>;
  label2id?: Record<string, number>;
  problemType?: ProblemType | null;
  /** Model class names, e.g. ["BertForPreTraining"]. */
  architectures?: string[] | null;
  /** Whether the MLM decoder shares the word embeddings (always true for BERT; written for transformers). */
  tieWordEmbeddings?: boolean;
  /** Fields of config.json this project does not interpret, written back unchanged. */
  extra?: Record<string, unknown>;
}

/** The published sizes: layers / hidden / heads, intermediate = 4 x hidden. [docs: config-presets] */
export const BERT_PRESETS = {
  tiny: { numHiddenLayers: 2, hiddenSize: 128, numAttentionHeads: 2 },
  mini: { numHiddenLayers: 4, hiddenSize: 256, numAttentionHeads: 4 },
  small: { numHiddenLayers: 4, hiddenSize: 512, numAttentionHeads: 8 },
  medium: { numHiddenLayers: 8, hiddenSize: 512, numAttentionHeads: 8 },
  base: { numHiddenLayers: 12, hiddenSize: 768, numAttentionHeads: 12 },
  large: { numHiddenLayers: 24, hiddenSize: 1024, numAttentionHeads: 16 },
} as const;

export type BertPresetName = keyof typeof BERT_PRESETS;

/** config.json keys (snake_case) of the fields BertConfig interprets, and their camelCase property. */
const JSON_FIELDS = {
  vocab_size: 'vocabSize',
  hidden_size: 'hiddenSize',
  num_hidden_layers: 'numHiddenLayers',
  num_attention_heads: 'numAttentionHeads',
  intermediate_size: 'intermediateSize',
  hidden_act: 'hiddenAct',
  hidden_dropout_prob: 'hiddenDropoutProb',
  attention_probs_dropout_prob: 'attentionProbsDropoutProb',
  max_position_embeddings: 'maxPositionEmbeddings',
  type_vocab_size: 'typeVocabSize',
  initializer_range: 'initializerRange',
  layer_norm_eps: 'layerNormEps',
  pad_token_id: 'padTokenId',
  classifier_dropout: 'classifierDropout',
  problem_type: 'problemType',
  architectures: 'architectures',
  tie_word_embeddings: 'tieWordEmbeddings',
} as const satisfies Record<string, keyof BertConfigOptions>;

/** Fields Hugging Face writes for every BERT config, with the values this project always has. */
const FIXED_DEFAULTS: Record<string, unknown> = {
  add_cross_attention: false,
  bos_token_id: null,
  dtype: 'float32',
  eos_token_id: null,
  is_decoder: false,
  use_cache: true,
};

export class BertConfig {
  vocabSize: number;
  hiddenSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  intermediateSize: number;
  hiddenAct: string;
  hiddenDropoutProb: number;
  attentionProbsDropoutProb: number;
  maxPositionEmbeddings: number;
  typeVocabSize: number;
  initializerRange: number;
  layerNormEps: number;
  padTokenId: number;
  classifierDropout: number | null;
  id2label: Record<string, string>;
  label2id: Record<string, number>;
  problemType: ProblemType | null;
  architectures: string[] | null;
  tieWordEmbeddings: boolean;
  extra: Record<string, unknown>;

  /** Build and validate; throws naming the first invalid field. */
  constructor(opts: BertConfigOptions = {}) {
    this.vocabSize = opts.vocabSize ?? 30522;
    this.hiddenSize = opts.hiddenSize ?? 768;
    this.numHiddenLayers = opts.numHiddenLayers ?? 12;
    this.numAttentionHeads = opts.numAttentionHeads ?? 12;
    this.intermediateSize = opts.intermediateSize ?? 4 * this.hiddenSize;
    this.hiddenAct = opts.hiddenAct ?? 'gelu';
    this.hiddenDropoutProb = opts.hiddenDropoutProb ?? 0.1;
    this.attentionProbsDropoutProb = opts.attentionProbsDropoutProb ?? 0.1;
    this.maxPositionEmbeddings = opts.maxPositionEmbeddings ?? 512;
    this.typeVocabSize = opts.typeVocabSize ?? 2;
    this.initializerRange = opts.initializerRange ?? 0.02;
    this.layerNormEps = opts.layerNormEps ?? 1e-12;
    this.padTokenId = opts.padTokenId ?? 0;
    this.classifierDropout = opts.classifierDropout ?? null;
    this.problemType = opts.problemType ?? null;
    this.architectures = opts.architectures ?? null;
    this.tieWordEmbeddings = opts.tieWordEmbeddings ?? true;
    this.extra = { ...(opts.extra ?? {}) };
    if (opts.id2label) {
      this.id2label = { ...opts.id2label };
    } else {
      const n = opts.numLabels ?? 2;
      if (!(Number.isInteger(n) && n >= 1)) throw new Error(`BertConfig: numLabels must be a positive integer, got ${n}`);
      this.id2label = Object.fromEntries(Array.from({ length: n }, (_, i) => [String(i), `LABEL_${i}`]));
    }
    this.label2id = opts.label2id ? { ...opts.label2id } : Object.fromEntries(Object.entries(this.id2label).map(([i, l]) => [l, Number(i)]));
    if (opts.numLabels !== undefined && opts.numLabels !== this.numLabels) {
      throw new Error(`BertConfig: numLabels ${opts.numLabels} disagrees with id2label, which has ${this.numLabels} labels`);
    }
    this.validate();
  }

  /** Number of outputs of the classification heads (the size of id2label). */
  get numLabels(): number {
    return Object.keys(this.id2label).length;
  }

  /** hiddenSize / numAttentionHeads. */
  get headDim(): number {
    return this.hiddenSize / this.numAttentionHeads;
  }

  /** Dropout before the classifiers: classifierDropout, or hiddenDropoutProb when that is null. [docs: classifier-dropout] */
  get classifierDropoutProb(): number {
    return this.classifierDropout ?? this.hiddenDropoutProb;
  }

  /** A published size with `overrides` (e.g. a smaller vocabulary). Intermediate size is 4 x hidden. */
  static preset(name: BertPresetName, overrides: BertConfigOptions = {}): BertConfig {
    const p = BERT_PRESETS[name];
    if (!p) throw new Error(`BertConfig.preset: unknown preset "${name}"; expected one of: ${Object.keys(BERT_PRESETS).join(', ')}`);
    return new BertConfig({ ...p, intermediateSize: 4 * (overrides.hiddenSize ?? p.hiddenSize), ...overrides });
  }

  /** A copy with some fields changed (validated again). */
  with(overrides: BertConfigOptions): BertConfig {
    const base = this.toOptions();
    if (overrides.numLabels !== undefined && overrides.id2label === undefined) {
      delete base.id2label;
      delete base.label2id;
    }
    return new BertConfig({ ...base, ...overrides });
  }

  /** The fields as constructor options. */
  toOptions(): BertConfigOptions {
    return {
      vocabSize: this.vocabSize,
      hiddenSize: this.hiddenSize,
      numHiddenLayers: this.numHiddenLayers,
      numAttentionHeads: this.numAttentionHeads,
      intermediateSize: this.intermediateSize,
      hiddenAct: this.hiddenAct,
      hiddenDropoutProb: this.hiddenDropoutProb,
      attentionProbsDropoutProb: this.attentionProbsDropoutProb,
      maxPositionEmbeddings: this.maxPositionEmbeddings,
      typeVocabSize: this.typeVocabSize,
      initializerRange: this.initializerRange,
      layerNormEps: this.layerNormEps,
      padTokenId: this.padTokenId,
      classifierDropout: this.classifierDropout,
      id2label: { ...this.id2label },
      label2id: { ...this.label2id },
      problemType: this.problemType,
      architectures: this.architectures ? [...this.architectures] : null,
      tieWordEmbeddings: this.tieWordEmbeddings,
      extra: { ...this.extra },
    };
  }

  /** Throw a clear error for the first invalid field (called by the constructor). */
  validate(): void {
    const positiveInt = (name: string, v: number) => {
      if (!(Number.isInteger(v) && v > 0)) throw new Error(`BertConfig: ${name} must be a positive integer, got ${v}`);
    };
    positiveInt('vocab_size', this.vocabSize);
    positiveInt('hidden_size', this.hiddenSize);
    positiveInt('num_hidden_layers', this.numHiddenLayers);
    positiveInt('num_attention_heads', this.numAttentionHeads);
    positiveInt('intermediate_size', this.intermediateSize);
    positiveInt('max_position_embeddings', this.maxPositionEmbeddings);
    positiveInt('type_vocab_size', this.typeVocabSize);
    if (this.hiddenSize % this.numAttentionHeads !== 0) {
      throw new Error(
        `BertConfig: hidden_size ${this.hiddenSize} is not divisible by num_attention_heads ${this.numAttentionHeads} ` +
          `(each head gets hidden_size / num_attention_heads dimensions)`,
      );
    }
    if (!ACTIVATION_NAMES.includes(this.hiddenAct)) {
      throw new Error(`BertConfig: unknown hidden_act "${this.hiddenAct}"; expected one of: ${ACTIVATION_NAMES.join(', ')}`);
    }
    const prob = (name: string, v: number | null) => {
      if (v !== null && !(typeof v === 'number' && v >= 0 && v < 1)) throw new Error(`BertConfig: ${name} must be in [0, 1), got ${v}`);
    };
    prob('hidden_dropout_prob', this.hiddenDropoutProb);
    prob('attention_probs_dropout_prob', this.attentionProbsDropoutProb);
    prob('classifier_dropout', this.classifierDropout);
    if (!(this.initializerRange >= 0)) throw new Error(`BertConfig: initializer_range must be >= 0, got ${this.initializerRange}`);
    if (!(this.layerNormEps > 0)) throw new Error(`BertConfig: layer_norm_eps must be > 0, got ${this.layerNormEps}`);
    if (!(Number.isInteger(this.padTokenId) && this.padTokenId >= 0 && this.padTokenId < this.vocabSize)) {
      throw new Error(`BertConfig: pad_token_id ${this.padTokenId} is outside the vocabulary [0, ${this.vocabSize})`);
    }
    const problemTypes: (ProblemType | null)[] = [null, 'regression', 'single_label_classification', 'multi_label_classification'];
    if (!problemTypes.includes(this.problemType)) {
      throw new Error(`BertConfig: unknown problem_type "${this.problemType}"; expected regression, single_label_classification or multi_label_classification`);
    }
    const ids = Object.keys(this.id2label)
      .map(Number)
      .sort((a, b) => a - b);
    if (ids.some((id, i) => id !== i)) throw new Error(`BertConfig: id2label keys must be 0..${ids.length - 1}, got ${Object.keys(this.id2label).join(', ')}`);
    const pos = this.extra.position_embedding_type;
    if (pos !== undefined && pos !== 'absolute') {
      throw new Error(`BertConfig: position_embedding_type "${String(pos)}" is not supported (only "absolute")`);
    }
    if (this.tieWordEmbeddings !== true) {
      throw new Error('BertConfig: tie_word_embeddings false is not supported: the MLM decoder is always the word-embedding matrix');
    }
    if (this.extra.is_decoder === true || this.extra.add_cross_attention === true) {
      throw new Error('BertConfig: is_decoder / add_cross_attention are not supported: this project implements the BERT encoder only');
    }
  }

  /**
   * Read a parsed config.json object.
   * @param source file name for error messages
   */
  static fromJSON(json: unknown, source = 'config.json'): BertConfig {
    if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error(`${source}: expected a JSON object`);
    const obj = json as Record<string, unknown>;
    if (obj.model_type !== undefined && obj.model_type !== 'bert') {
      throw new Error(`${source}: model_type is "${String(obj.model_type)}", expected "bert"`);
    }
    const opts: BertConfigOptions & Record<string, unknown> = {};
    const extra: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(obj)) {
      if (key === 'model_type' || key === 'id2label' || key === 'label2id' || key === 'num_labels') continue;
      const prop = (JSON_FIELDS as Record<string, string>)[key];
      if (prop === undefined) {
        extra[key] = value;
        continue;
      }
      if (value === null && !['classifier_dropout', 'problem_type', 'architectures'].includes(key)) continue;
      const numeric = !['hidden_act', 'problem_type', 'architectures', 'tie_word_embeddings', 'classifier_dropout'].includes(key);
      if (numeric && typeof value !== 'number') throw new Error(`${source}: ${key} must be a number, got ${JSON.stringify(value)}`);
      opts[prop] = value;
    }
    if (obj.id2label !== undefined) {
      if (typeof obj.id2label !== 'object' || obj.id2label === null) throw new Error(`${source}: id2label must be an object`);
      opts.id2label = Object.fromEntries(Object.entries(obj.id2label as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
    }
    if (obj.label2id !== undefined) {
      if (typeof obj.label2id !== 'object' || obj.label2id === null) throw new Error(`${source}: label2id must be an object`);
      opts.label2id = obj.label2id as Record<string, number>;
    }
    if (obj.num_labels !== undefined && obj.id2label === undefined) opts.numLabels = obj.num_labels as number;
    opts.extra = extra;
    try {
      return new BertConfig(opts);
    } catch (err) {
      throw new Error(`${source}: ${(err as Error).message.replace(/^BertConfig: /, '')}`);
    }
  }

  /** Read config.json from `path` (the file is read by src/hf: files.ts). */
  static fromFile(path: string): BertConfig {
    return BertConfig.fromJSON(checkpointReader().readConfigJSON(path), path);
  }

  /**
   * The config.json object, keys sorted as Hugging Face writes them: every field, `model_type: "bert"`,
   * `architectures`, and id2label/label2id when the number of labels is not the default 2 (or the names
   * are not the default LABEL_i).
   */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { ...FIXED_DEFAULTS, ...this.extra, model_type: 'bert' };
    for (const [key, prop] of Object.entries(JSON_FIELDS)) out[key] = this[prop as keyof BertConfig];
    if (this.problemType === null) delete out.problem_type;
    if (this.architectures === null) delete out.architectures;
    const defaultLabels = this.numLabels === 2 && this.id2label['0'] === 'LABEL_0' && this.id2label['1'] === 'LABEL_1';
    if (!defaultLabels) {
      out.id2label = { ...this.id2label };
      out.label2id = { ...this.label2id };
    }
    return Object.fromEntries(
      Object.keys(out)
        .sort()
        .map((k) => [k, out[k]]),
    );
  }

  /** config.json text: two-space indentation and a final newline, like `save_pretrained`. */
  toJSONString(): string {
    return JSON.stringify(this.toJSON(), null, 2) + '\n';
  }
}
