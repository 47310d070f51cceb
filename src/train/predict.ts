/**
 * Predictions of a fine-tuned model for every example of a file, one JSON object per example (what
 * `bert predict` writes as JSON Lines). The file needs no gold labels: a table's label column is ignored,
 * multiple choice accepts lines without "label", SQuAD questions without answers, and token classification
 * also reads plain text, one sentence per line, from a `.txt` file.
 *
 *   classification        {"line": 2, "text": "...", "label": "positive", "probabilities": {"negative": 0.02, ...}}
 *   regression            {"line": 2, "text": "...", "text_pair": "...", "score": 3.81}
 *   token classification  {"line": 1, "words": ["anna", "saw", ...], "tags": ["B-PER", "O", ...]}
 *   question answering    {"id": "q7", "question": "...", "answer": "fish", "score": 9.12, "probability": 0.97}
 *   multiple choice       {"line": 3, "label": 1, "choice": "fish", "probabilities": [0.01, 0.97, ...]}
 *
 * QA: `score` is start_logit + end_logit of the chosen span, `probability` its softmax share of the n-best
 * list; for SQuAD v2.0 files an answer of "" means "no answer" and `null_score_diff` is given.
 */
import { wordTagsFromPredictions, type TokenClassificationFeature } from '../data/tasks/conll.ts';
import { decodeQa, loadTaskData, runTaskModel, softmaxOf, tokenPredictions, argmaxOf } from './finetune-tasks.ts';
import type { TaskModel } from './evaluate-task.ts';

/** One prediction row (see the file comment for the fields of each task). */
export type PredictionRow = Record<string, unknown>;

/** Round to `digits` significant digits for compact JSON. */
function round(x: number, digits = 6): number {
  return Number.isFinite(x) ? Number(x.toPrecision(digits)) : x;
}

/**
 * Predict every example of `file`.
 * @returns one row per example, in file order
 */
export function predictTaskModel(tm: TaskModel, file: string, opts: { batchSize?: number } = {}): PredictionRow[] {
  const data = loadTaskData(tm.settings, file, tm.tokenizer, tm.labels, { unlabelled: true });
  const outputs = runTaskModel(tm.model, data, { batchSize: opts.batchSize ?? 64, padId: tm.tokenizer.ids.pad });
  switch (tm.settings.task) {
    case 'classification':
      return data.table!.examples.map((e, i) => {
        const p = softmaxOf(outputs.logits![i]);
        return {
          line: e.line,
          text: e.text,
          ...(e.textPair !== null ? { text_pair: e.textPair } : {}),
          label: tm.labels!.name(argmaxOf(p)),
          probabilities: Object.fromEntries(p.map((v, k) => [tm.labels!.name(k), round(v)])),
        };
      });
    case 'regression':
      return data.table!.examples.map((e, i) => ({
        line: e.line,
        text: e.text,
        ...(e.textPair !== null ? { text_pair: e.textPair } : {}),
        score: round(outputs.logits![i][0]),
      }));
    case 'token-classification':
      return data.sentences!.map((s, i) => {
        const f = data.features[i] as TokenClassificationFeature;
        const tags = wordTagsFromPredictions(f, tokenPredictions(outputs.logits![i], tm.labels!.size), tm.labels!);
        return { line: s.line, words: s.words, tags, ...(f.truncatedWords ? { truncated_words: f.truncatedWords } : {}) };
      });
    case 'question-answering': {
      const decoded = decodeQa(data, outputs);
      return data.squad!.examples.map((e) => {
        const answer = decoded.predictions[e.id];
        const best = decoded.nbest[e.id].find((c) => c.text === answer && (answer !== '' || c.isNull)) ?? decoded.nbest[e.id][0];
        const row: PredictionRow = {
          id: e.id,
          question: e.question,
          answer,
          score: best ? round(best.score) : null,
          probability: best ? round(best.probability) : null,
        };
        if (data.squad!.version2) row.null_score_diff = round(decoded.nullScoreDiff[e.id]);
        return row;
      });
    }
    case 'multiple-choice':
      return data.choices!.map((e, i) => {
        const p = softmaxOf(outputs.logits![i]);
        const k = argmaxOf(p);
        return { line: e.line, ...(e.id !== null ? { id: e.id } : {}), label: k, choice: e.choices[k], probabilities: p.map((v) => round(v)) };
      });
  }
}

/** Rows as JSON Lines text (one object per line, newline-terminated). */
export function toJsonl(rows: readonly PredictionRow[]): string {
  return rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : '');
}
