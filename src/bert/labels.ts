/**
 * Label checks and the losses of the heads, as Hugging Face computes them.
 */
import { crossEntropy } from '../ops/loss.ts';
import { reshape } from '../ops/shape.ts';
import { shapeToString } from '../tensor/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { assertIntTensor, indexString } from './inputs.ts';

/** Hugging Face's marker for "no label here". */
export const IGNORE_INDEX = -100;

/**
 * Throw unless `labels` is int32 of `shape` with every value in [0, classes) or equal to `ignore`.
 * @param what the name of the classes in the message ("the vocabulary", "the labels")
 */
export function checkClassLabels(
  name: string,
  labels: Tensor,
  shape: readonly number[],
  classes: number,
  what: string,
  ignore: number | null = IGNORE_INDEX,
): void {
  assertIntTensor(name, labels);
  if (shapeToString(labels.shape) !== shapeToString(shape))
    throw new Error(`${name}: expected shape ${shapeToString(shape)}, got ${shapeToString(labels.shape)}`);
  const ld = labels.data;
  for (let i = 0; i < labels.size; i++) {
    const v = ld[i];
    if (v === ignore) continue;
    if (!(v >= 0 && v < classes)) {
      const ig = ignore === null ? '' : ` and is not ${ignore}`;
      throw new Error(`${name}${indexString(i, labels.shape)} = ${v} is outside ${what} [0, ${classes})${ig}`);
    }
  }
}

/**
 * Mean cross-entropy over the rows whose label is not -100.
 * @param logits [..., C]
 * @param labels int32 [...] (the logits' shape without C)
 */
export function classificationLoss(logits: Tensor, labels: Tensor, ignoreIndex = IGNORE_INDEX): Tensor {
  const C = logits.shape[logits.rank - 1];
  return crossEntropy(reshape(logits, [-1, C]), reshape(labels, [labels.size]), { ignoreIndex });
}
