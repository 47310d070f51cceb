/**
 * Fine-tuning hyperparameters that fit the model's size.
 *
 * BERT-Base and BERT-Large (hidden size >= 768): the BERT paper (Devlin et al. 2019, appendix A.3) fine-tunes
 * for 2-4 epochs with a batch size of 16 or 32 and a learning rate of 5e-5, 3e-5 or 2e-5, picking the best on
 * dev. The default single run is the middle of that grid: lr 3e-5, batch 32, 3 epochs.
 *
 * The smaller published models (Tiny, Mini, Small, Medium: "Well-Read Students Learn Better", Turc et al.
 * 2019) were fine-tuned for 4 epochs with learning rates 3e-4, 1e-4, 5e-5, 3e-5 and batch sizes 8 to 128: a
 * small model moves less per step and wants the larger rates. The default single run is lr 1e-4, batch 32,
 * 4 epochs; the default grid keeps the paper's four rates and 4 epochs and searches batch 16 and 32 (the
 * paper's 8, 64 and 128 can be added with --grid-batch).
 *
 * Every value can be overridden; these are only the starting points `bert finetune` uses when a flag is
 * absent, and it prints which rule it applied.
 */
import type { BertConfig } from '../bert/config.ts';

/** Learning rate, batch size and epochs of one run. */
export interface Hyperparameters {
  lr: number;
  batch: number;
  epochs: number;
}

/** The grid of a search: every combination of the three lists is one run. */
export interface SearchGrid {
  lr: number[];
  batch: number[];
  epochs: number[];
}

/** Hidden size from which a model counts as BERT-Base sized. */
export const BASE_HIDDEN_SIZE = 768;

/** True for BERT-Base / BERT-Large sized models. */
export function isBaseSized(config: BertConfig): boolean {
  return config.hiddenSize >= BASE_HIDDEN_SIZE;
}

/** The default single run for this model's size, and the rule in words. [docs: finetune-defaults] */
export function defaultHyperparameters(config: BertConfig): Hyperparameters & { reason: string } {
  return isBaseSized(config)
    ? { lr: 3e-5, batch: 32, epochs: 3, reason: `hidden size ${config.hiddenSize} >= ${BASE_HIDDEN_SIZE}: the BERT paper's recipe for Base/Large` }
    : {
        lr: 1e-4,
        batch: 32,
        epochs: 4,
        reason: `hidden size ${config.hiddenSize} < ${BASE_HIDDEN_SIZE}: the miniature BERTs' recipe (small models want larger rates)`,
      };
}

/** The default search grid for this model's size, and the rule in words. [docs: finetune-grid] */
export function defaultSearchGrid(config: BertConfig): SearchGrid & { reason: string } {
  return isBaseSized(config)
    ? {
        lr: [5e-5, 3e-5, 2e-5],
        batch: [16, 32],
        epochs: [2, 3, 4],
        reason: `hidden size ${config.hiddenSize} >= ${BASE_HIDDEN_SIZE}: the BERT paper's grid for Base/Large`,
      }
    : {
        lr: [3e-4, 1e-4, 5e-5, 3e-5],
        batch: [16, 32],
        epochs: [4],
        reason: `hidden size ${config.hiddenSize} < ${BASE_HIDDEN_SIZE}: the miniature BERTs' learning rates with 4 epochs (small models want larger rates)`,
      };
}
