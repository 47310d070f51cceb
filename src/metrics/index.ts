/**
 * Evaluation metrics over plain arrays: classification (scikit-learn definitions), correlation (SciPy),
 * SQuAD exact match / F1 (official scripts), entity-level F1 for BIO tags (conlleval), and text renderings
 * of a classification report and a confusion matrix (the SVG one is in src/viz).
 */
export * from './labels.ts';
export * from './confusion.ts';
export * from './classification.ts';
export * from './mcc.ts';
export * from './correlation.ts';
export * from './squad.ts';
export * from './entities.ts';
export * from './format.ts';
