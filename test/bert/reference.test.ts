/**
 * Reference checks against Hugging Face transformers on the seven fixture cases: every hidden state,
 * attention, head output and loss, and the gradient of the loss for every parameter.
 *
 *   outputs:    max |ours - ref| <= 1e-4 * max(1, max |ref|)
 *   gradients:  max |ours - ref| <= 1e-4 * max |ref| (per tensor) + 1e-6 * (largest |ref| over the case)
 * The floor matters for the attention key biases, whose true gradient is zero.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { inputsFromJSON, loadPretrained, loadSafetensors, runForward, type TensorToWrite } from '../../src/index.ts';
import { CASES, caseDir, maxDiff, readCase } from './helpers.ts';

const tmp = mkdtempSync(join(tmpdir(), 'bert-ref-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function compareOutputs(dir: string, ours: Record<string, TensorToWrite>): string[] {
  const ref = loadSafetensors(join(dir, 'outputs.safetensors'));
  const failures: string[] = [];
  for (const name of ref.names()) {
    const mine = ours[name];
    if (!mine) {
      failures.push(`${name}: missing from our outputs`);
      continue;
    }
    const r = ref.toFloat64(name);
    if (JSON.stringify(mine.shape) !== JSON.stringify(ref.get(name).shape)) failures.push(`${name}: shape [${mine.shape}] vs [${ref.get(name).shape}]`);
    const { diff, refMax } = maxDiff(mine.data as Float32Array, r);
    if (!(diff <= 1e-4 * Math.max(1, refMax))) failures.push(`${name}: max |diff| ${diff} > ${1e-4 * Math.max(1, refMax)}`);
  }
  return failures;
}

describe.each(CASES)('Hugging Face reference: %s', (name) => {
  const dir = caseDir(name);
  const c = readCase(name);
  const model = loadPretrained(dir, { onWarning: (m) => expect.fail(`unexpected warning: ${m}`) });
  const ours = runForward(model, inputsFromJSON({ ...c.inputs, ...c.labels }, model), { grads: true });

  it('builds the class named in config.json and loads every weight', () => {
    expect(model.architecture).toBe(c.model_class);
    expect(model.loadReport).toEqual({ missing: [], unexpected: [], ignored: [] });
  });

  it('matches every hidden state, attention and head output', () => {
    expect(compareOutputs(dir, ours)).toEqual([]);
  });

  it('matches the loss', () => {
    const loss = Number(ours.loss.data[0]);
    expect(Math.abs(loss - c.loss)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(c.loss)));
    if (c.mlm_loss !== undefined) {
      const out = model.eval().forward(inputsFromJSON({ ...c.inputs, ...c.labels }, model));
      expect(Math.abs(out.mlmLoss!.item() - c.mlm_loss)).toBeLessThanOrEqual(1e-4 * Math.max(1, c.mlm_loss));
      expect(Math.abs(out.nspLoss!.item() - c.nsp_loss!)).toBeLessThanOrEqual(1e-4);
    }
  });

  it('matches the gradient of every parameter (padding row and tied decoder included)', () => {
    const ref = loadSafetensors(join(dir, 'grads.safetensors'));
    // The same parameters, no more, no fewer.
    const ourNames = Object.keys(ours)
      .filter((k) => k.startsWith('grad.'))
      .map((k) => k.slice(5))
      .sort();
    expect(ourNames).toEqual([...ref.names()].sort());
    let largest = 0;
    for (const n of ref.names()) largest = Math.max(largest, maxDiff(ref.toFloat64(n), ref.toFloat64(n)).refMax);
    const failures: string[] = [];
    for (const n of ref.names()) {
      const { diff, refMax } = maxDiff(ours[`grad.${n}`].data as Float32Array, ref.toFloat64(n));
      const tol = 1e-4 * refMax + 1e-6 * largest;
      if (!(diff <= tol)) failures.push(`${n}: max |diff| ${diff} > ${tol}`);
    }
    expect(failures).toEqual([]);
    // The padding token's embedding row gets exactly no gradient from the input side; with the tied MLM
    // decoder it gets the decoder's share (the [PAD] logit), as in the reference.
    const word = ours['grad.bert.embeddings.word_embeddings.weight'];
    const padRow = Array.from(word.data.subarray(0, word.shape[1]) as Float32Array);
    expect(padRow.every((v) => v === 0)).toBe(name !== 'pretraining' && name !== 'masked-lm');
  });
});

describe('bert forward (CLI)', () => {
  it('writes the same outputs and gradients as the reference, under Hugging Face names', async () => {
    const c = readCase('question-answering');
    const inputs = join(tmp, 'qa.json');
    const out = join(tmp, 'qa.safetensors');
    writeFileSync(inputs, JSON.stringify({ ...c.inputs, ...c.labels }));
    const log: string[] = [];
    const orig = console.log;
    console.log = (...a: unknown[]) => log.push(a.join(' '));
    try {
      expect(await main(['forward', '--model', caseDir('question-answering'), '--inputs', inputs, '--out', out, '--grads'])).toBe(0);
    } finally {
      console.log = orig;
    }
    expect(log.join('\n')).toMatch(/BertForQuestionAnswering .* on input_ids \[3, 17\]/);
    const file = loadSafetensors(out);
    const written: Record<string, TensorToWrite> = {};
    for (const n of file.names()) written[n] = { dtype: 'F32', shape: file.get(n).shape, data: file.toFloat32(n) };
    expect(compareOutputs(caseDir('question-answering'), written)).toEqual([]);
    expect(Math.abs(Number(written.loss.data[0]) - c.loss)).toBeLessThan(1e-4 * c.loss);
    expect(file.names().filter((n) => n.startsWith('grad.')).length).toBe(
      loadSafetensors(join(caseDir('question-answering'), 'grads.safetensors')).names().length,
    );
  });

  it('explains bad inputs', async () => {
    const inputs = join(tmp, 'bad.json');
    writeFileSync(inputs, JSON.stringify({ input_ids: [[2, 500, 3]] }));
    const errors: string[] = [];
    const orig = console.error;
    console.error = (...a: unknown[]) => errors.push(a.join(' '));
    try {
      expect(await main(['forward', '--model', caseDir('masked-lm'), '--inputs', inputs, '--out', join(tmp, 'x.safetensors')])).toBe(1);
      writeFileSync(inputs, JSON.stringify({ input_ids: [[2, 5, 3]], lables: [[1, 2, 3]] }));
      expect(await main(['forward', '--model', caseDir('masked-lm'), '--inputs', inputs, '--out', join(tmp, 'x.safetensors')])).toBe(1);
      writeFileSync(inputs, JSON.stringify({ input_ids: [[2, 5, 3]] }));
      expect(await main(['forward', '--model', caseDir('masked-lm'), '--inputs', inputs, '--out', join(tmp, 'x.safetensors'), '--grads'])).toBe(1);
    } finally {
      console.error = orig;
    }
    expect(errors[0]).toMatch(/input_ids\[0\]\[1\] = 500 is outside the vocabulary \[0, 99\)/);
    expect(errors[1]).toMatch(/unknown argument "lables"/);
    expect(errors[2]).toMatch(/gradients need a loss/);
  });
});
