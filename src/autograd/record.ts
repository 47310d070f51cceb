/**
 * How an op joins the graph. An op computes its output without thinking about gradients, then calls
 * `record(output, inputs, name, backward)`. If any input requires a gradient (and recording is on), the
 * output remembers its inputs and the backward closure - like micrograd's `_backward` - else nothing is kept.
 */
import type { Tensor } from '../tensor/tensor.ts';
import { isGradEnabled } from './grad-mode.ts';

/**
 * @param output the op's result
 * @param inputs the tensors the result depends on (differentiably)
 * @param backward maps d(loss)/d(output) to one d(loss)/d(input) per input (same shapes as the inputs;
 *   null for an input that needs none). It runs with recording off.
 */
export function record(
  output: Tensor,
  inputs: Tensor[],
  name: string,
  backward: (gradOutput: Tensor) => (Tensor | null)[],
): Tensor {
  if (!isGradEnabled()) return output;
  if (!inputs.some((t) => t.requiresGrad)) return output;
  output.requiresGrad = true;
  output.gradFn = { name, inputs, backward };
  return output;
}
