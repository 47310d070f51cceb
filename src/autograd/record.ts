/**
 * How an op joins the graph. An op computes its output without thinking about gradients, then calls
 * `record(output, inputs, name, backward)`. If any input requires a gradient (and recording is on), the
 * output remembers its inputs and the backward closure - like micrograd's `_backward` - else nothing is kept.
 */
import type { Tensor } from '../tensor/tensor.ts';
import { isGradEnabled } from './grad-mode.ts';

/**
 * [docs: autograd-record]
 * @param output the op's result
 * @param inputs the tensors the result depends on (differentiably)
 * @param backward maps d(loss)/d(output) to one d(loss)/d(input) per input (same shapes as the inputs;
 *   null for an input that needs none). It runs with recording off.
 */
export function record(output: Tensor, inputs: Tensor[], name: string, backward: (gradOutput: Tensor) => (Tensor | null)[]): Tensor {
  if (!isGradEnabled()) return output;
  if (!inputs.some((t) => t.requiresGrad)) return output;
  output.requiresGrad = true;
  output.gradFn = { name, inputs, backward };
  return output;
}

/** What an op's computation gives: its output, and how to send the output's gradient to its inputs. */
export interface OpResult {
  output: Tensor;
  /** d(loss)/d(output) -> one d(loss)/d(input) per input (null where an input needs none). */
  backward: (gradOutput: Tensor) => (Tensor | null)[];
}

/** record() for an OpResult: the output joins the graph with the result's backward. */
export function recordResult(result: OpResult, inputs: Tensor[], name: string): Tensor {
  return record(result.output, inputs, name, result.backward);
}
