/** `bert tokenize` (JSON lines) and `bert train-tokenizer`. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { tokenizeJsonLines } from '../../src/cli/commands/tokenize.ts';
import { trainTokenizerCommand } from '../../src/cli/commands/train-tokenizer.ts';
import { Vocab } from '../../src/tokenizer/index.ts';
import { bertTokenizer, HF } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'tok-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function collect(lines: string[], opts = {}, lowercase = true): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for await (const l of tokenizeJsonLines(lines, bertTokenizer(lowercase), opts)) out.push(JSON.parse(l));
  return out;
}

describe('bert tokenize', () => {
  it('writes the reference encodings for texts and pairs', async () => {
    const c = HF.uncased.single[0];
    const p = HF.uncased.pairs[4];
    const [single, pair] = await collect([JSON.stringify({ text: c.text }), '', JSON.stringify({ text: p.input.a, pair: p.input.b })], {
      maxLength: 12,
      padding: 'max_length',
    });
    expect(single.tokens).toEqual(c.tokens.slice(0, 11).concat('[SEP]'));
    expect(pair.input_ids).toEqual(p.input_ids);
    expect(pair.token_type_ids).toEqual(p.token_type_ids);
    expect(pair.attention_mask).toEqual(p.attention_mask);
    expect(pair.offsets).toEqual(p.offsets);
    expect(Object.keys(pair)).toEqual(['tokens', 'input_ids', 'token_type_ids', 'attention_mask', 'offsets', 'sequence_ids']);
  });

  it('writes one line per window with its sample index when given a stride', async () => {
    const p = HF.uncased.pairs[3];
    const out = await collect(['{"text": "x"}', JSON.stringify({ text: p.input.a, pair: p.input.b })], {
      maxLength: 24,
      truncation: 'only_second',
      stride: 6,
      padding: 'max_length',
      returnOverflowing: true,
      hfEarlyStop: true,
    });
    expect(out.map((o) => o.overflow_to_sample)).toEqual([0, 1, 1]);
    expect(out.slice(1).map((o) => o.input_ids)).toEqual(p.input_ids);
  });

  it('names the line of a bad record', async () => {
    await expect(collect(['{"text": "ok"}', '{"text": 3}'])).rejects.toThrow('stdin:2: expected {"text": string');
    await expect(collect(['not json'])).rejects.toThrow('stdin:1: invalid JSON');
    await expect(collect(['{"text": "a", "pair": 1}'])).rejects.toThrow('stdin:1: "pair" must be a string');
    await expect(collect(['{"text": "a b c d"}'], { maxLength: 1 })).rejects.toThrow('stdin:1: maxLength 1 leaves no room');
  });
});

describe('bert train-tokenizer', () => {
  it('writes a vocabulary trained on the corpus files', async () => {
    const corpus = join(dir, 'corpus.txt');
    writeFileSync(corpus, 'Hug hug hug pug\npug pun bun hugs\n');
    const out = join(dir, 'vocab.txt');
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      const code = await trainTokenizerCommand.run(['--corpus', corpus, '--vocab-size', '18', '--out', out]);
      expect(code).toBe(0);
      expect(log.mock.calls[0][0]).toMatch(/^wrote .*vocab\.txt: 18 tokens in /);
    } finally {
      log.mockRestore();
    }
    expect(Vocab.fromFile(out).tokens.slice(-2)).toEqual(['##ug', 'hug']);
    expect(readFileSync(out, 'utf8').split('\n').length).toBe(19);
    await expect(trainTokenizerCommand.run(['--corpus', corpus, '--vocab-size', '0', '--out', out])).rejects.toThrow(
      '--vocab-size expects a whole number >= 1, got "0"',
    );
  });
});
