/**
 * Hugging Face's files: checkpoints (config.json + model.safetensors, sharded or not) read into and written
 * from the model, the architecture registry, parameter counts from a config, and the `forward` runner.
 * Loading this layer enables BertConfig.fromFile and fromPretrained (bert/files.ts).
 */
export {
  readCheckpointWeights,
  loadWeightsIntoModel,
  loadModelWeights,
  readConfigJSON,
  reconcilePrefix,
  type LoadReport,
  CONFIG_FILE,
  WEIGHTS_FILE,
} from './checkpoint.ts';
export { loadPretrained, savePretrained, modelTensors, type LoadPretrainedOptions } from './pretrained.ts';
export { BERT_ARCHITECTURES, createModelForArchitecture, modelClassForArchitecture, type BertArchitecture } from './registry.ts';
export { bertParameterShapes, countBertParameters } from './parameter-count.ts';
export { runForward, inputsFromJSON } from './run-forward.ts';
