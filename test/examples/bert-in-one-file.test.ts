/**
 * examples/00-bert-in-one-file.ts against Hugging Face transformers, with the tolerances the main model is held
 * to (test/bert/reference.test.ts):
 *   outputs:    max |ours - ref| <= 1e-4 * max(1, max |ref|)
 *   gradients:  max |ours - ref| <= 1e-4 * max |ref| (per tensor) + 1e-6 * (largest |ref| over the case)
 * The case is ../shared/reference/hf/pretraining when it is there, else its committed copy in test/fixtures/hf.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bertForPreTraining, initParams, loadParams, parameterShapes, readBatch, readConfig, type Config } from '../../examples/00-bert-in-one-file.ts';
import { Rng, loadSafetensors, saveSafetensorsSync, tensor, type Tensor, type TensorToWrite } from '../../src/index.ts';
import { caseDir, maxDiff } from '../bert/helpers.ts';

const shared = join(import.meta.dirname, '..', '..', '..', 'shared', 'reference', 'hf', 'pretraining');
const dir = existsSync(join(shared, 'outputs.safetensors')) ? shared : caseDir('pretraining');
const caseJson = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as { loss: number; mlm_loss: number; nsp_loss: number };

describe('BERT in one file (examples/00-bert-in-one-file.ts) against Hugging Face', () => {
  const config = readConfig(join(dir, 'config.json'));
  const params = loadParams(join(dir, 'model.safetensors'), config);
  const out = bertForPreTraining(params, config, readBatch(dir));
  out.loss!.backward();

  it('matches every hidden state, attention, the MLM and NSP logits', () => {
    const ref = loadSafetensors(join(dir, 'outputs.safetensors'));
    const ours: Record<string, Tensor> = { prediction_logits: out.predictionLogits, seq_relationship_logits: out.seqRelationshipLogits };
    out.hiddenStates.forEach((t, i) => (ours[`hidden_states.${i}`] = t));
    out.attentions.forEach((t, i) => (ours[`attentions.${i}`] = t));
    expect(Object.keys(ours).sort()).toEqual([...ref.names()].sort());
    const failures: string[] = [];
    for (const name of ref.names()) {
      expect(ours[name].shape, name).toEqual(ref.get(name).shape);
      const { diff, refMax } = maxDiff(ours[name].data, ref.toFloat64(name));
      if (!(diff <= 1e-4 * Math.max(1, refMax))) failures.push(`${name}: max |diff| ${diff} > ${1e-4 * Math.max(1, refMax)}`);
    }
    expect(failures).toEqual([]);
  });

  it('matches the loss and its two parts', () => {
    const pairs = [
      [out.loss!, caseJson.loss],
      [out.mlmLoss!, caseJson.mlm_loss],
      [out.nspLoss!, caseJson.nsp_loss],
    ] as const;
    for (const [mine, theirs] of pairs) {
      expect(Math.abs(mine.item() - theirs)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(theirs)));
    }
  });

  it('matches the gradient of every parameter, the tied decoder included', () => {
    const ref = loadSafetensors(join(dir, 'grads.safetensors'));
    expect(Object.keys(params).sort()).toEqual([...ref.names()].sort());
    let largest = 0;
    for (const n of ref.names()) largest = Math.max(largest, maxDiff(ref.toFloat64(n), ref.toFloat64(n)).refMax);
    const failures: string[] = [];
    for (const n of ref.names()) {
      const grad = params[n].grad;
      if (!grad) {
        failures.push(`${n}: no gradient`);
        continue;
      }
      const { diff, refMax } = maxDiff(grad.data, ref.toFloat64(n));
      const tol = 1e-4 * refMax + 1e-6 * largest;
      if (!(diff <= tol)) failures.push(`${n}: max |diff| ${diff} > ${tol}`);
    }
    expect(failures).toEqual([]);
  });
});

describe('BERT in one file: loading and the random model', () => {
  const config = readConfig(join(dir, 'config.json'));
  const tmp = mkdtempSync(join(tmpdir(), 'bert-one-file-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('refuses a file that does not hold the config, naming each name and shape', () => {
    expect(() => loadParams(join(dir, 'model.safetensors'), { ...config, intermediateSize: 40 })).toThrow(
      /bert\.encoder\.layer\.0\.intermediate\.dense\.weight: expected \[40,32\], found \[37,32\]/,
    );
    expect(() => loadParams(join(dir, 'model.safetensors'), { ...config, numLayers: 3 })).toThrow(
      /missing bert\.encoder\.layer\.2\.attention\.self\.query\.weight \[32,32\]/,
    );
  });

  it('refuses a parameter it does not know', () => {
    const tiny: Config = { ...config, numLayers: 1 };
    const file = join(tmp, 'extra.safetensors');
    const p = initParams(tiny, new Rng(1));
    const tensors: Record<string, TensorToWrite> = {};
    for (const [n, t] of Object.entries(p)) tensors[n] = { dtype: 'F32', shape: t.shape, data: t.data as Float32Array };
    tensors['bert.encoder.layer.0.attention.self.rotary.weight'] = { dtype: 'F32', shape: [1], data: new Float32Array(1) };
    saveSafetensorsSync(file, tensors);
    expect(() => loadParams(file, tiny)).toThrow(/unexpected bert\.encoder\.layer\.0\.attention\.self\.rotary\.weight/);
  });

  it('initialises every named parameter and trains in training mode from one seed, reproducibly', () => {
    const tiny: Config = { ...config, numLayers: 1, hiddenDropout: 0.1, attentionDropout: 0.1 };
    const run = () => {
      const rng = new Rng(7);
      const p = initParams(tiny, rng);
      const ints = (v: number[][] | number[]) => tensor(v, { dtype: 'int32' });
      const batch = {
        inputIds: ints([[2, 17, 4, 31, 3, 0]]),
        tokenTypeIds: ints([[0, 0, 0, 1, 1, 0]]),
        attentionMask: ints([[1, 1, 1, 1, 1, 0]]),
        labels: ints([[-100, -100, 23, -100, -100, -100]]),
        nextSentenceLabel: ints([1]),
      };
      const out = bertForPreTraining(p, tiny, batch, { training: true, rng });
      out.loss!.backward();
      return { p, loss: out.loss!.item() };
    };
    const a = run();
    expect(Object.keys(a.p).sort()).toEqual(Object.keys(parameterShapes(tiny)).sort());
    expect(Object.values(a.p).every((t) => t.grad?.data.every(Number.isFinite))).toBe(true);
    expect(a.loss).toBeCloseTo(Math.log(tiny.vocabSize) + Math.log(2), 0); // near chance at initialisation
    expect(run().loss).toBe(a.loss);
    expect(() => bertForPreTraining(a.p, tiny, readBatch(dir), { training: true })).toThrow(/needs run\.rng/);
  });
});
