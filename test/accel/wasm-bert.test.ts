/**
 * A whole BERT forward pass with the wasm backend (its matmul, every other kernel from cpu) against the cpu
 * backend, on the Hugging Face masked-lm fixture: logits and loss agree to 1e-5.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BertForMaskedLM, getBackend, inputsFromJSON, noGrad, selectBackendFromEnv, setBackend } from '../../src/index.ts';
import '../../src/accel/wasm/index.ts';
import { caseDir, maxDiff, readCase } from '../bert/helpers.ts';

afterEach(() => setBackend('cpu'));

describe('wasm backend in a BERT forward pass', () => {
  it("gives the cpu backend's masked-lm logits and loss to 1e-5", () => {
    const c = readCase('masked-lm');
    const model = BertForMaskedLM.fromPretrained(caseDir('masked-lm'), { onWarning: () => {} }).eval();
    const inputs = inputsFromJSON({ ...c.inputs, ...c.labels }, model);
    const run = () => noGrad(() => model.forward(inputs));
    setBackend('cpu');
    const cpu = run();
    setBackend('wasm');
    const wasm = run();
    setBackend('cpu');
    const { diff, refMax } = maxDiff(wasm.predictionLogits!.data, cpu.predictionLogits!.data);
    expect(refMax).toBeGreaterThan(0.1);
    expect(diff).toBeLessThan(1e-5);
    expect(Math.abs(wasm.loss!.item() - cpu.loss!.item())).toBeLessThan(1e-5);
  });

  it('BERT_BACKEND=wasm selects it', async () => {
    expect(await selectBackendFromEnv({ BERT_BACKEND: 'wasm' })).toBe('wasm');
    expect(getBackend()).toBe('wasm');
  });
});
