import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Vocab, wordPieceSplit } from '../../src/tokenizer/index.ts';
import { bertVocab, VOCAB_PATH } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'vocab-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Vocab', () => {
  it('reads bert-base-uncased: 30,522 tokens, ids = line numbers, BERT special ids', () => {
    const v = bertVocab();
    expect(v.size).toBe(30522);
    expect(v.specialIds).toEqual({ pad: 0, unk: 100, cls: 101, sep: 102, mask: 103 });
    expect(v.tokenToId('hello')).toBe(7592);
    expect(v.idToToken(7592)).toBe('hello');
    expect(v.tokenToId('##piece')).toBe(11198);
    expect(v.tokenToId('no-such-token')).toBeUndefined();
  });

  it('writes the file it read, byte for byte', () => {
    const out = join(dir, 'vocab.txt');
    bertVocab().toFile(out);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(VOCAB_PATH, 'utf8'));
    expect(Vocab.fromFile(out).tokens).toEqual(bertVocab().tokens);
  });

  it('ignores trailing whitespace and CRLF line ends', () => {
    const v = Vocab.fromText('[PAD]\r\n[UNK] \r\nab\r\n');
    expect(v.tokens).toEqual(['[PAD]', '[UNK]', 'ab']);
  });

  it('names file and line for duplicate and empty tokens', () => {
    const p = join(dir, 'bad.txt');
    writeFileSync(p, 'a\nb\na\n');
    expect(() => Vocab.fromFile(p)).toThrow(`${p}:3: duplicate token "a", first seen on line 1`);
    writeFileSync(p, 'a\n\nb\n');
    expect(() => Vocab.fromFile(p)).toThrow(`${p}:2: empty token`);
    expect(() => Vocab.fromFile(join(dir, 'missing.txt'))).toThrow(/missing\.txt: the vocabulary does not exist/);
  });

  it('says which special tokens are missing and which ids are out of range', () => {
    const v = new Vocab(['[PAD]', '[UNK]', 'a']);
    expect(v.specialIds.pad).toBe(0);
    expect(() => v.specialIds.cls).toThrow('vocab: the vocabulary has no [CLS] token, which adding special tokens');
    expect(() => v.specialIds.mask).toThrow('vocab: the vocabulary has no [MASK] token, which masking (pretraining, fill-mask) needs');
    expect(() => v.idToToken(3)).toThrow('token id 3 is outside the vocabulary (expected an integer in [0, 3))');
    expect(() => v.idToToken(-1)).toThrow(/outside the vocabulary/);
  });
});

describe('wordPieceSplit', () => {
  const v = new Vocab(['[UNK]', 'un', 'una', '##ff', '##ffa', '##able', '##ble', '##a', 'a', '𝒜', '##𝒜']);
  const split = (w: string, max?: number) => Array.from(wordPieceSplit(w, v, 0, { maxInputCharsPerWord: max }));

  it('takes the longest matching piece first', () => {
    // una + ##ffa + ##ble (not un + ...): [id, start, end] triples
    expect(split('unaffable')).toEqual([2, 0, 3, 4, 3, 6, 6, 6, 9]);
  });

  it('gives one [UNK] for the whole word when any position has no piece', () => {
    expect(split('unaffablez')).toEqual([0, 0, 10]);
    expect(split('z')).toEqual([0, 0, 1]);
  });

  it('counts code points, never splitting a surrogate pair', () => {
    expect(split('𝒜𝒜a')).toEqual([9, 0, 1, 10, 1, 2, 7, 2, 3]);
  });

  it('turns a word longer than maxInputCharsPerWord into [UNK]', () => {
    expect(split('a'.repeat(100))).not.toEqual([0, 0, 100]);
    expect(split('a'.repeat(101))).toEqual([0, 0, 101]);
    expect(split('aaa', 2)).toEqual([0, 0, 3]);
  });
});
