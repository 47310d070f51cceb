/**
 * BERT: config, the encoder and the heads. (Their files in Hugging Face's layout are src/hf's.)
 */
export { BertConfig, BERT_PRESETS, type BertConfigOptions, type BertPresetName, type ProblemType } from './config.ts';
export { BertEmbeddings } from './embeddings.ts';
export { BertSelfAttention, BertSelfOutput, BertAttention, extendedAttentionMask, FLOAT32_MIN } from './attention.ts';
export { BertIntermediate, BertFeedForwardOutput, BertLayer, BertEncoder } from './encoder.ts';
export { BertPooler } from './pooler.ts';
export { BertPredictionHeadTransform, BertLMPredictionHead, BertPreTrainingHeads, BertOnlyMLMHead } from './heads.ts';
export { BertPreTrainedModel, BertModel, type BertModelOptions, type FromPretrainedOptions, type BertModelClass } from './model.ts';
export { setCheckpointReader, type CheckpointReader } from './files.ts';
export { BertForPreTraining, BertForMaskedLM } from './pretraining.ts';
export { BertForSequenceClassification, BertForTokenClassification, BertForMultipleChoice, inferProblemType } from './classification.ts';
export { BertForQuestionAnswering } from './question-answering.ts';
export { type BertInputs, validateEncoderInputs } from './inputs.ts';
export type { BertModelOutput } from './outputs.ts';
export { IGNORE_INDEX } from './labels.ts';
