/**
 * Test helpers for the data layer: a tiny whitespace tokenizer (a `+` inside a word splits it into WordPiece
 * style pieces: "un+believ+able" -> "un", "##believ", "##able") and binomial bounds for statistical checks.
 */
import { createMaskingVocab, type MaskingVocab } from '../../src/data/masking.ts';
import type { PretrainingTokenizer } from '../../src/data/pretraining-instances.ts';
import type { Rng } from '../../src/tensor/random.ts';

export const SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];

export interface TestTokenizer extends PretrainingTokenizer {
  vocabTokens: string[];
  vocab: MaskingVocab;
}

function pieces(word: string): string[] {
  return word.split('+').map((p, i) => (i === 0 ? p : `##${p}`));
}

/** A whitespace tokenizer whose vocabulary is the specials plus every piece of `texts`. */
export function whitespaceTokenizer(texts: readonly string[]): TestTokenizer {
  const vocabTokens = [...SPECIALS];
  const index = new Map(vocabTokens.map((t, i) => [t, i]));
  for (const text of texts) {
    for (const word of text.split(/\s+/)) {
      if (word === '') continue;
      for (const p of pieces(word)) {
        if (!index.has(p)) {
          index.set(p, vocabTokens.length);
          vocabTokens.push(p);
        }
      }
    }
  }
  return {
    vocabTokens,
    vocab: createMaskingVocab(vocabTokens),
    tokenize: (text) =>
      text
        .split(/\s+/)
        .filter((w) => w !== '')
        .flatMap(pieces),
    convertTokensToIds: (tokens) => tokens.map((token) => index.get(token) ?? 1),
  };
}

/**
 * A random corpus text: `docs` documents of 1..maxSentences sentences of 1..maxWords words drawn from
 * `words`, in the google-research/bert format.
 */
export function randomCorpusText(rng: Rng, docs: number, maxSentences: number, maxWords: number, words: readonly string[]): string {
  const out: string[] = [];
  for (let d = 0; d < docs; d++) {
    const n = rng.randint(1, maxSentences);
    for (let s = 0; s < n; s++) {
      const k = rng.randint(1, maxWords);
      out.push(Array.from({ length: k }, () => rng.choice(words)).join(' '));
    }
    out.push('');
  }
  return out.join('\n');
}

/**
 * Bounds for the fraction of successes in n Bernoulli(p) trials: p +- 5 standard deviations,
 * sqrt(p (1 - p) / n). A correct implementation falls outside with probability below 1e-6.
 */
export function binomialBounds(p: number, n: number): [number, number] {
  const sd = Math.sqrt((p * (1 - p)) / n);
  return [p - 5 * sd, p + 5 * sd];
}

export function expectFractionNear(successes: number, n: number, p: number): void {
  const [lo, hi] = binomialBounds(p, n);
  const f = successes / n;
  if (!(f >= lo && f <= hi)) {
    throw new Error(`fraction ${successes}/${n} = ${f.toFixed(4)} is outside [${lo.toFixed(4)}, ${hi.toFixed(4)}] around p = ${p}`);
  }
}
