/**
 * Entity-level precision / recall / F1 for BIO (IOB2) tag sequences, with the chunk rules of the CoNLL-2000
 * `conlleval` script (the scores seqeval reports in its default mode and the Hugging Face NER examples use).
 *
 * A tag is `O`, `B-TYPE` or `I-TYPE`. Reading a sentence left to right, a chunk (entity) STARTS at a token when
 *   - its tag is B-X, or
 *   - its tag is I-X and the previous tag is O or has a different type (conlleval does not require a B-;
 *     this also makes IOB1 data work),
 * and a chunk ENDS before a token that starts a chunk, before an O, and at the end of the sentence.
 * So  B-X B-X  is two entities,  B-X I-Y  is two entities (X then Y),  O I-X I-X  is one entity.
 *
 * A predicted entity is correct when a gold entity has the same type, the same first token and the same
 * last token. With, per type or over all types (micro),
 *   correct = # correct predicted entities,  predicted = # predicted entities,  support = # gold entities:
 *   precision = correct / predicted,  recall = correct / support,  F1 = 2 P R / (P + R)   (0 for 0/0).
 * Scores are fractions in [0, 1]; conlleval prints the same numbers times 100.
 */

/** One entity: `type` over tokens start..end-1 of sentence `sentence`. */
export interface EntitySpan {
  type: string;
  /** Index of the sentence in the input list. */
  sentence: number;
  /** First token, 0-based. */
  start: number;
  /** One past the last token. */
  end: number;
}

/** A parsed tag: O, or B/I with an entity type. */
export interface ParsedBioTag {
  prefix: 'B' | 'I' | 'O';
  type: string;
}

/**
 * Split a BIO tag into prefix and type: `O` -> O, `B-PER` -> B + PER, `I-MISC` -> I + MISC.
 * The type may itself contain '-' (`B-ORG-X` is type ORG-X). Anything else is an error.
 */
export function parseBioTag(tag: string, where = ''): ParsedBioTag {
  if (tag === 'O') return { prefix: 'O', type: '' };
  const m = /^([BI])-(.+)$/.exec(tag);
  if (m === null) throw new Error(`parseBioTag: expected "O", "B-TYPE" or "I-TYPE"${where}, got ${JSON.stringify(tag)}`);
  return { prefix: m[1] as 'B' | 'I', type: m[2]! };
}

/**
 * The entities (chunks) of one sentence, by the conlleval rules in the file comment.
 * @param tags one BIO tag per token, length T
 * @param sentence index stored in each EntitySpan (default 0)
 * @returns entities in order of their first token
 */
export function extractEntities(tags: readonly string[], sentence = 0): EntitySpan[] {
  const entities: EntitySpan[] = [];
  let open: EntitySpan | null = null;
  let prev: ParsedBioTag = { prefix: 'O', type: '' };
  for (let i = 0; i < tags.length; i++) {
    const cur = parseBioTag(tags[i]!, ` at sentence ${sentence}, token ${i}`);
    const starts = cur.prefix === 'B' || (cur.prefix === 'I' && (prev.prefix === 'O' || prev.type !== cur.type));
    if (open !== null && (starts || cur.prefix === 'O')) {
      open.end = i;
      entities.push(open);
      open = null;
    }
    if (starts) open = { type: cur.type, sentence, start: i, end: -1 };
    prev = cur;
  }
  if (open !== null) {
    open.end = tags.length;
    entities.push(open);
  }
  return entities;
}

/** Counts and scores of one entity type, or of all types together. */
export interface EntityTypeScores {
  precision: number;
  recall: number;
  f1: number;
  /** Predicted entities that match a gold entity exactly. */
  correct: number;
  /** Predicted entities. */
  predicted: number;
  /** Gold entities. */
  support: number;
}

/** Result of `entityScores`. */
export interface EntityScores {
  /** Micro average over all entities (conlleval's "overall" line). */
  overall: EntityTypeScores;
  /** Entity types found in gold or prediction, sorted. */
  types: string[];
  perType: Record<string, EntityTypeScores>;
  /** Unweighted mean of the per-type P, R, F1 (seqeval's "macro avg"). */
  macro: { precision: number; recall: number; f1: number };
  /** Per-type P, R, F1 weighted by gold support (seqeval's "weighted avg"). */
  weighted: { precision: number; recall: number; f1: number };
  /** Token-level tag accuracy (conlleval's "accuracy"), in [0, 1]. */
  tokenAccuracy: number;
}

function scoresFromCounts(correct: number, predicted: number, support: number): EntityTypeScores {
  const precision = predicted === 0 ? 0 : correct / predicted;
  const recall = support === 0 ? 0 : correct / support;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1, correct, predicted, support };
}

/**
 * Entity-level scores of predicted BIO tags against gold tags, sentence by sentence (an entity never crosses
 * a sentence boundary).
 * @param goldTags per sentence, one tag per token
 * @param predTags same shape as goldTags
 */
export function entityScores(goldTags: readonly (readonly string[])[], predTags: readonly (readonly string[])[]): EntityScores {
  if (goldTags.length !== predTags.length) {
    throw new Error(`entityScores: expected as many predicted sentences as gold ones, got ${predTags.length} and ${goldTags.length}`);
  }
  const counts = new Map<string, { correct: number; predicted: number; support: number }>();
  const count = (type: string) => {
    let c = counts.get(type);
    if (c === undefined) counts.set(type, (c = { correct: 0, predicted: 0, support: 0 }));
    return c;
  };
  let tokens = 0;
  let tokensCorrect = 0;
  goldTags.forEach((gold, s) => {
    const pred = predTags[s]!;
    if (gold.length !== pred.length) {
      throw new Error(`entityScores: sentence ${s} has ${gold.length} gold tags but ${pred.length} predicted tags`);
    }
    for (let i = 0; i < gold.length; i++) if (gold[i] === pred[i]) tokensCorrect++;
    tokens += gold.length;
    const goldEntities = extractEntities(gold, s);
    const goldKeys = new Set(goldEntities.map((e) => `${e.type}\u0000${e.start}\u0000${e.end}`));
    for (const e of goldEntities) count(e.type).support++;
    for (const e of extractEntities(pred, s)) {
      const c = count(e.type);
      c.predicted++;
      if (goldKeys.has(`${e.type}\u0000${e.start}\u0000${e.end}`)) c.correct++;
    }
  });

  const types = [...counts.keys()].sort();
  const perType: Record<string, EntityTypeScores> = {};
  let correct = 0;
  let predicted = 0;
  let support = 0;
  for (const t of types) {
    const c = counts.get(t)!;
    perType[t] = scoresFromCounts(c.correct, c.predicted, c.support);
    correct += c.correct;
    predicted += c.predicted;
    support += c.support;
  }
  const rows = types.map((t) => perType[t]!);
  const avg = (pick: (r: EntityTypeScores) => number) => (rows.length === 0 ? 0 : rows.reduce((a, r) => a + pick(r), 0) / rows.length);
  const wavg = (pick: (r: EntityTypeScores) => number) => (support === 0 ? 0 : rows.reduce((a, r) => a + pick(r) * r.support, 0) / support);
  return {
    overall: scoresFromCounts(correct, predicted, support),
    types,
    perType,
    macro: { precision: avg((r) => r.precision), recall: avg((r) => r.recall), f1: avg((r) => r.f1) },
    weighted: { precision: wavg((r) => r.precision), recall: wavg((r) => r.recall), f1: wavg((r) => r.f1) },
    tokenAccuracy: tokens === 0 ? 0 : tokensCorrect / tokens,
  };
}

/**
 * Turn label-id sequences (as a token-classification model sees them) into tag sequences for
 * `entityScores`: positions whose gold id is `ignoreId` (sub-word pieces after the first, special tokens,
 * padding; -100 in the Hugging Face convention) are dropped from both gold and prediction.
 * @param goldIds per sentence, gold label ids, length T_s
 * @param predIds per sentence, predicted label ids (e.g. argmax of logits), length T_s
 * @param labelNames id -> tag, e.g. ['O', 'B-PER', 'I-PER', ...]
 */
export function idsToTags(
  goldIds: readonly ArrayLike<number>[],
  predIds: readonly ArrayLike<number>[],
  labelNames: readonly string[],
  ignoreId = -100,
): { goldTags: string[][]; predTags: string[][] } {
  if (goldIds.length !== predIds.length) {
    throw new Error(`idsToTags: expected as many predicted sentences as gold ones, got ${predIds.length} and ${goldIds.length}`);
  }
  const name = (id: number, s: number, i: number, side: string): string => {
    const tag = labelNames[id];
    if (tag === undefined) throw new Error(`idsToTags: ${side} id ${id} at sentence ${s}, position ${i} has no name (labelNames has ${labelNames.length})`);
    return tag;
  };
  const goldTags: string[][] = [];
  const predTags: string[][] = [];
  goldIds.forEach((gold, s) => {
    const pred = predIds[s]!;
    if (gold.length !== pred.length) {
      throw new Error(`idsToTags: sentence ${s} has ${gold.length} gold ids but ${pred.length} predicted ids`);
    }
    const g: string[] = [];
    const p: string[] = [];
    for (let i = 0; i < gold.length; i++) {
      if (gold[i] === ignoreId) continue;
      g.push(name(gold[i]!, s, i, 'gold'));
      p.push(name(pred[i]!, s, i, 'predicted'));
    }
    goldTags.push(g);
    predTags.push(p);
  });
  return { goldTags, predTags };
}
