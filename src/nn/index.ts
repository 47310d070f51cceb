/**
 * Neural-network building blocks: Module (named parameters, train/eval, state dicts with Hugging Face
 * names), Linear, Embedding, LayerNorm, Dropout, activations, losses and Hugging Face's initialisation.
 */
export { Module, ModuleList, describeMismatch, type LoadStateDictResult, type LoadStateDictOptions, type StateDictInput } from './module.ts';
export { Linear } from './linear.ts';
export { Embedding } from './embedding.ts';
export { LayerNorm } from './layer-norm.ts';
export { Dropout, type RngSource } from './dropout.ts';
export { getActivation, ACTIVATION_NAMES, type Activation } from './activations.ts';
export { CrossEntropyLoss, MSELoss, BCEWithLogitsLoss } from './losses.ts';
export { initWeights, normalInit } from './init.ts';
