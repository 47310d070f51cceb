/**
 * Fine-tuning task data: readers with file:line errors, label sets, tokenization into model rows, and
 * padded batches.
 */
export * from './errors.ts';
export * from './text-file.ts';
export * from './delimited.ts';
export * from './label-set.ts';
export * from './encoded-input.ts';
export * from './text-classification.ts';
export * from './conll.ts';
export * from './squad.ts';
export * from './qa-features.ts';
export * from './qa-postprocess.ts';
export * from './multiple-choice.ts';
export * from './batching.ts';
