/**
 * Fine-tuning task data: readers with file:line errors, label sets, tokenization into model rows, and
 * padded batches.
 *
 *   classification / regression   TSV (GLUE) or CSV tables       text-classification.ts
 *   token classification          CoNLL files                    conll.ts
 *   extractive QA                 SQuAD v1.1 / v2.0 JSON         squad.ts, qa-features.ts, qa-postprocess.ts
 *   multiple choice               JSON Lines (SWAG-like)         multiple-choice.ts
 *   batches for all of them                                      batching.ts
 */
export { TaskDataError } from './errors.ts';
export { readTaskFile } from './text-file.ts';
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
