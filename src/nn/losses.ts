/**
 * Losses as PyTorch names them, over the fused ops in ops/loss.ts:
 *   CrossEntropyLoss   mean over non-ignored rows of -log softmax(logits)[target]; targets equal to
 *                      ignoreIndex (-100, Hugging Face's marker for "no label here") count for nothing
 *   MSELoss            mean (input - target)^2
 *   BCEWithLogitsLoss  mean of -[y log sigmoid(x) + (1 - y) log(1 - sigmoid(x))], computed stably
 */
import { bceWithLogits, crossEntropy, mseLoss, type Reduction } from '../ops/loss.ts';
import { reshape } from '../ops/shape.ts';
import { shapeToString } from '../tensor/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';

export class CrossEntropyLoss {
  constructor(readonly opts: { ignoreIndex?: number; reduction?: Reduction } = {}) {}

  /**
   * @param logits [N, C] (any [..., C] is flattened to rows)
   * @param targets int32 [N] (or the logits' shape without C)
   * @returns scalar (or [N] with reduction 'none')
   */
  forward(logits: Tensor, targets: Tensor): Tensor {
    const C = logits.shape[logits.rank - 1];
    if (targets.size * C !== logits.size) {
      throw new Error(
        `CrossEntropyLoss: ${targets.size} targets ${shapeToString(targets.shape)} for logits ${shapeToString(logits.shape)} (expected ${logits.size / C})`,
      );
    }
    const rows = logits.rank === 2 ? logits : reshape(logits, [targets.size, C]);
    const t = targets.rank === 1 ? targets : reshape(targets, [targets.size]);
    return crossEntropy(rows, t, { ignoreIndex: this.opts.ignoreIndex ?? -100, reduction: this.opts.reduction });
  }
}

export class MSELoss {
  constructor(readonly reduction: Reduction = 'mean') {}

  /** @param input any shape @param target same shape and dtype @returns scalar */
  forward(input: Tensor, target: Tensor): Tensor {
    return mseLoss(input, target, this.reduction);
  }
}

export class BCEWithLogitsLoss {
  constructor(readonly reduction: Reduction = 'mean') {}

  /** @param logits any shape @param targets same shape, values in [0, 1] @returns scalar */
  forward(logits: Tensor, targets: Tensor): Tensor {
    return bceWithLogits(logits, targets, this.reduction);
  }
}
