/**
 * `bert fill-mask` refuses a model it cannot answer from, as `bert evaluate` and `bert predict` do: weights
 * missing from the checkpoint (some, all, more layers in config.json than in the file, an empty shard
 * index), NaN or infinite weights, a vocab.txt longer than the model's vocab_size. A [MASK] cut off by
 * truncation is reported as that, with the lengths. Each case is a copy of the Hugging Face masked-LM
 * fixture (test/fixtures/hf/masked-lm, vocab 99, 64 positions) with one thing broken.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { loadSafetensors } from '../../src/io/safetensors.ts';
import { writeSafetensors, type TensorToWrite } from '../../src/io/safetensors-write.ts';

const FIXTURE = join(__dirname, '..', 'fixtures', 'hf', 'masked-lm');
const dir = mkdtempSync(join(tmpdir(), 'fill-mask-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...Array.from({ length: 94 }, (_, i) => `w${i + 5}`)];

/** The fixture's tensors, by name. */
function fixtureTensors(): Record<string, TensorToWrite> {
  const f = loadSafetensors(join(FIXTURE, 'model.safetensors'));
  return Object.fromEntries(f.names().map((n) => [n, { dtype: 'F32', shape: f.entries.get(n)!.shape, data: f.toFloat32(n) }]));
}

/** A model folder: the fixture, with `change` applied to its config, tensors and vocabulary. */
function model(
  name: string,
  change: { config?: Record<string, unknown>; tensors?: (t: Record<string, TensorToWrite>) => Record<string, TensorToWrite> | null; vocab?: string[] } = {},
): string {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  const config = { ...JSON.parse(readFileSync(join(FIXTURE, 'config.json'), 'utf8')), ...change.config };
  writeFileSync(join(d, 'config.json'), JSON.stringify(config));
  const tensors = change.tensors ? change.tensors(fixtureTensors()) : null;
  if (tensors) writeFileSync(join(d, 'model.safetensors'), writeSafetensors(tensors, { format: 'pt' }));
  else if (!change.tensors) copyFileSync(join(FIXTURE, 'model.safetensors'), join(d, 'model.safetensors'));
  writeFileSync(join(d, 'vocab.txt'), (change.vocab ?? VOCAB).join('\n') + '\n');
  return d;
}

/** Run `bert fill-mask` in this process; exit code, stdout and stderr. */
async function fillMask(modelDir: string, ...texts: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const err = vi.spyOn(console, 'error').mockImplementation(() => {});
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  try {
    const code = await main(['fill-mask', '--model', modelDir, ...texts]);
    return { code, stdout: log.mock.calls.map((c) => c.join(' ')).join('\n'), stderr: err.mock.calls.map((c) => c.join(' ')).join('\n') };
  } finally {
    err.mockRestore();
    log.mockRestore();
  }
}

describe('bert fill-mask on a sound model', () => {
  it('prints the candidates of each [MASK] (exit 0)', async () => {
    const r = await fillMask(model('sound'), 'w5 w6 [MASK] w7');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\[MASK\] #1: \S+ \(\d+\.\d%\)/);
    expect(r.stdout).not.toContain('NaN');
  });
});

describe('bert fill-mask refuses a broken model (exit 1), naming the tensors', () => {
  const refused = async (d: string, ...expected: (string | RegExp)[]) => {
    const r = await fillMask(d, 'w5 w6 [MASK] w7');
    for (const e of expected) expect(r.stderr).toMatch(e);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(1);
  };

  it('some weights missing from the file', async () => {
    const d = model('missing', { tensors: (t) => Object.fromEntries(Object.entries(t).filter(([n]) => !n.includes('layer.1.output'))) });
    await refused(
      d,
      /the checkpoint lacks 4 of the model's \d+ weight tensors: bert\.encoder\.layer\.1\.output\.dense\.weight/,
      /Answers would come from random weights/,
    );
  });

  it('a weights file of zero tensors', async () => {
    await refused(
      model('empty', { tensors: () => ({}) }),
      /the checkpoint lacks none of the model's \d+ weight tensors \(the weights file holds no tensor of this model\)/,
    );
  });

  it('a config asking for more layers than the file has', async () => {
    await refused(model('deeper', { config: { num_hidden_layers: 3 } }), /lacks 16 of the model's \d+ weight tensors: bert\.encoder\.layer\.2\./);
  });

  it('an empty shard index', async () => {
    const d = model('shards', { tensors: () => null });
    writeFileSync(join(d, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: {} }));
    await refused(d, /model\.safetensors\.index\.json: "weight_map" is empty: the index lists no tensors and no shard files/);
  });

  it('NaN and infinite weights', async () => {
    const d = model('nan', {
      tensors: (t) => {
        const q = t['bert.encoder.layer.0.attention.self.query.weight'].data as Float32Array;
        q[0] = NaN;
        q[5] = NaN;
        (t['bert.embeddings.LayerNorm.weight'].data as Float32Array)[3] = Infinity;
        return t;
      },
    });
    await refused(
      d,
      /2 weight tensors hold non-finite values: /,
      /bert\.encoder\.layer\.0\.attention\.self\.query\.weight \(2 NaN of 1024\)/,
      /bert\.embeddings\.LayerNorm\.weight \(1 infinite of 32\)/,
    );
  });

  it("a vocab.txt longer than the model's vocab_size", async () => {
    const d = model('long-vocab', { vocab: [...VOCAB, 'extra'] });
    await refused(d, new RegExp(`${join(d, 'vocab.txt')} has 100 tokens, but the model's vocab_size is 99`));
  });
});

describe('a [MASK] cut off by truncation', () => {
  it('says it was truncated away and at which length', async () => {
    const text = Array.from({ length: 70 }, (_, i) => `w${5 + (i % 90)}`).join(' ') + ' [MASK]';
    const r = await fillMask(model('sound'), text);
    expect(r.stderr).toContain("the text's [MASK] was truncated away: the text is 73 tokens long ([CLS] and [SEP] included) and the model reads at most 64");
    expect(r.code).toBe(1);
  });

  it('a text without any [MASK] is still told so', async () => {
    const r = await fillMask(model('sound'), 'w5 w6');
    expect(r.stderr).toContain('the text has no [MASK] token');
    expect(r.code).toBe(1);
  });
});
