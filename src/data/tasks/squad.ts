/**
 * Extractive question answering data in the SQuAD v1.1 / v2.0 JSON layout:
 *
 *   { "version": "v2.0",
 *     "data": [ { "title": "...",
 *                 "paragraphs": [ { "context": "...",
 *                                   "qas": [ { "id": "...", "question": "...",
 *                                              "answers": [ { "text": "...", "answer_start": 42 } ],
 *                                              "is_impossible": false } ] } ] } ] }
 *
 * `is_impossible` (v2.0 only) marks a question the context cannot answer; its answers are ignored (v2.0 keeps
 * the tempting wrong span under `plausible_answers`, which is not read). `answers` may be absent for
 * unlabelled prediction input.
 *
 * `answer_start` counts characters as Python does (code points). JavaScript strings count UTF-16 units, so
 * each answer also gets `start`, its UTF-16 index into the context, and every answer is checked: the context
 * must read `text` at that place (an error otherwise, unless `checkAnswers: false`).
 *
 * Errors name the file, the JSON path (data[i].paragraphs[j].qas[k]) and the question id; the line is added
 * when it can be found (the line of the `"id": ...` entry, or of a JSON syntax error).
 */
import { TaskDataError, quoteForMessage } from './errors.ts';
import { jsonErrorPosition } from './json-error.ts';
import { lineOfPosition, readTaskFile, requireNonEmpty } from './text-file.ts';

export interface SquadAnswer {
  text: string;
  /** As in the file: code points from the start of the context. */
  answerStart: number;
  /** UTF-16 index into the context (`context.slice(start, start + text.length)`). */
  start: number;
}

/** One question. */
export interface SquadExample {
  id: string;
  title: string;
  context: string;
  question: string;
  /** Gold answers; empty for an impossible (or unlabelled) question. */
  answers: SquadAnswer[];
  isImpossible: boolean;
  /** JSON path of the question in the file, for messages: `data[0].paragraphs[3].qas[1]`. */
  path: string;
}

export interface SquadDataset {
  file: string;
  /** The file's `version` field, if any ("1.1", "v2.0"). */
  version: string | null;
  /** True when the file is v2.0 (its version says so, or some question has `is_impossible`). */
  version2: boolean;
  examples: SquadExample[];
}

export interface SquadReadOptions {
  /** Check that each answer's text is found at answer_start in the context. Default true. */
  checkAnswers?: boolean;
}

/** UTF-16 index of code point `cp` in `s` (-1 when `s` has fewer code points). */
function codePointToUtf16(s: string, cp: number): number {
  let i = 0;
  for (let k = 0; k < cp; k++) {
    if (i >= s.length) return -1;
    const c = s.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < s.length ? 2 : 1;
  }
  return i <= s.length ? i : -1;
}

/**
 * Parse a SQuAD JSON document.
 * @throws TaskDataError for invalid JSON (with its line), a missing or mistyped field, a duplicate id, or an
 *   answer that the context does not contain at its answer_start
 */
export function parseSquad(text: string, file = '<string>', options: SquadReadOptions = {}): SquadDataset {
  requireNonEmpty(text, file, 'SQuAD JSON {"data": [...]}');
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (err) {
    const pos = jsonErrorPosition(text);
    throw new TaskDataError(`invalid JSON: ${(err as Error).message}`, file, pos >= 0 ? lineOfPosition(text, pos) : undefined);
  }
  const fail = (path: string, message: string, id?: string): never => {
    let line: number | undefined;
    if (id !== undefined) {
      const m = new RegExp(`"id"\\s*:\\s*${JSON.stringify(id).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`).exec(text);
      if (m) line = lineOfPosition(text, m.index);
    }
    throw new TaskDataError(`${path}${id === undefined ? '' : ` (id ${JSON.stringify(id)})`}: ${message}`, file, line);
  };
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const typeName = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v);

  if (!isObject(root) || !Array.isArray(root.data)) {
    return fail(
      'top level',
      `expected an object with a "data" array, found ${isObject(root) ? `keys ${Object.keys(root).join(', ') || '(none)'}` : typeName(root)}`,
    );
  }
  const version = typeof root.version === 'string' ? root.version : null;
  const checkAnswers = options.checkAnswers ?? true;
  const examples: SquadExample[] = [];
  const seen = new Set<string>();
  let anyImpossible = false;

  root.data.forEach((article: unknown, i: number) => {
    const ap = `data[${i}]`;
    if (!isObject(article) || !Array.isArray(article.paragraphs)) fail(ap, `expected an object with a "paragraphs" array`);
    const a = article as Record<string, unknown>;
    const title = typeof a.title === 'string' ? a.title : '';
    (a.paragraphs as unknown[]).forEach((paragraph, j) => {
      const pp = `${ap}.paragraphs[${j}]`;
      if (!isObject(paragraph)) return fail(pp, `expected an object, found ${typeName(paragraph)}`);
      if (typeof paragraph.context !== 'string') return fail(pp, `expected a "context" string, found ${typeName(paragraph.context)}`);
      if (!Array.isArray(paragraph.qas)) return fail(pp, `expected a "qas" array, found ${typeName(paragraph.qas)}`);
      const context = paragraph.context;
      paragraph.qas.forEach((qa: unknown, k: number) => {
        const qp = `${pp}.qas[${k}]`;
        if (!isObject(qa)) return fail(qp, `expected an object, found ${typeName(qa)}`);
        if (typeof qa.id !== 'string' || qa.id === '') return fail(qp, `expected a non-empty "id" string, found ${JSON.stringify(qa.id) ?? 'nothing'}`);
        const id = qa.id;
        if (seen.has(id)) return fail(qp, `duplicate id: another question already has it`, id);
        seen.add(id);
        if (typeof qa.question !== 'string') return fail(qp, `expected a "question" string, found ${typeName(qa.question)}`, id);
        if (qa.is_impossible !== undefined && typeof qa.is_impossible !== 'boolean') {
          return fail(qp, `expected "is_impossible" to be true or false, found ${JSON.stringify(qa.is_impossible)}`, id);
        }
        const isImpossible = qa.is_impossible === true;
        anyImpossible ||= isImpossible;
        const answers: SquadAnswer[] = [];
        if (qa.answers !== undefined && !Array.isArray(qa.answers)) return fail(qp, `expected an "answers" array, found ${typeName(qa.answers)}`, id);
        if (!isImpossible) {
          ((qa.answers as unknown[] | undefined) ?? []).forEach((ans, n) => {
            const np = `${qp}.answers[${n}]`;
            if (!isObject(ans) || typeof ans.text !== 'string' || !Number.isInteger(ans.answer_start) || (ans.answer_start as number) < 0) {
              return fail(
                np,
                `expected {"text": string, "answer_start": non-negative integer}, found ${quoteForMessage(JSON.stringify(ans) ?? String(ans), 80)}`,
                id,
              );
            }
            const answerStart = ans.answer_start as number;
            const start = codePointToUtf16(context, answerStart);
            if (start < 0 || start + ans.text.length > context.length) {
              return fail(np, `answer_start ${answerStart} with text ${quoteForMessage(ans.text)} reaches past the end of the context`, id);
            }
            const found = context.slice(start, start + ans.text.length);
            if (checkAnswers && found !== ans.text) {
              return fail(
                np,
                `the context does not read the answer text ${quoteForMessage(ans.text)} at answer_start ${answerStart}; it reads ${quoteForMessage(found)}`,
                id,
              );
            }
            answers.push({ text: ans.text, answerStart, start });
          });
        }
        examples.push({ id, title, context, question: qa.question, answers, isImpossible, path: qp });
      });
    });
  });
  if (examples.length === 0) fail('data', 'expected at least one question, found none');
  return { file, version, version2: anyImpossible || (version !== null && /^v?2/.test(version)), examples };
}

/** Read a SQuAD JSON file (see `parseSquad`). */
export function readSquadFile(file: string, options: SquadReadOptions = {}): SquadDataset {
  return parseSquad(readTaskFile(file), file, options);
}

/**
 * The arrays `squadScores` / `squadV2Scores` take, in example order.
 * @param predictions id -> predicted text ("" = no answer), e.g. `postprocessQaPredictions(...).predictions`
 * @returns predictions [Q] and gold answer texts [Q][...] ([] for an impossible question)
 */
export function squadMetricInputs(
  examples: readonly SquadExample[],
  predictions: Readonly<Record<string, string>>,
): { predictions: string[]; answers: string[][] } {
  return {
    predictions: examples.map((e) => {
      const p = predictions[e.id];
      if (p === undefined) throw new Error(`squadMetricInputs: no prediction for question id ${JSON.stringify(e.id)} (${e.path})`);
      return p;
    }),
    answers: examples.map((e) => e.answers.map((a) => a.text)),
  };
}
