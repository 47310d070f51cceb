/**
 * Weight initialisation as Hugging Face does it for BERT (`BertPreTrainedModel._init_weights`):
 *   Linear     weight ~ Normal(0, std), bias = 0
 *   Embedding  weight ~ Normal(0, std), the padding row = 0
 *   LayerNorm  weight = 1, bias = 0
 *   any other parameter (the MLM output bias) = 0
 * where std is config.initializer_range (0.02). Draws come from the given seeded generator, module by module
 * in registration order: each weight gets its own xoshiro128** stream seeded from the generator, turned into
 * normals by the ziggurat method (`Rng.fillNormal`, src/tensor/ziggurat.ts), so that BERT-Large's 336M
 * values take a couple of seconds rather than the 25 s of one Box-Muller pair at a time through ARC4.
 */
import type { Rng } from '../tensor/random.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { Embedding } from './embedding.ts';
import { LayerNorm } from './layer-norm.ts';
import { Linear } from './linear.ts';
import type { Module } from './module.ts';

/** Fill `t` (a float tensor) with Normal(0, std) samples from `rng`. */
export function normalInit(t: Tensor, rng: Rng, std: number): void {
  const d = t.data;
  if (d instanceof Int32Array) throw new Error(`normalInit: expected a float32 or float64 tensor, got int32 (${t.name ?? 'unnamed'})`);
  rng.fillNormal(d, 0, std);
}

/**
 * Initialise the parameters of `root` and its descendants. [docs: init-weights]
 * @param only when given, only modules for which it returns true are initialised (used after loading a
 *   checkpoint, for the parameters it did not provide)
 */
export function initWeights(root: Module, rng: Rng, std: number, only?: (path: string, m: Module) => boolean): void {
  for (const [path, m] of root.namedModules()) {
    if (only && !only(path, m)) continue;
    if (m instanceof Linear) {
      normalInit(m.weight, rng, std);
      m.bias?.data.fill(0);
    } else if (m instanceof Embedding) {
      normalInit(m.weight, rng, std);
      if (m.paddingIdx !== null) m.weight.data.fill(0, m.paddingIdx * m.embeddingDim, (m.paddingIdx + 1) * m.embeddingDim);
    } else if (m instanceof LayerNorm) {
      m.weight.data.fill(1);
      m.bias.data.fill(0);
    } else {
      for (const [, t] of m.directParameters()) t.data.fill(0);
    }
  }
}
