/**
 * Activation functions by their Hugging Face names (config.hidden_act).
 *
 *   gelu                         x * Phi(x) with the exact erf form (BERT's default)
 *   gelu_new, gelu_pytorch_tanh  0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) (the tanh approximation)
 *   relu, silu / swish (x * sigmoid(x)), tanh
 */
import { add, mul } from '../ops/elementwise.ts';
import { gelu } from '../ops/gelu.ts';
import { relu, scale, sigmoid, tanh } from '../ops/unary.ts';
import type { Tensor } from '../tensor/tensor.ts';

export type Activation = (x: Tensor) => Tensor;

/** gelu_new: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). [docs: gelu-tanh] */
function geluTanh(x: Tensor): Tensor {
  const cube = mul(mul(x, x), x);
  const inner = scale(add(x, scale(cube, 0.044715)), Math.sqrt(2 / Math.PI));
  return mul(scale(x, 0.5), add(tanh(inner), 1));
}

const ACTIVATIONS: Record<string, Activation> = {
  gelu,
  gelu_new: geluTanh,
  gelu_pytorch_tanh: geluTanh,
  relu,
  silu: (x) => mul(x, sigmoid(x)),
  swish: (x) => mul(x, sigmoid(x)),
  tanh,
};

/** The names getActivation accepts. */
export const ACTIVATION_NAMES: readonly string[] = Object.keys(ACTIVATIONS);

/** The activation called `name` (Hugging Face's ACT2FN names); an unknown name is an error listing the known ones. */
export function getActivation(name: string): Activation {
  const fn = Object.hasOwn(ACTIVATIONS, name) ? ACTIVATIONS[name] : undefined;
  if (!fn) throw new Error(`unknown activation "${name}"; expected one of: ${ACTIVATION_NAMES.join(', ')}`);
  return fn;
}
