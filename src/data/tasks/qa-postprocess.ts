/**
 * From start/end logits back to answer text: n-best span decoding over all windows of a question, as in
 * Hugging Face's run_qa (postprocess_qa_predictions).
 *
 * For each window (feature) of a question:
 *   - take the `nBest` tokens with the highest start logits and the `nBest` with the highest end logits;
 *   - every pair (start, end) with both tokens inside the context, end >= start and
 *     end - start + 1 <= maxAnswerLength is a candidate, scored  start_logit[start] + end_logit[end];
 *   - the window's null score is  start_logit[0] + end_logit[0]  (both on [CLS]).
 * Over the question, candidates from all windows are ranked by score and the best `nBest` kept; their text is
 * cut from the ORIGINAL context by the tokens' character offsets (so case and accents are as written), and
 * `probability` is the softmax of the kept scores.
 *
 * SQuAD v1.1 (`version2: false`): the answer is the best candidate's text.
 * SQuAD v2.0 (`version2: true`): the null score is the smallest over the question's windows; with the best
 * span's score,  nullScoreDiff = null score - best span score,  and the answer is "" (no answer) when
 * nullScoreDiff > nullScoreDiffThreshold, the best span's text otherwise. The null candidate also takes part
 * in the n-best list and its probabilities.
 * A question with no valid span at all is answered "" in both versions.
 */
import type { QaFeature } from './qa-features.ts';
import type { SquadExample } from './squad.ts';

export interface QaPostprocessOptions {
  /** Candidates considered per window and kept per question. Default 20. */
  nBest?: number;
  /** Longest answer in tokens. Default 30. */
  maxAnswerLength?: number;
  /** SQuAD v2.0: allow "no answer". Default false. */
  version2?: boolean;
  /** v2.0: answer "" when (null score - best span score) is above this. Default 0. */
  nullScoreDiffThreshold?: number;
}

/** One candidate answer of a question. */
export interface QaCandidate {
  /** The answer text ("" for the null answer). */
  text: string;
  /** UTF-16 span of the text in the context ([0, 0] for the null answer). */
  start: number;
  end: number;
  startLogit: number;
  endLogit: number;
  /** startLogit + endLogit. */
  score: number;
  /** Softmax of the scores over the question's n-best list. */
  probability: number;
  /** Index of the feature (window) the candidate comes from. */
  featureIndex: number;
  /** True for the null ("no answer") candidate. */
  isNull: boolean;
}

export interface QaPredictions {
  /** Question id -> answer text ("" = no answer), for `squadMetricInputs` and the SQuAD scores. */
  predictions: Record<string, string>;
  /** Question id -> candidates, best first. */
  nbest: Record<string, QaCandidate[]>;
  /** v2.0: question id -> null score - best span score (+Infinity when there is no valid span). */
  nullScoreDiff: Record<string, number>;
}

/**
 * Indices of the `k` largest values of `xs[0..n)`, largest first (ties: lower index first).
 * One pass keeping a sorted list of the best k so far: O(n k) at worst, and close to O(n) for logits,
 * where few values enter the list (sorting all n indices would cost O(n log n) with a slow comparator).
 */
export function topLogitIndices(xs: ArrayLike<number>, n: number, k: number): number[] {
  const top: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = xs[i];
    if (top.length === k && !(v > xs[top[k - 1]])) continue;
    // Insert after every kept index with a value >= v (equal values keep index order).
    let at = top.length;
    while (at > 0 && xs[top[at - 1]] < v) at--;
    top.splice(at, 0, i);
    if (top.length > k) top.pop();
  }
  return top;
}

/**
 * Decode answers from the model's start and end logits (see the file comment).
 * @param startLogits per feature, [seq'] (seq' >= the feature's length; padding positions are ignored)
 * @param endLogits same shape as startLogits
 */
export function postprocessQaPredictions(
  examples: readonly SquadExample[],
  features: readonly QaFeature[],
  startLogits: readonly ArrayLike<number>[],
  endLogits: readonly ArrayLike<number>[],
  options: QaPostprocessOptions = {},
): QaPredictions {
  const nBest = options.nBest ?? 20;
  const maxAnswerLength = options.maxAnswerLength ?? 30;
  const version2 = options.version2 ?? false;
  const threshold = options.nullScoreDiffThreshold ?? 0;
  if (startLogits.length !== features.length || endLogits.length !== features.length) {
    throw new Error(
      `postprocessQaPredictions: expected start and end logits for each of the ${features.length} features, got ${startLogits.length} and ${endLogits.length}`,
    );
  }
  const byExample: number[][] = examples.map(() => []);
  features.forEach((f, i) => {
    const list = byExample[f.exampleIndex];
    if (list === undefined)
      throw new Error(`postprocessQaPredictions: feature ${i} names example ${f.exampleIndex}, but there are ${examples.length} examples`);
    const n = f.inputIds.length;
    if (startLogits[i].length < n || endLogits[i].length < n) {
      throw new Error(
        `postprocessQaPredictions: feature ${i} has ${n} tokens, but its logits have ${startLogits[i].length} (start) and ${endLogits[i].length} (end)`,
      );
    }
    list.push(i);
  });

  const out: QaPredictions = { predictions: {}, nbest: {}, nullScoreDiff: {} };
  examples.forEach((ex, e) => {
    const candidates: QaCandidate[] = [];
    let nullCandidate: QaCandidate | null = null;
    for (const fi of byExample[e]) {
      const f = features[fi];
      const s = startLogits[fi];
      const en = endLogits[fi];
      const n = f.inputIds.length;
      // [docs: qa-null-score] The window's "no answer" score: both on [CLS]; the question keeps the smallest.
      const nullScore = s[0] + en[0];
      if (nullCandidate === null || nullScore < nullCandidate.score) {
        nullCandidate = { text: '', start: 0, end: 0, startLogit: s[0], endLogit: en[0], score: nullScore, probability: 0, featureIndex: fi, isNull: true };
      }
      // [docs: qa-span-candidates] nBest starts x nBest ends, inside the context, end >= start, at most maxAnswerLength.
      for (const a of topLogitIndices(s, n, nBest)) {
        for (const b of topLogitIndices(en, n, nBest)) {
          const oa = f.contextOffsets[a];
          const ob = f.contextOffsets[b];
          if (oa === null || ob === null || b < a || b - a + 1 > maxAnswerLength) continue;
          candidates.push({
            text: ex.context.slice(oa[0], ob[1]),
            start: oa[0],
            end: ob[1],
            startLogit: s[a],
            endLogit: en[b],
            score: s[a] + en[b],
            probability: 0,
            featureIndex: fi,
            isNull: false,
          });
        }
      }
    }
    candidates.sort((x, y) => y.score - x.score);
    const best = candidates[0];
    let list = candidates.slice(0, nBest);
    if (version2 && nullCandidate !== null) {
      list = [...list, nullCandidate].sort((x, y) => y.score - x.score).slice(0, nBest);
      if (!list.includes(nullCandidate)) list.push(nullCandidate);
    }
    // Softmax of the scores, shifted by the maximum for stability: p_i = exp(s_i - m) / sum_j exp(s_j - m).
    const m = Math.max(...list.map((c) => c.score));
    const z = list.reduce((acc, c) => acc + Math.exp(c.score - m), 0);
    for (const c of list) c.probability = Math.exp(c.score - m) / z;
    out.nbest[ex.id] = list;

    if (!version2) {
      out.predictions[ex.id] = best === undefined ? '' : best.text;
    } else {
      // [docs: qa-null-threshold] No answer when null score - best span score > threshold.
      const diff = best === undefined ? Infinity : nullCandidate!.score - best.score;
      out.nullScoreDiff[ex.id] = diff;
      out.predictions[ex.id] = diff > threshold ? '' : best!.text;
    }
  });
  return out;
}
