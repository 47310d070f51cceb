/**
 * `bert attention` and `bert embeddings` end to end through the CLI's main(), on a tiny random model
 * directory as `bert pretrain` writes one (config.json, model.safetensors, vocab.txt), and their errors.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { BertConfig, BertForPreTraining, savePretrained } from '../../src/index.ts';
import { checkXml } from '../viz/xml.ts';

const root = mkdtempSync(join(tmpdir(), 'bert-viz-cli-'));
const modelDir = join(root, 'model');
const VOCAB = [
  '[PAD]',
  '[UNK]',
  '[CLS]',
  '[SEP]',
  '[MASK]',
  'the',
  'cow',
  'likes',
  'to',
  'eat',
  'grass',
  'field',
  'walk',
  '##ing',
  'hay',
  '.',
  'd',
  '##o',
  '##g',
];

beforeAll(async () => {
  const config = new BertConfig({
    vocabSize: VOCAB.length,
    hiddenSize: 8,
    numHiddenLayers: 2,
    numAttentionHeads: 2,
    intermediateSize: 16,
    maxPositionEmbeddings: 24,
  });
  await savePretrained(new BertForPreTraining(config, { seed: 3 }), modelDir, { extraFiles: { 'vocab.txt': VOCAB.join('\n') + '\n' } });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

let logged: string[] = [];
let errors: string[] = [];
beforeEach(() => {
  logged = [];
  errors = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void logged.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void errors.push(a.join(' ')));
});
afterEach(() => vi.restoreAllMocks());

describe('bert attention', () => {
  it('draws every layer and head for a sentence pair, pieces and [MASK] included', async () => {
    const out = join(root, 'pics', 'all.svg');
    const code = await main(['attention', '--model', modelDir, 'the cow likes walking', 'the cow likes to eat [MASK] .', '--out', out]);
    expect(errors).toEqual([]);
    expect(code).toBe(0);
    const svg = readFileSync(out, 'utf8');
    checkXml(svg);
    expect([...svg.matchAll(/<g class="panel"/g)]).toHaveLength(4);
    expect(svg).toContain('>##ing</text>');
    expect(svg).toContain('>[MASK]</text>');
    const text = logged.join('\n');
    expect(text).toContain('[CLS] the cow likes walk ##ing [SEP] the cow likes to eat [MASK] . [SEP]');
    expect(text).toMatch(/layer\s+head\s+\[CLS\]\s+\[SEP\]/);
    expect(text).toContain(`Wrote ${out} (4 heatmaps: 15 x 15 tokens each).`);
  });

  it('draws one layer, one head, or one of each', async () => {
    for (const [extra, panels] of [
      [['--layer', '1'], 2],
      [['--head', '0'], 2],
      [['--layer', '0', '--head', '1'], 1],
    ] as const) {
      const out = join(root, `sel-${extra.join('')}.svg`);
      expect(await main(['attention', '--model', modelDir, 'the cow', '--out', out, ...extra])).toBe(0);
      const svg = readFileSync(out, 'utf8');
      expect([...svg.matchAll(/<g class="panel"/g)]).toHaveLength(panels);
    }
    expect(readFileSync(join(root, 'sel---layer0--head1.svg'), 'utf8')).toContain('>layer 0, head 1</text>');
  });

  it('names the range of an unknown layer or head, and checks its arguments', async () => {
    const out = join(root, 'bad.svg');
    expect(await main(['attention', '--model', modelDir, 'the cow', '--out', out, '--layer', '2'])).toBe(2);
    expect(errors.join('\n')).toContain('--layer 2 does not exist: the model has 2 layers, numbered 0 to 1');
    errors = [];
    expect(await main(['attention', '--model', modelDir, 'the cow', '--out', out, '--head', '2'])).toBe(2);
    expect(errors.join('\n')).toContain('--head 2 does not exist: the model has 2 heads per layer, numbered 0 to 1');
    errors = [];
    expect(await main(['attention', '--model', modelDir, 'the cow', '--out', out, '--head', '-1'])).toBe(2);
    expect(errors.join('\n')).toContain('--head expects a whole number >= 0, got "-1"');
    errors = [];
    expect(await main(['attention', '--model', modelDir, 'a', 'b', 'c', '--out', out])).toBe(2);
    expect(errors.join('\n')).toContain('unexpected argument "c"; at most 2 texts');
    errors = [];
    expect(await main(['attention', '--model', modelDir, 'the cow'])).toBe(2);
    expect(errors.join('\n')).toContain('missing required flag --out');
    errors = [];
    expect(await main(['attention', '--model', modelDir, Array(30).fill('cow').join(' '), '--out', out])).toBe(1);
    expect(errors.join('\n')).toContain('the input is 32 tokens long; the model takes at most 24 (max_position_embeddings)');
    errors = [];
    expect(await main(['attention', '--model', join(root, 'nowhere'), 'the cow', '--out', out])).toBe(1);
    expect(errors.join('\n')).toMatch(/nowhere: no vocab\.txt/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('bert embeddings', () => {
  it('projects the listed words, averaging a word WordPiece splits, with groups', async () => {
    const words = join(root, 'words.txt');
    writeFileSync(words, '# animals and food\ncow animals\ndog animals\ngrass food\nhay food\n\nfield\n');
    const out = join(root, 'emb.svg');
    const code = await main(['embeddings', '--model', modelDir, '--words', words, '--out', out]);
    expect(errors).toEqual([]);
    expect(code).toBe(0);
    const svg = readFileSync(out, 'utf8');
    checkXml(svg);
    expect([...svg.matchAll(/<circle class="point"/g)]).toHaveLength(5);
    expect([...svg.matchAll(/<circle class="point"[^>]*fill="white"/g)]).toHaveLength(1); // dog = d ##o ##g
    for (const label of ['cow', 'dog', 'grass', 'hay', 'field', 'animals', 'food', 'mean of its WordPiece pieces']) expect(svg).toContain(`>${label}</text>`);
    const text = logged.join('\n');
    expect(text).toContain('averaged over their WordPiece pieces (rings): dog = d ##o ##g');
    expect(text).toMatch(new RegExp(`Wrote ${out}: 5 words; the two components keep \\d+\\.\\d% and \\d+\\.\\d% of their variance\\.`));
  });

  it('reports words not in the vocabulary by file and line, or leaves them out when asked', async () => {
    const words = join(root, 'unknown.txt');
    writeFileSync(words, 'cow\nzebra\ngrass\nhay\nqq\n');
    const out = join(root, 'unknown.svg');
    expect(await main(['embeddings', '--model', modelDir, '--words', words, '--out', out])).toBe(1);
    const message = errors.join('\n');
    expect(message).toContain('2 word(s) not in the vocabulary');
    expect(message).toContain(`${words}:2: "zebra"`);
    expect(message).toContain(`${words}:5: "qq"`);
    expect(existsSync(out)).toBe(false);
    errors = [];
    expect(await main(['embeddings', '--model', modelDir, '--words', words, '--out', out, '--skip-unknown'])).toBe(0);
    expect(errors.join('\n')).toContain('left out 2 word(s) not in the vocabulary');
    expect([...readFileSync(out, 'utf8').matchAll(/<circle class="point"/g)]).toHaveLength(3);
  });

  it('refuses a duplicate word, too few words, a missing list', async () => {
    const dup = join(root, 'dup.txt');
    writeFileSync(dup, 'cow\ngrass\ncow\n');
    expect(await main(['embeddings', '--model', modelDir, '--words', dup, '--out', join(root, 'x.svg')])).toBe(1);
    expect(errors.join('\n')).toContain(`${dup}:3: "cow" is listed twice (first at ${dup}:1)`);
    errors = [];
    const two = join(root, 'two.txt');
    writeFileSync(two, 'cow\ngrass\n');
    expect(await main(['embeddings', '--model', modelDir, '--words', two, '--out', join(root, 'x.svg')])).toBe(1);
    expect(errors.join('\n')).toContain('2 word(s) with a vector; a 2-D projection needs at least 3');
    errors = [];
    expect(await main(['embeddings', '--model', modelDir, '--words', join(root, 'none.txt'), '--out', join(root, 'x.svg')])).toBe(1);
    expect(errors.join('\n')).toContain(`${join(root, 'none.txt')}: no such file`);
    errors = [];
    expect(await main(['embeddings', '--model', modelDir, '--out', join(root, 'x.svg')])).toBe(2);
    expect(errors.join('\n')).toContain('missing required flag --words');
  });
});
