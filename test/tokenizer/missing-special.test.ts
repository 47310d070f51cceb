/**
 * A vocabulary may lack special tokens (google-research/bert's own tokenizer test uses one without [PAD] and
 * [MASK]): it is refused only where the missing token is needed, with a message naming the token and the use.
 */
import { describe, expect, it } from 'vitest';
import { BertTokenizer, Vocab } from '../../src/tokenizer/index.ts';

// The vocabulary of tokenization_test.py in google-research/bert.
const GOOGLE_TEST_VOCAB = ['[UNK]', '[CLS]', '[SEP]', 'want', '##want', '##ed', 'wa', 'un', 'runn', '##ing', ','];

describe('a vocabulary without [PAD] or [MASK]', () => {
  const tok = new BertTokenizer(new Vocab(GOOGLE_TEST_VOCAB));

  it('tokenizes and encodes (the Google test case)', () => {
    expect(tok.tokenize('UNwant\u00e9d,running')).toEqual(['un', '##want', '##ed', ',', 'runn', '##ing']);
    expect(tok.encode('unwanted running').tokens).toEqual(['[CLS]', 'un', '##want', '##ed', 'runn', '##ing', '[SEP]']);
    expect(tok.encode('a').inputIds).toEqual([1, 0, 2]); // unknown word -> [UNK]
    expect(tok.decode([1, 7, 4, 2], { skipSpecialTokens: true })).toBe('unwant');
  });

  it('[MASK] written in text is plain text when the vocabulary has no [MASK]', () => {
    expect(tok.tokenize('[MASK]')).toEqual(['[UNK]', '[UNK]', '[UNK]']);
  });

  it('padding is refused, naming [PAD] and padding', () => {
    expect(() => tok.encode('want', undefined, { maxLength: 8, padding: 'max_length' })).toThrow(
      'vocab: the vocabulary has no [PAD] token, which padding (padding: max_length or longest, batches of unequal lengths) needs',
    );
    // No padding needed: fine.
    expect(tok.encode('want', undefined, { maxLength: 8 }).inputIds).toEqual([1, 3, 2]);
  });

  it('masking is refused, naming [MASK]', () => {
    expect(() => tok.ids.mask).toThrow('the vocabulary has no [MASK] token, which masking (pretraining, fill-mask) needs');
    expect(() => tok.vocab.specialIds.mask).toThrow(/no \[MASK\] token/);
  });
});

describe('other missing special tokens', () => {
  it('no [UNK]: known words encode; an unknown word is an error naming the word and [UNK]', () => {
    const tok = new BertTokenizer(new Vocab(['[CLS]', '[SEP]', 'want', '##ed']));
    expect(tok.tokenize('wanted')).toEqual(['want', '##ed']);
    expect(() => tok.tokenize('wanted xyz')).toThrow('the word "xyz" cannot be spelled with its pieces, and the vocabulary has no [UNK] token');
  });

  it('no [CLS]/[SEP]: encoding without special tokens works; with them it names the token', () => {
    const tok = new BertTokenizer(new Vocab(['[UNK]', 'want']));
    expect(tok.encode('want', undefined, { addSpecialTokens: false }).inputIds).toEqual([1]);
    expect(() => tok.encode('want')).toThrow('the vocabulary has no [CLS] token, which adding special tokens');
    expect(() => tok.encode('want', 'want', { addSpecialTokens: true })).toThrow(/no \[CLS\] token/);
  });
});
