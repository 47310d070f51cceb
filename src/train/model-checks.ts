/**
 * Checks on a loaded model before it answers anything: every weight came from the checkpoint, every weight
 * is a finite number, and the vocabulary fits the model. A model that fails one of them would still run and
 * print confident-looking answers (from random weights, or `NaN%`), so the commands that predict refuse it
 * with the names of the tensors at fault.
 */
import type { BertPreTrainedModel } from '../bert/model.ts';
import type { Vocab } from '../tokenizer/vocab.ts';

/** Names, shortened to `max` with a count of the rest. */
function listNames(names: string[], max = 8): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

/**
 * Refuse a model whose checkpoint lacked parameters (they were initialised randomly on load).
 * @param dir the checkpoint directory, for the message
 */
export function requireAllWeights(model: BertPreTrainedModel, dir: string): void {
  const missing = model.loadReport?.missing ?? [];
  if (missing.length === 0) return;
  const total = model.namedParameters().length;
  const what =
    missing.length === total
      ? `none of the model's ${total} weight tensors (the weights file holds no tensor of this model)`
      : `${missing.length} of the model's ${total} weight tensors: ${listNames(missing)}`;
  throw new Error(
    `${dir}: the checkpoint lacks ${what}. Answers would come from random weights. ` +
      'Check that config.json belongs to these weights (its num_hidden_layers, hidden_size, architectures) and that the weights file is complete.',
  );
}

/** Refuse a model with NaN or infinite weights, naming the tensors and how many values of each. */
export function requireFiniteWeights(model: BertPreTrainedModel, dir: string): void {
  const bad: string[] = [];
  for (const [name, t] of model.namedParameters()) {
    const d = t.data;
    let nan = 0;
    let inf = 0;
    for (let i = 0; i < d.length; i++) {
      const v = d[i] as number;
      if (Number.isNaN(v)) nan++;
      else if (v === Infinity || v === -Infinity) inf++;
    }
    if (nan || inf) bad.push(`${name} (${[nan ? `${nan} NaN` : '', inf ? `${inf} infinite` : ''].filter(Boolean).join(', ')} of ${d.length})`);
  }
  if (bad.length === 0) return;
  throw new Error(
    `${dir}: ${bad.length} weight tensor${bad.length === 1 ? ' holds' : 's hold'} non-finite values: ${listNames(bad, 5)}. ` +
      'The model cannot predict; if training diverged, use a checkpoint from before the loss became NaN.',
  );
}

/** Refuse a vocabulary with more tokens than the model has embeddings (ids past vocab_size would fail mid-run). */
export function requireVocabFits(vocab: Vocab, vocabSize: number, vocabPath: string): void {
  if (vocab.size > vocabSize) {
    throw new Error(`${vocabPath} has ${vocab.size} tokens, but the model's vocab_size is ${vocabSize}: this vocabulary does not belong to the model`);
  }
}
