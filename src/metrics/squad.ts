/**
 * SQuAD answer scores: exact match and token-overlap F1 after the official normalisation, SQuAD v1.1 overall
 * scores, and SQuAD v2.0's handling of unanswerable questions (an empty answer).
 *
 * Normalisation (the official evaluation scripts, in this order):
 *   1. lowercase;
 *   2. delete every ASCII punctuation character  !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~  (Python's
 *      string.punctuation; other symbols such as « or – stay);
 *   3. replace the whole words a, an, the by a space (a "word" boundary is Python's Unicode \b: letters,
 *      digits and _ are word characters);
 *   4. split on whitespace and join with single spaces.
 * Accents are NOT removed: "très" and "tres" are different tokens.
 *
 * Token F1 of one prediction against one gold answer, with `common` = size of the multiset intersection of
 * their token lists:  P = common / |pred|,  R = common / |gold|,  F1 = 2 P R / (P + R)  (0 when common = 0).
 * When either token list is empty, F1 = 1 if both are empty and 0 otherwise (v2.0 script and torchmetrics;
 * the v1.1 script would give 0 for two empty answers, which never arises there because v1.1 gold answers
 * are never empty).
 * A question's score is the maximum over its gold answers.
 */

/** Python's string.punctuation: the 32 ASCII punctuation characters. */
const PUNCTUATION = new Set('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~');

/**
 * a / an / the as whole words. Python's `\b(a|an|the)\b` on a str uses Unicode word characters
 * (letters, digits, underscore); JavaScript's \b is ASCII-only, so the boundaries are spelled out.
 */
const ARTICLES = /(?<![\p{L}\p{N}_])(?:a|an|the)(?![\p{L}\p{N}_])/gu;

/** The characters Python's str.split() splits on (str.isspace); differs from JS \s on U+001C-U+001F, U+0085, U+FEFF. */
const PY_WHITESPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

/** The official SQuAD normalisation of an answer string (see the file comment). [docs: squad-normalize] */
export function normalizeAnswer(s: string): string {
  const lower = s.toLowerCase();
  let noPunct = '';
  for (const ch of lower) if (!PUNCTUATION.has(ch)) noPunct += ch;
  const noArticles = noPunct.replace(ARTICLES, ' ');
  return splitWhitespace(noArticles).join(' ');
}

function splitWhitespace(s: string): string[] {
  return s.split(PY_WHITESPACE).filter((t) => t.length > 0);
}

/** The tokens F1 compares: the normalised answer split on spaces. */
export function answerTokens(s: string): string[] {
  return splitWhitespace(normalizeAnswer(s));
}

/** 1 when the normalised strings are equal, else 0. */
export function squadExactMatch(prediction: string, gold: string): number {
  return normalizeAnswer(prediction) === normalizeAnswer(gold) ? 1 : 0;
}

/** The integer counts that token F1 is made of. */
export interface TokenOverlap {
  /** Size of the multiset intersection of the two token lists. */
  common: number;
  predTokens: number;
  goldTokens: number;
}

/** Count the tokens of prediction and gold and the tokens they share (with multiplicity). */
export function tokenOverlap(prediction: string, gold: string): TokenOverlap {
  const pred = answerTokens(prediction);
  const goldToks = answerTokens(gold);
  const counts = new Map<string, number>();
  for (const t of goldToks) counts.set(t, (counts.get(t) ?? 0) + 1);
  let common = 0;
  for (const t of pred) {
    const left = counts.get(t) ?? 0;
    if (left > 0) {
      common++;
      counts.set(t, left - 1);
    }
  }
  return { common, predTokens: pred.length, goldTokens: goldToks.length };
}

/** Token F1 from the overlap counts (see the file comment for the empty-answer rule). [docs: squad-f1] */
export function f1FromOverlap({ common, predTokens, goldTokens }: TokenOverlap): number {
  if (predTokens === 0 || goldTokens === 0) return predTokens === goldTokens ? 1 : 0;
  if (common === 0) return 0;
  const precision = common / predTokens;
  const recall = common / goldTokens;
  return (2 * precision * recall) / (precision + recall);
}

/** Token-overlap F1 of a prediction against one gold answer, in [0, 1]. */
export function squadF1(prediction: string, gold: string): number {
  return f1FromOverlap(tokenOverlap(prediction, gold));
}

/** One question's score: the best over its gold answers, both in [0, 1]. */
export interface SquadExampleScore {
  /** 0 or 1. */
  exactMatch: number;
  f1: number;
}

/**
 * Score one prediction against all gold answers of its question (maximum of each score separately).
 * [docs: squad-best-of-gold]
 * @param answers at least one gold answer
 */
export function squadExampleScore(prediction: string, answers: readonly string[]): SquadExampleScore {
  if (answers.length === 0) throw new Error('squadExampleScore: expected at least one gold answer, got none');
  let exactMatch = 0;
  let f1 = 0;
  for (const gold of answers) {
    exactMatch = Math.max(exactMatch, squadExactMatch(prediction, gold));
    f1 = Math.max(f1, squadF1(prediction, gold));
  }
  return { exactMatch, f1 };
}

/** SQuAD v1.1 results. */
export interface SquadScores {
  /** Mean exact match in percent (0..100). */
  exactMatch: number;
  /** Mean F1 in percent (0..100). */
  f1: number;
  /** Number of questions. */
  total: number;
  /** Per question, in [0, 1] (not percent), in input order. */
  perExample: SquadExampleScore[];
}

function checkLengths(predictions: readonly string[], answers: readonly (readonly string[])[], fn: string): void {
  if (predictions.length !== answers.length) {
    throw new Error(`${fn}: expected one answer list per prediction, got ${predictions.length} predictions and ${answers.length} answer lists`);
  }
  if (predictions.length === 0) throw new Error(`${fn}: expected at least one question, got 0`);
}

/**
 * SQuAD v1.1 evaluation: per-question best exact match and F1, and their means in percent.
 * @param predictions one answer string per question, length Q
 * @param answers the gold answers of each question, length Q, each non-empty
 */
export function squadScores(predictions: readonly string[], answers: readonly (readonly string[])[]): SquadScores {
  checkLengths(predictions, answers, 'squadScores');
  const perExample = predictions.map((p, i) => {
    if (answers[i]!.length === 0) throw new Error(`squadScores: question ${i} has no gold answer (SQuAD v1.1 needs one; use squadV2Scores)`);
    return squadExampleScore(p, answers[i]!);
  });
  const total = perExample.length;
  return {
    exactMatch: (100 * perExample.reduce((s, e) => s + e.exactMatch, 0)) / total,
    f1: (100 * perExample.reduce((s, e) => s + e.f1, 0)) / total,
    total,
    perExample,
  };
}

/** Mean exact match and F1 over a group of questions, in percent. */
export interface SquadGroupScores {
  exactMatch: number;
  f1: number;
  total: number;
}

/** SQuAD v2.0 results (the fields of the official script, camel-cased). */
export interface SquadV2Scores extends SquadGroupScores {
  /** Questions with at least one gold answer; absent when there are none. */
  hasAns?: SquadGroupScores;
  /** Unanswerable questions (empty gold list); absent when there are none. */
  noAns?: SquadGroupScores;
  /** Per question, in [0, 1], after the no-answer threshold was applied. */
  perExample: SquadExampleScore[];
  /**
   * Only with `naProbs`: the best overall score over all thresholds on the no-answer probability, and
   * that threshold (the script's best_exact / best_exact_thresh / best_f1 / best_f1_thresh).
   */
  best?: { exactMatch: number; exactMatchThreshold: number; f1: number; f1Threshold: number };
}

/** Options of `squadV2Scores`. */
export interface SquadV2Options {
  /** Model's probability that each question has no answer, length Q. */
  naProbs?: readonly number[];
  /** A question whose naProb is above this is answered with "" (default 1.0: never). */
  naProbThreshold?: number;
}

/**
 * SQuAD v2.0 evaluation, as the official v2.0 script does it.
 *
 * A question is answerable when its gold list is non-empty. Gold answers that normalise to "" are dropped;
 * when none is left the gold list is [""], so an empty prediction scores 1 (exact and F1) on an
 * unanswerable question and any non-empty prediction scores 0; an empty prediction on an answerable
 * question scores 0. With `naProbs`, a question whose probability exceeds `naProbThreshold` counts as
 * answered with "" (score 1 if unanswerable, else 0).
 * @param predictions one answer string per question ("" = no answer), length Q
 * @param answers gold answers per question, length Q; [] for an unanswerable question
 */
export function squadV2Scores(predictions: readonly string[], answers: readonly (readonly string[])[], options: SquadV2Options = {}): SquadV2Scores {
  checkLengths(predictions, answers, 'squadV2Scores');
  const { naProbs, naProbThreshold = 1.0 } = options;
  if (naProbs !== undefined && naProbs.length !== predictions.length) {
    throw new Error(`squadV2Scores: expected ${predictions.length} naProbs (one per question), got ${naProbs.length}`);
  }
  const hasAns = answers.map((a) => a.length > 0);
  const raw = predictions.map((pred, i) => {
    const golds = answers[i]!.filter((a) => normalizeAnswer(a) !== '');
    return squadExampleScore(pred, golds.length > 0 ? golds : ['']);
  });
  const perExample = raw.map((score, i) => {
    if (naProbs !== undefined && naProbs[i]! > naProbThreshold) {
      const s = hasAns[i] ? 0 : 1;
      return { exactMatch: s, f1: s };
    }
    return score;
  });

  const group = (keep: (i: number) => boolean): SquadGroupScores | undefined => {
    let exact = 0;
    let f1 = 0;
    let total = 0;
    perExample.forEach((s, i) => {
      if (!keep(i)) return;
      exact += s.exactMatch;
      f1 += s.f1;
      total++;
    });
    return total === 0 ? undefined : { exactMatch: (100 * exact) / total, f1: (100 * f1) / total, total };
  };

  const result: SquadV2Scores = { ...group(() => true)!, perExample };
  const has = group((i) => hasAns[i]!);
  const no = group((i) => !hasAns[i]);
  if (has) result.hasAns = has;
  if (no) result.noAns = no;
  if (naProbs !== undefined) {
    const e = bestThreshold(
      predictions,
      raw.map((s) => s.exactMatch),
      naProbs,
      hasAns,
    );
    const f = bestThreshold(
      predictions,
      raw.map((s) => s.f1),
      naProbs,
      hasAns,
    );
    result.best = { exactMatch: e.score, exactMatchThreshold: e.threshold, f1: f.score, f1Threshold: f.threshold };
  }
  return result;
}

/**
 * The official script's threshold search. Start from "answer nothing" (score = number of unanswerable
 * questions); walk the questions by increasing naProb, letting each one keep its prediction: an answerable
 * one gains its raw score, an unanswerable one loses 1 if the prediction is non-empty. Keep the best running
 * total and the naProb where it was reached.
 * @returns score in percent and the threshold
 */
function bestThreshold(predictions: readonly string[], scores: number[], naProbs: readonly number[], hasAns: boolean[]): { score: number; threshold: number } {
  let current = hasAns.filter((h) => !h).length;
  let best = current;
  let threshold = 0;
  const order = naProbs.map((_, i) => i).sort((a, b) => naProbs[a]! - naProbs[b]!);
  for (const i of order) {
    const diff = hasAns[i] ? scores[i]! : predictions[i] ? -1 : 0;
    current += diff;
    if (current > best) {
      best = current;
      threshold = naProbs[i]!;
    }
  }
  return { score: (100 * best) / scores.length, threshold };
}
