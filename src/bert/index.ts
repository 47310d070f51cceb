/**
 * BERT: config, the encoder, the heads, checkpoint I/O in Hugging Face's layout, and the `forward` runner.
 */
export { BertConfig, BERT_PRESETS, type BertConfigOptions, type BertPresetName, type ProblemType } from './config.ts';
export { BertEmbeddings } from './embeddings.ts';
export { BertSelfAttention, BertSelfOutput, BertAttention, extendedAttentionMask, FLOAT32_MIN } from './attention.ts';
export { BertIntermediate, BertFeedForwardOutput, BertLayer, BertEncoder } from './encoder.ts';
export { BertPooler } from './pooler.ts';
export { BertPredictionHeadTransform, BertLMPredictionHead, BertPreTrainingHeads, BertOnlyMLMHead } from './heads.ts';
export { BertPreTrainedModel, BertModel, loadModelWeights, type BertModelOptions, type FromPretrainedOptions, type BertModelClass } from './model.ts';
export { BertForPreTraining, BertForMaskedLM } from './pretraining.ts';
export { BertForSequenceClassification, BertForTokenClassification, BertForMultipleChoice, inferProblemType } from './classification.ts';
export { BertForQuestionAnswering } from './question-answering.ts';
export { type BertInputs, validateEncoderInputs } from './inputs.ts';
export { type BertModelOutput } from './outputs.ts';
export { IGNORE_INDEX } from './labels.ts';
export { BERT_ARCHITECTURES, createModelForArchitecture, modelClassForArchitecture, type BertArchitecture } from './registry.ts';
export { loadPretrained, savePretrained, modelTensors, type LoadPretrainedOptions } from './pretrained.ts';
export { readCheckpointWeights, loadWeightsIntoModel, reconcilePrefix, type LoadReport, CONFIG_FILE, WEIGHTS_FILE } from './checkpoint.ts';
export { bertParameterShapes, countBertParameters } from './parameter-count.ts';
export { runForward, inputsFromJSON } from './run-forward.ts';
