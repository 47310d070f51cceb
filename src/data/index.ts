/** The data layer: corpus reading, pretraining instances (NSP pairs, MLM masking), batching. */
export * from './corpus.ts';
export * from '../io/utf8.ts';
export * from '../io/text-lines.ts';
export * from './masking.ts';
export * from './pretraining-instances.ts';
export * from './pretraining-batches.ts';
export * from './packed-instances.ts';
export * from './token-corpus.ts';
export * from './synthetic-corpus.ts';
export { generateSpanishCorpus, generateSpanishDocuments, SPANISH_ANIMALS, type SpanishAnimal } from './synthetic-corpus-es.ts';
export * from './tasks/index.ts';
