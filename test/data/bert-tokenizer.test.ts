/**
 * The pipeline with the project's WordPiece tokenizer on google-research/bert's sample text:
 * corpus -> BertTokenizer -> instances with whole-word masking -> batch.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCorpus } from '../../src/data/corpus.ts';
import { candidateGroups, createMaskingVocab } from '../../src/data/masking.ts';
import { collatePretrainingBatch } from '../../src/data/pretraining-batches.ts';
import { createPretrainingInstances, idsToTokens, tokenizeCorpus, type PretrainingTokenizer } from '../../src/data/pretraining-instances.ts';
import { Rng } from '../../src/tensor/random.ts';
import { BertTokenizer } from '../../src/tokenizer/index.ts';

const fixtures = join(import.meta.dirname, '../fixtures');

describe('with BertTokenizer', () => {
  it('makes whole-word-masked instances from the sample text', async () => {
    const tokenizer: PretrainingTokenizer = BertTokenizer.fromFile(join(fixtures, 'tokenizer/bert-base-uncased-vocab.txt'));
    const vocabTokens = (tokenizer as BertTokenizer).vocab.tokens;
    const docs = await tokenizeCorpus(readCorpus(join(fixtures, 'data/sample_text.txt')), tokenizer);
    expect(docs.length).toBe(3);
    const vocab = createMaskingVocab(vocabTokens);
    const options = { maxSeqLength: 128, shortSeqProb: 0.1, maskedLmProb: 0.15, maxPredictionsPerSeq: 20, dupeFactor: 5, wholeWordMask: true };
    const instances = createPretrainingInstances(docs, vocab, options, new Rng(12345));
    expect(instances.length).toBeGreaterThan(20);

    let multiPiece = 0;
    for (const inst of instances) {
      // Rebuild the unmasked sequence and check every word is masked whole or not at all.
      const original = Int32Array.from(inst.ids);
      inst.maskedPositions.forEach((pos, k) => (original[pos] = inst.maskedLabels[k]));
      const masked = new Set(inst.maskedPositions);
      for (const group of candidateGroups(original, vocab, true)) {
        const count = group.filter((p) => masked.has(p)).length;
        expect(count === 0 || count === group.length).toBe(true);
        if (count > 1) multiPiece++;
      }
      const text = idsToTokens(inst.ids, vocabTokens);
      expect(text[0]).toBe('[CLS]');
      expect(text[text.length - 1]).toBe('[SEP]');
    }
    expect(multiPiece).toBeGreaterThan(0);

    const batch = collatePretrainingBatch(instances.slice(0, 4), { maxSeqLength: 128, maxPredictionsPerSeq: 20, padId: vocab.padId });
    expect(batch.inputIds.length).toBe(4 * 128);
    expect(vocabTokens[batch.inputIds[0]]).toBe('[CLS]');
  });
});
