/** BERT input format, truncation arithmetic, windows, padding, batches, word ids and errors. */
import { describe, expect, it } from 'vitest';
import { truncatedLengths, windowPairs, windowParts } from '../../src/tokenizer/encoding.ts';
import { preTokenize } from '../../src/tokenizer/index.ts';
import { bertTokenizer } from './helpers.ts';

describe('windowParts', () => {
  it('steps by maxLen - stride until the end is covered', () => {
    expect(windowParts(31, 16, 6)).toEqual([
      [0, 16],
      [10, 26],
      [20, 31],
    ]);
    expect(windowParts(10, 4, 0)).toEqual([
      [0, 4],
      [4, 8],
      [8, 10],
    ]);
    expect(windowParts(5, 8, 2)).toEqual([[0, 5]]);
    expect(windowParts(5, 0, 0)).toEqual([
      [0, 0],
      [0, 5],
    ]);
  });
  it('rejects a stride that leaves no progress', () => {
    expect(() => windowParts(10, 4, 4)).toThrow('stride 4 must be smaller than the room left for the truncated sequence (4 tokens)');
  });
});

describe('truncatedLengths', () => {
  it('longest_first keeps the shorter text whole when it can, else halves the budget', () => {
    expect(truncatedLengths(11, 10, 13, 'longest_first')).toEqual([7, 6]);
    expect(truncatedLengths(1, 13, 9, 'longest_first')).toEqual([1, 8]);
    expect(truncatedLengths(20, 3, 10, 'longest_first')).toEqual([7, 3]);
    expect(truncatedLengths(20, 30, 9, 'longest_first')).toEqual([4, 5]);
    expect(truncatedLengths(20, null, 9, 'longest_first')).toEqual([9, 0]);
    expect(truncatedLengths(3, 4, 9, 'longest_first')).toEqual([3, 4]);
  });
  it('only_first / only_second cut one text and fail when it is too short', () => {
    expect(truncatedLengths(10, 10, 15, 'only_first')).toEqual([5, 10]);
    expect(truncatedLengths(10, 10, 15, 'only_second')).toEqual([10, 5]);
    expect(() => truncatedLengths(3, 20, 10, 'only_first')).toThrow("truncation 'only_first': the first text has 3 tokens, but 13 must go to fit 10 tokens");
    expect(() => truncatedLengths(30, null, 10, 'only_second')).toThrow("'only_second' needs a pair of texts");
  });
});

describe('windowPairs', () => {
  it('orders windows as Hugging Face merges overflowing encodings', () => {
    const a = [
      [0, 2],
      [1, 3],
    ] as [number, number][];
    const b = [
      [0, 2],
      [1, 3],
      [2, 4],
    ] as [number, number][];
    expect(windowPairs(a, b)).toEqual([
      [
        [0, 2],
        [0, 2],
      ],
      [
        [1, 3],
        [0, 2],
      ],
      [
        [1, 3],
        [1, 3],
      ],
      [
        [1, 3],
        [2, 4],
      ],
      [
        [0, 2],
        [1, 3],
      ],
      [
        [0, 2],
        [2, 4],
      ],
    ]);
  });
});

describe('BertTokenizer.encode', () => {
  const tok = bertTokenizer();

  it('builds [CLS] A [SEP] B [SEP] with segment ids, word ids and special token mask', () => {
    const e = tok.encode('Who is it?', 'Me.');
    expect(e.tokens).toEqual(['[CLS]', 'who', 'is', 'it', '?', '[SEP]', 'me', '.', '[SEP]']);
    expect(e.tokenTypeIds).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 1]);
    expect(e.sequenceIds).toEqual([null, 0, 0, 0, 0, null, 1, 1, null]);
    expect(e.specialTokensMask).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 1]);
    expect(e.wordIds).toEqual([null, 0, 1, 2, 3, null, 0, 1, null]);
    expect(e.offsets).toEqual([
      [0, 0],
      [0, 3],
      [4, 6],
      [7, 9],
      [9, 10],
      [0, 0],
      [0, 2],
      [2, 3],
      [0, 0],
    ]);
  });

  it('gives all pieces of a word the same word id (what whole-word masking needs)', () => {
    const e = tok.encode('unaffable tokenizer');
    expect(e.tokens).toEqual(['[CLS]', 'una', '##ffa', '##ble', 'token', '##izer', '[SEP]']);
    expect(e.wordIds).toEqual([null, 0, 0, 0, 1, 1, null]);
    expect(preTokenize('unaffable tokenizer')).toEqual([
      { text: 'unaffable', start: 0, end: 9 },
      { text: 'tokenizer', start: 10, end: 19 },
    ]);
  });

  it('can leave out the special tokens', () => {
    const e = tok.encode('hello world', 'again', { addSpecialTokens: false, maxLength: 2 });
    expect(e.tokens).toEqual(['hello', 'again']);
    expect(e.tokenTypeIds).toEqual([0, 1]);
  });

  it("pads a batch to its longest row with padding 'longest'", () => {
    const { encodings, overflowToSampleMapping } = tok.encodeBatch(['a b c d', ['x', 'y'], { text: 'z' }], { padding: 'longest' });
    expect(encodings.map((e) => e.inputIds.length)).toEqual([6, 6, 6]);
    expect(encodings[2].attentionMask).toEqual([1, 1, 1, 0, 0, 0]);
    expect(encodings[2].tokens.slice(3)).toEqual(['[PAD]', '[PAD]', '[PAD]']);
    expect(encodings[1].tokenTypeIds).toEqual([0, 0, 0, 1, 1, 0]);
    expect(overflowToSampleMapping).toEqual([0, 1, 2]);
  });

  it('maps every window of a batch back to its input', () => {
    const { encodings, overflowToSampleMapping } = tok.encodeBatch(['one', 'a b c d e f g h'], {
      maxLength: 5,
      stride: 1,
      returnOverflowing: true,
    });
    // 8 tokens, room for 3 per window, 1 shared: windows start at 0, 2, 4, 6.
    expect(overflowToSampleMapping).toEqual([0, 1, 1, 1, 1]);
    expect(encodings.slice(1).map((e) => e.tokens)).toEqual([
      ['[CLS]', 'a', 'b', 'c', '[SEP]'],
      ['[CLS]', 'c', 'd', 'e', '[SEP]'],
      ['[CLS]', 'e', 'f', 'g', '[SEP]'],
      ['[CLS]', 'g', 'h', '[SEP]'],
    ]);
    const single = tok.encode('a b c d e f g h', null, { maxLength: 5, stride: 1, returnOverflowing: true });
    expect([single, ...single.overflowing!].map((e) => e.tokens.slice(1, -1).join(''))).toEqual(['abc', 'cde', 'efg', 'gh']);
    expect(single.overflowToSampleMapping).toEqual([0, 0, 0, 0]);
  });

  it('reports offsets in UTF-16 units on request', () => {
    expect(tok.encode('🤖 and', null, { offsetUnit: 'utf16' }).offsets).toEqual([
      [0, 0],
      [0, 2],
      [3, 6],
      [0, 0],
    ]);
    expect(tok.encode('🤖 and').offsets).toEqual([
      [0, 0],
      [0, 1],
      [2, 5],
      [0, 0],
    ]);
  });

  it('explains bad options', () => {
    expect(() => tok.encode('a', null, { padding: 'max_length' })).toThrow("padding 'max_length' needs maxLength");
    expect(() => tok.encode('a', null, { truncation: 'only_first' })).toThrow("truncation 'only_first' needs maxLength");
    expect(() => tok.encode('a', 'b', { maxLength: 2 })).toThrow('maxLength 2 leaves no room: 3 special tokens are added');
    expect(() => tok.encode('a b c', null, { maxLength: 4, stride: 2 })).toThrow(/stride 2 must be smaller/);
    expect(() => tok.decode([30522])).toThrow('token id 30522 is outside the vocabulary');
  });
});

describe('decode', () => {
  const tok = bertTokenizer();
  it('joins ## pieces, keeps or drops special tokens, and cleans up spaces', () => {
    const ids = tok.encode("I'm here, aren't you?").inputIds;
    expect(tok.decode(ids)).toBe("[CLS] i'm here, aren't you? [SEP]");
    expect(tok.decode(ids, { skipSpecialTokens: true, cleanUpSpaces: false })).toBe("i ' m here, aren ' t you?");
    expect(tok.decode(tok.convertTokensToIds(['##ing', 'play', '##ing']))).toBe('##ing playing');
    expect(tok.decodeBatch([[7592], [2088]])).toEqual(['hello', 'world']);
  });
});
