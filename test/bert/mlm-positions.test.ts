/**
 * The pretraining path: the MLM head evaluated only at the masked positions (mlmPositions + mlmLabels) gives
 * the same loss and the same gradients as the full [batch, seq, vocab] computation with -100 elsewhere.
 */
import { describe, expect, it } from 'vitest';
import { BertForMaskedLM, BertForPreTraining, Tensor, inputsFromJSON, type BertPreTrainedModel } from '../../src/index.ts';
import { caseDir, maxDiff, readCase } from './helpers.ts';

function gradients(model: BertPreTrainedModel): Map<string, Float32Array> {
  return new Map(model.namedParameters().map(([n, p]) => [n, (p.grad?.data as Float32Array) ?? new Float32Array(p.size)]));
}

describe.each([
  ['pretraining', BertForPreTraining],
  ['masked-lm', BertForMaskedLM],
] as const)('mlmPositions on the %s fixture', (name, cls) => {
  const c = readCase(name);
  const model = cls.fromPretrained(caseDir(name), { onWarning: () => {} }).eval();
  const inputs = inputsFromJSON({ ...c.inputs, ...c.labels }, model);
  const labels = inputs.labels!;
  const positions: number[] = [];
  const targets: number[] = [];
  labels.data.forEach((v, i) => {
    if (v !== -100) {
      positions.push(i);
      targets.push(v);
    }
  });

  it('gives the same loss and gradients as the full computation', () => {
    model.zeroGrad();
    const full = model.forward(inputs);
    full.loss!.backward();
    const fullGrads = gradients(model);

    model.zeroGrad();
    const gathered = model.forward({
      ...inputs,
      labels: undefined,
      mlmPositions: new Tensor(Int32Array.from(positions), [positions.length]),
      mlmLabels: new Tensor(Int32Array.from(targets), [targets.length]),
    });
    gathered.loss!.backward();
    const gatheredGrads = gradients(model);

    expect(positions.length).toBe(6);
    expect(gathered.predictionLogits!.shape).toEqual([6, 99]);
    expect(Math.abs(gathered.loss!.item() - full.loss!.item())).toBeLessThan(1e-6 * full.loss!.item());
    // The gathered logits are the full logits' rows at those positions.
    const V = 99;
    const rows = positions.flatMap((p) => Array.from(full.predictionLogits!.data.subarray(p * V, (p + 1) * V)));
    expect(maxDiff(gathered.predictionLogits!.data, rows).diff).toBeLessThan(1e-5);
    for (const [n, g] of fullGrads) {
      const { diff, refMax } = maxDiff(gatheredGrads.get(n)!, g);
      expect(diff, n).toBeLessThanOrEqual(1e-5 * refMax + 1e-9);
    }
  });

  it('rejects bad positions and mixing both forms', () => {
    const pos = (v: number[]) => new Tensor(Int32Array.from(v), [v.length]);
    expect(() => model.forward({ ...inputs, labels: undefined, mlmPositions: pos([0, 51]), mlmLabels: pos([5, 6]) })).toThrow(
      /mlmPositions\[1\] = 51 is outside the flat positions \[0, 51\) of input_ids \[3,17\]/,
    );
    expect(() => model.forward({ ...inputs, mlmPositions: pos([0]), mlmLabels: pos([5]) })).toThrow(/either labels or mlmPositions/);
    expect(() => model.forward({ ...inputs, labels: undefined, mlmPositions: pos([0]), mlmLabels: pos([99]) })).toThrow(
      /mlmLabels\[0\] = 99 is outside the vocabulary/,
    );
  });
});
