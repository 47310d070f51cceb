/**
 * Prepacked weights (src/accel/wasm/prepacked-weights.ts): a Linear weight packed once into wasm memory must
 * give exactly the products of the per-call path, follow in-place updates announced by markHostChanged (an
 * AdamW step, a loaded checkpoint), and give its memory back when released.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { matmul } from '../../src/ops/matmul.ts';
import {
  AdamW,
  BertConfig,
  BertForPreTraining,
  Linear,
  noGrad,
  PrepackedWeight,
  prepackWeights,
  releasePrepackedWeights,
  residentBytes,
  Rng,
  setCpuMatmul,
  setCpuThreads,
  Tensor,
} from '../../src/index.ts';
import { setWasmMinParallelWork } from '../../src/accel/wasm/threads-node.ts';

afterEach(() => {
  setCpuMatmul('wasm');
  setCpuThreads(2);
  setWasmMinParallelWork(1 << 21);
});

function randomTensor(rng: Rng, shape: number[]): Tensor {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  rng.fillNormal(data);
  return new Tensor(data, shape);
}

/** A tiny pretraining batch of fixed ids (vocab 40, 2 x 8 tokens). */
function batch() {
  const int = (rows: number[][]) => new Tensor(Int32Array.from(rows.flat()), [rows.length, rows[0].length]);
  return {
    inputIds: int([
      [2, 5, 9, 4, 11, 3, 7, 3],
      [2, 8, 8, 13, 3, 21, 4, 3],
    ]),
    labels: int([
      [-100, -100, -100, 10, -100, -100, -100, -100],
      [-100, -100, -100, -100, -100, -100, 30, -100],
    ]),
    nextSentenceLabel: new Tensor(Int32Array.from([0, 1]), [2]),
  };
}

/** A Linear(k -> n) with Normal(0, 1) weights. */
function randomLinear(rng: Rng, k: number, n: number): Linear {
  const linear = new Linear(k, n);
  rng.fillNormal(linear.weight.data as Float32Array);
  return linear;
}

/** x @ W^T in float64, x [rows, k] (any leading dims), W [n, k]. */
function productOf(x: Tensor, w: Tensor): Float64Array {
  const [n, k] = w.shape;
  const rows = x.size / k;
  const out = new Float64Array(rows * n);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += x.data[i * k + p] * w.data[j * k + p];
      out[i * n + j] = s;
    }
  return out;
}

const tinyConfig = () =>
  new BertConfig({ vocabSize: 40, hiddenSize: 16, numHiddenLayers: 2, numAttentionHeads: 2, intermediateSize: 40, maxPositionEmbeddings: 16 });

describe('prepacked weights', () => {
  it('x @ W^T with W prepacked equals the per-call wasm product bit for bit, on random shapes, one thread and two', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 37 }),
        fc.integer({ min: 1, max: 41 }),
        fc.integer({ min: 1, max: 29 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 1000 }),
        (batchSize, m, n, k, threaded, seed) => {
          setCpuThreads(threaded ? 2 : 1);
          setWasmMinParallelWork(threaded ? 0 : 1 << 21);
          const rng = new Rng(seed);
          const x = randomTensor(rng, [batchSize, m, k]);
          const linear = randomLinear(rng, k, n);
          const plain = noGrad(() => matmul(x, linear.weight, { transposeB: true }));
          expect(prepackWeights(linear)).toEqual({ weights: 1, bytes: 4 * Math.ceil(n / 8) * 8 * k });
          expect(linear.weight.external).toBeInstanceOf(PrepackedWeight);
          const packed = noGrad(() => matmul(x, linear.weight, { transposeB: true }));
          expect(packed.data).toEqual(plain.data);
          // and both are the product: against the core's plain loops
          const want = productOf(x, linear.weight);
          for (let i = 0; i < want.length; i++) expect(Math.abs(packed.data[i] - want[i])).toBeLessThan(1e-4 * (1 + Math.abs(want[i])));
          releasePrepackedWeights(linear);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('a BERT forward and training with prepacked weights equal the same model without, bit for bit (AdamW repacks)', () => {
    const plain = new BertForPreTraining(tinyConfig(), { seed: 3 });
    const packed = new BertForPreTraining(tinyConfig(), { seed: 3 });
    // 2 layers x (query, key, value, attention output, intermediate, output) + pooler + MLM transform + the
    // MLM decoder (whose weight is the word embedding matrix, tied)
    expect(prepackWeights(packed).weights).toBe(15);
    const losses = (model: BertForPreTraining) => {
      const opt = new AdamW(model.namedParameters(), { lr: 1e-2 });
      const out: number[] = [];
      for (let step = 0; step < 3; step++) {
        const loss = model.forward(batch()).loss!;
        out.push(loss.item());
        loss.backward();
        opt.step();
        opt.zeroGrad();
      }
      return out;
    };
    const a = losses(plain);
    const b = losses(packed);
    expect(b).toEqual(a);
    expect(new Set(a).size).toBe(3); // the weights did change between steps
    plain.eval();
    packed.eval();
    const logits = (m: BertForPreTraining) => noGrad(() => m.forward(batch()).predictionLogits!.data);
    expect(logits(packed)).toEqual(logits(plain));
  });

  it('an in-place write followed by markHostChanged is seen; without it, the packed copy is what the contract says it is: stale', () => {
    const rng = new Rng(1);
    const linear = randomLinear(rng, 12, 9);
    const x = randomTensor(rng, [5, 12]);
    prepackWeights(linear);
    const before = noGrad(() => matmul(x, linear.weight, { transposeB: true })).data.slice();
    linear.weight.data[0] += 1; // W[0, 0]: changes column 0 of the output
    const stale = noGrad(() => matmul(x, linear.weight, { transposeB: true })).data;
    expect(stale).toEqual(before);
    linear.weight.markHostChanged();
    const fresh = noGrad(() => matmul(x, linear.weight, { transposeB: true })).data;
    const want = productOf(x, linear.weight);
    for (let i = 0; i < 5; i++) expect(fresh[i * 9]).toBeCloseTo(want[i * 9], 4);
    expect(fresh[0]).not.toBe(before[0]);
    releasePrepackedWeights(linear);
  });

  it('released weights go back to host values, and their memory serves the next model of the same shape', () => {
    const first = new BertForPreTraining(tinyConfig(), { seed: 1 });
    prepackWeights(first);
    const held = residentBytes();
    expect(releasePrepackedWeights(first)).toBe(15);
    for (const [, p] of first.namedParameters()) expect(p.external).toBeNull();
    const second = new BertForPreTraining(tinyConfig(), { seed: 2 });
    prepackWeights(second);
    expect(residentBytes()).toBe(held); // the freed regions were reused, none added
    releasePrepackedWeights(second);
  });

  it('the TypeScript product ignores the panels and reads the host values', () => {
    const rng = new Rng(4);
    const linear = randomLinear(rng, 10, 7);
    const x = randomTensor(rng, [3, 10]);
    setCpuMatmul('typescript');
    const plain = noGrad(() => matmul(x, linear.weight, { transposeB: true })).data.slice();
    prepackWeights(linear);
    expect(noGrad(() => matmul(x, linear.weight, { transposeB: true })).data).toEqual(plain);
    releasePrepackedWeights(linear);
  });
});
