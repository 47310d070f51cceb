/**
 * Checkpoint directories: Hugging Face's layout both ways, tied weights, the `bert.` prefix, old names,
 * and clear reports of what did not match.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BertConfig,
  BertForPreTraining,
  BertForSequenceClassification,
  BertModel,
  inputsFromJSON,
  loadPretrained,
  loadSafetensors,
  noGrad,
  saveSafetensors,
  savePretrained,
  type BertPreTrainedModel,
} from '../../src/index.ts';
import { caseDir } from './helpers.ts';

const tmp = mkdtempSync(join(tmpdir(), 'bert-ckpt-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const quiet = { onWarning: () => {} };

function weights(model: BertPreTrainedModel): Record<string, number[]> {
  return Object.fromEntries(model.namedParameters().map(([n, t]) => [n, Array.from(t.data)]));
}

/** Copy a fixture's config.json and rewrite its model.safetensors with renamed / extra / removed tensors. */
async function rewrite(name: string, dir: string, edit: (names: string[]) => Record<string, string | null>, extra: Record<string, number[]> = {}) {
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(caseDir(name), 'config.json'), join(dir, 'config.json'));
  const file = loadSafetensors(join(caseDir(name), 'model.safetensors'));
  const renames = edit(file.names());
  const out: Record<string, { dtype: 'F32'; shape: number[]; data: Float32Array }> = {};
  for (const n of file.names()) {
    const to = n in renames ? renames[n] : n;
    if (to !== null) out[to] = { dtype: 'F32', shape: file.get(n).shape, data: file.toFloat32(n) };
  }
  for (const [n, v] of Object.entries(extra)) out[n] = { dtype: 'F32', shape: [v.length], data: Float32Array.from(v) };
  await saveSafetensors(join(dir, 'model.safetensors'), out, { format: 'pt' });
}

describe('savePretrained / loadPretrained', () => {
  it('writes the Hugging Face layout and reads it back unchanged', async () => {
    const model = loadPretrained(caseDir('pretraining'), quiet);
    const dir = join(tmp, 'pt');
    await savePretrained(model, dir, { extraFiles: { 'vocab.txt': '[PAD]\n[UNK]\n' } });
    expect(readFileSync(join(dir, 'vocab.txt'), 'utf8')).toBe('[PAD]\n[UNK]\n');

    // config.json: what transformers wrote, field for field.
    const original = JSON.parse(readFileSync(join(caseDir('pretraining'), 'config.json'), 'utf8'));
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'))).toEqual(original);

    // model.safetensors: same names, shapes and values as the Hugging Face file; no tied decoder.
    const ours = loadSafetensors(join(dir, 'model.safetensors'));
    const ref = loadSafetensors(join(caseDir('pretraining'), 'model.safetensors'));
    expect(ours.metadata).toEqual({ format: 'pt' });
    expect(ours.names().sort()).toEqual(ref.names().sort());
    expect(ours.names().some((n) => n.includes('decoder'))).toBe(false);
    for (const n of ref.names()) {
      expect(ours.get(n).dtype).toBe('F32');
      expect(Array.from(ours.toFloat32(n)), n).toEqual(Array.from(ref.toFloat32(n)));
    }

    const back = loadPretrained(dir, quiet);
    expect(back).toBeInstanceOf(BertForPreTraining);
    expect(weights(back)).toEqual(weights(model));
  });

  it('saves a freshly built model that loads back with identical outputs', async () => {
    const config = new BertConfig({
      vocabSize: 30,
      hiddenSize: 8,
      numHiddenLayers: 1,
      numAttentionHeads: 2,
      intermediateSize: 16,
      maxPositionEmbeddings: 10,
      numLabels: 3,
    });
    const model = new BertForSequenceClassification(config, { seed: 5 }).eval();
    const dir = join(tmp, 'fresh');
    await savePretrained(model, dir);
    const json = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(json).toMatchObject({
      architectures: ['BertForSequenceClassification'],
      model_type: 'bert',
      id2label: { 0: 'LABEL_0', 1: 'LABEL_1', 2: 'LABEL_2' },
    });
    expect(model.config.architectures).toBeNull(); // saving does not change the model's config
    const back = BertForSequenceClassification.fromPretrained(dir, quiet).eval();
    const inputs = inputsFromJSON({ input_ids: [[2, 7, 9, 3, 0]], attention_mask: [[1, 1, 1, 1, 0]] }, model);
    const a = noGrad(() => model.forward(inputs).logits!);
    const b = noGrad(() => back.forward(inputs).logits!);
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
  });

  it('loads a checkpoint with a head into a bare BertModel, reporting the head as unexpected', () => {
    const warnings: string[] = [];
    const model = BertModel.fromPretrained(caseDir('pretraining'), { onWarning: (m) => warnings.push(m) });
    expect(model.loadReport!.missing).toEqual([]);
    expect(model.loadReport!.unexpected.sort()).toEqual([
      'cls.predictions.bias',
      'cls.predictions.transform.LayerNorm.bias',
      'cls.predictions.transform.LayerNorm.weight',
      'cls.predictions.transform.dense.bias',
      'cls.predictions.transform.dense.weight',
      'cls.seq_relationship.bias',
      'cls.seq_relationship.weight',
    ]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/BertModel: 7 tensors of .* are not used by this model: cls\./);
    const ref = loadSafetensors(join(caseDir('pretraining'), 'model.safetensors'));
    expect(Array.from(model.embeddings.wordEmbeddings.weight.data)).toEqual(Array.from(ref.toFloat32('bert.embeddings.word_embeddings.weight')));
  });

  it('loads a bare BertModel checkpoint into a head, initialising the new classifier', async () => {
    const bare = BertModel.fromPretrained(caseDir('sequence-classification'), quiet);
    const dir = join(tmp, 'bare');
    await savePretrained(bare, dir);
    expect(loadSafetensors(join(dir, 'model.safetensors')).names()).toContain('embeddings.word_embeddings.weight');
    const warnings: string[] = [];
    const model = loadPretrained(dir, { architecture: 'BertForSequenceClassification', config: { numLabels: 4 }, seed: 1, onWarning: (m) => warnings.push(m) });
    expect(model.loadReport).toEqual({ missing: ['classifier.weight', 'classifier.bias'], unexpected: [], ignored: [] });
    expect(warnings[0]).toMatch(/2 parameters were not in .* and are newly initialised: classifier.weight, classifier.bias/);
    const cls = (model as BertForSequenceClassification).classifier;
    expect(cls.weight.shape).toEqual([4, 32]);
    expect(cls.weight.data.some((v) => v !== 0)).toBe(true);
    expect(Math.max(...Array.from(cls.weight.data, Math.abs))).toBeLessThan(0.2); // Normal(0, 0.02)
    expect(cls.bias!.data.every((v) => v === 0)).toBe(true);
    expect(Array.from((model as BertForSequenceClassification).bert.pooler!.dense.weight.data)).toEqual(Array.from(bare.pooler!.dense.weight.data));
    expect(() => loadPretrained(dir, { architecture: 'BertForSequenceClassification', strict: true, ...quiet })).toThrow(
      /2 missing \(classifier.weight, classifier.bias\)/,
    );
  });

  it('accepts tied decoder copies, old gamma/beta names and position_ids buffers', async () => {
    const dir = join(tmp, 'legacy');
    const ref = loadSafetensors(join(caseDir('masked-lm'), 'model.safetensors'));
    await rewrite(
      'masked-lm',
      dir,
      (names) =>
        Object.fromEntries(
          names
            .filter((n) => n.endsWith('LayerNorm.weight') || n.endsWith('LayerNorm.bias'))
            .map((n) => [n, n.replace(/weight$/, 'gamma').replace(/bias$/, 'beta')]),
        ),
      { 'cls.predictions.decoder.bias': Array.from(ref.toFloat32('cls.predictions.bias')), 'bert.embeddings.position_ids': [0, 1, 2] },
    );
    const model = loadPretrained(dir, quiet);
    expect(model.loadReport!.missing).toEqual([]);
    expect(model.loadReport!.unexpected).toEqual([]);
    expect(model.loadReport!.ignored.sort()).toEqual(['bert.embeddings.position_ids', 'cls.predictions.decoder.bias']);
    expect(Array.from(model.namedParameters().find(([n]) => n === 'bert.embeddings.LayerNorm.weight')![1].data)).toEqual(
      Array.from(ref.toFloat32('bert.embeddings.LayerNorm.weight')),
    );
  });

  it('names what is wrong', async () => {
    const dir = join(tmp, 'wrong');
    await rewrite('token-classification', dir, () => ({ 'classifier.weight': null, 'bert.pooler.dense.weight': null }), { 'something.else': [1] });
    const warnings: string[] = [];
    const model = loadPretrained(dir, { onWarning: (m) => warnings.push(m) });
    expect(model.loadReport!.missing).toEqual(['classifier.weight']);
    expect(model.loadReport!.unexpected).toEqual(['something.else']);
    expect(warnings.join('\n')).toMatch(/newly initialised: classifier.weight[\s\S]*not used by this model: something.else/);

    const bad = join(tmp, 'bad-shape');
    mkdirSync(bad, { recursive: true });
    const cfg = JSON.parse(readFileSync(join(caseDir('token-classification'), 'config.json'), 'utf8'));
    writeFileSync(join(bad, 'config.json'), JSON.stringify({ ...cfg, hidden_size: 16, num_attention_heads: 4 }));
    copyFileSync(join(caseDir('token-classification'), 'model.safetensors'), join(bad, 'model.safetensors'));
    expect(() => loadPretrained(bad, quiet)).toThrow(
      /"bert.embeddings.LayerNorm.bias" has shape \[32\], the parameter "bert.embeddings.LayerNorm.bias" has \[16\]/,
    );

    const empty = join(tmp, 'empty');
    mkdirSync(empty, { recursive: true });
    copyFileSync(join(caseDir('token-classification'), 'config.json'), join(empty, 'config.json'));
    expect(() => loadPretrained(empty)).toThrow(/no model.safetensors or model.safetensors.index.json/);
    writeFileSync(join(empty, 'config.json'), JSON.stringify({ ...cfg, architectures: ['BertLMHeadModel'] }));
    expect(() => loadPretrained(empty)).toThrow(/unknown architecture "BertLMHeadModel"; expected one of: BertModel, BertForPreTraining/);
  });
});
