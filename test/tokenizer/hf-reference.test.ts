/**
 * Exact agreement with Hugging Face (BertTokenizerFast, bert-base-uncased vocabulary) on every text and pair of
 * the reference file: tokens, ids, offsets, type ids, masks, sequence ids, stride windows and decodes, for the
 * uncased (lowercase + accent stripping) and cased (neither) pipelines, on both the fast and the general path.
 */
import { describe, expect, it } from 'vitest';
import type { Encoding } from '../../src/tokenizer/index.ts';
import { bertTokenizer, HF } from './helpers.ts';

const modes = [
  ['uncased', true],
  ['cased', false],
] as const;

describe.each(modes)('Hugging Face reference, %s', (mode, lowercase) => {
  const cases = HF[mode];

  it('the reference file says which pipeline it is', () => {
    expect(cases.do_lower_case).toBe(lowercase);
    expect(cases.single.length).toBe(16);
    expect(cases.pairs.length).toBe(5);
  });

  describe.each([true, false])('fast path %s', (fast) => {
    const tok = bertTokenizer(lowercase);
    tok.fastPath = fast;

    it.each(cases.single.map((c) => [JSON.stringify(c.text).slice(0, 60), c] as const))('single %s', (_, c) => {
      const e = tok.encode(c.text);
      expect(e.tokens).toEqual(c.tokens);
      expect(e.inputIds).toEqual(c.input_ids);
      expect(e.offsets).toEqual(c.offsets);
      expect(e.tokenTypeIds).toEqual(c.input_ids.map(() => 0));
      expect(e.attentionMask).toEqual(c.input_ids.map(() => 1));
      expect(tok.tokenize(c.text)).toEqual(c.tokens.slice(1, -1));
      expect(tok.decode(e.inputIds, { skipSpecialTokens: true, cleanUpSpaces: false })).toBe(c.decoded);
      expect(tok.decode(e.inputIds, { skipSpecialTokens: true, cleanUpSpaces: true })).toBe(c.decoded_clean);
    });

    it.each(cases.pairs.map((p, i) => [i, p] as const))('pair %i', (_, p) => {
      const { a, b, max_length, truncation, stride, padding } = p.input;
      const e = tok.encode(a, b, {
        maxLength: max_length,
        truncation: truncation as 'longest_first' | 'only_second' | undefined,
        padding: padding as 'max_length' | undefined,
        stride,
        returnOverflowing: stride !== undefined,
        hfEarlyStop: true,
      });
      const windows: Encoding[] = [e, ...(e.overflowing ?? [])];
      const pick = <T>(f: (w: Encoding) => T) => (Array.isArray(p.input_ids[0]) ? windows.map(f) : f(e));
      expect(pick((w) => w.inputIds)).toEqual(p.input_ids);
      expect(pick((w) => w.tokenTypeIds)).toEqual(p.token_type_ids);
      expect(pick((w) => w.attentionMask)).toEqual(p.attention_mask);
      expect(pick((w) => w.offsets)).toEqual(p.offsets);
      expect(pick((w) => w.sequenceIds)).toEqual(p.sequence_ids);
      if (p.overflow_to_sample_mapping) expect(e.overflowToSampleMapping).toEqual(p.overflow_to_sample_mapping);
      for (const w of windows) expect(w.tokens).toEqual(tok.convertIdsToTokens(w.inputIds));
    });
  });
});

describe('stride windows without the early stop', () => {
  // tokenizers >= 0.23.1 stops tokenizing at maxLength tokens when truncating, so the reference has only two
  // windows and the second one ends early. By default we cover the whole text, as the documented algorithm
  // (Encoding::truncate) does: windows start every maxLength - specials - lenA - stride tokens.
  const p = HF.uncased.pairs[3];
  const tok = bertTokenizer(true);
  const opts = { maxLength: 24, truncation: 'only_second' as const, stride: 6, padding: 'max_length' as const };

  it('covers the whole second text', () => {
    const e = tok.encode(p.input.a, p.input.b, { ...opts, returnOverflowing: true });
    const windows = [e, ...e.overflowing!];
    expect(windows.length).toBe(3);
    expect(e.overflowToSampleMapping).toEqual([0, 0, 0]);
    // The first window is the same either way.
    expect(e.inputIds).toEqual((p.input_ids as number[][])[0]);
    const full = tok.encodeSequence(p.input.b);
    const second = windows.map((w) => w.inputIds.filter((_, i) => w.sequenceIds[i] === 1));
    expect(second[0]).toEqual(full.ids.slice(0, 16));
    expect(second[1]).toEqual(full.ids.slice(10, 26));
    expect(second[2]).toEqual(full.ids.slice(20));
    // Each window repeats the last `stride` tokens of the previous one.
    expect(second[1].slice(0, 6)).toEqual(second[0].slice(-6));
    expect(second[2].slice(0, 6)).toEqual(second[1].slice(-6));
    for (const w of windows) expect(w.inputIds.length).toBe(24);
  });

  it('returns only the first window unless asked for the overflow', () => {
    const e = tok.encode(p.input.a, p.input.b, opts);
    expect(e.overflowing).toBeUndefined();
    expect(e.inputIds).toEqual((p.input_ids as number[][])[0]);
  });
});
