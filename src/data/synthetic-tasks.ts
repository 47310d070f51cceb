/**
 * Small fine-tuning datasets the project writes itself (no third-party text), one per task, for the examples
 * and the tests. Every dataset is generated from templates and a closed word list, deterministically from a
 * seed, in the file format its reader expects:
 *
 *   sentiment    (classification)         TSV  sentence<TAB>label          positive / negative / neutral
 *   similarity   (regression)             TSV  sentence1<TAB>sentence2<TAB>score   0..5, as STS-B
 *   entities     (token classification)   CoNLL  word<TAB>tag, BIO tags PER / LOC / ANIMAL
 *   facts        (question answering)     SQuAD JSON (v1.1 layout; v2.0 with unanswerable questions)
 *   choices      (multiple choice)        JSON Lines {context, question, choices, label}
 *
 * The tasks are learnable but not all trivially so:
 *   - sentiment: the adjective decides, and "not" flips it (`negation` of the rows), so the model must look
 *     at more than one word;
 *   - similarity: the score is the number of facts (animal, food, place) two sentences share, written in two
 *     different word orders;
 *   - entities: names may have a surname (B-PER I-PER), places one or two words (B-LOC I-LOC);
 *   - facts / choices: every context gives animals RANDOM foods and homes, so the answer can only be read
 *     from the context, never memorised from the training set (facts: the sentences come in random order).
 *
 * `syntheticTaskVocab()` lists every word the generators use (plus BERT's special tokens), so a tokenizer
 * built on it never produces [UNK] and a model can be fine-tuned from scratch without training WordPiece.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../tensor/random.ts';

const ANIMALS = ['fox', 'cat', 'dog', 'cow', 'owl', 'bear', 'duck', 'horse', 'frog', 'wolf', 'goat', 'bee', 'mouse', 'lion', 'seal', 'rabbit'];
const FOODS = ['mice', 'fish', 'meat', 'grass', 'honey', 'bread', 'oats', 'flies', 'nectar', 'cheese', 'carrots', 'apples', 'seeds', 'berries'];
const HOMES = ['forest', 'house', 'farm', 'field', 'tree', 'mountain', 'pond', 'stable', 'hive', 'barn', 'savanna', 'sea', 'meadow', 'cave'];
const FIRST_NAMES = ['anna', 'ben', 'clara', 'david', 'emma', 'felix', 'grace', 'henry', 'iris', 'jack', 'lena', 'max', 'nora', 'oscar'];
const SURNAMES = ['smith', 'miller', 'baker', 'stone', 'fisher', 'wood', 'hill', 'brook'];
const PLACES = ['paris', 'lisbon', 'oslo', 'cairo', 'lima', 'quito', 'dublin', 'vienna'];
const PLACE_PAIRS = [
  ['red', 'river'],
  ['old', 'mill'],
  ['green', 'valley'],
  ['stone', 'bridge'],
  ['north', 'lake'],
  ['new', 'port'],
];

const THINGS = ['movie', 'meal', 'trip', 'book', 'song', 'day', 'show', 'game', 'party', 'concert'];
const POSITIVE = ['good', 'great', 'lovely', 'wonderful', 'nice', 'excellent', 'fun', 'amazing'];
const NEGATIVE = ['bad', 'awful', 'terrible', 'boring', 'poor', 'sad', 'dull', 'horrible'];
const NEUTRAL = ['long', 'short', 'early', 'late', 'normal', 'usual'];
const INTENSIFIERS = ['really', 'very', 'quite', 'so'];
const OPENERS = ['i think', 'we felt', 'everyone said', 'to be honest'];

const FUNCTION_WORDS = [
  'the',
  'a',
  'was',
  'is',
  'not',
  'and',
  'with',
  'in',
  'near',
  'to',
  'of',
  'at',
  'that',
  'it',
  'its',
  'i',
  'we',
  'felt',
  'think',
  'everyone',
  'said',
  'be',
  'honest',
  'saw',
  'lives',
  'live',
  'walked',
  'fed',
  'yesterday',
  'met',
  'visited',
  'eats',
  'eat',
  'what',
  'where',
  'does',
  'who',
  'likes',
  'from',
  'came',
  'home',
  'food',
  'friend',
  'has',
  'old',
];
const PUNCTUATION = ['.', ',', '?', '!'];
/** A few word-final pieces, so that new words can split ("maxie" -> max ##ie) instead of becoming [UNK]. */
const SUFFIXES = ['##s', '##es', '##ed', '##ing', '##er', '##y', '##ie', '##a', '##o', '##n'];

/** Options shared by every generator. */
export interface SyntheticTaskOptions {
  /** Number of examples (sentences, pairs, questions, ...). */
  count: number;
  /** Seed of the generator; the same seed gives the same file. Default 0. */
  seed?: number | string;
}

/** BERT's special tokens, in the order vocab.txt files put them. */
const SPECIAL = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];

/**
 * A vocab.txt text covering every word of every generator: the special tokens, punctuation, the words
 * sorted, and a few suffix pieces (##s, ##ie, ...). About 220 tokens.
 */
export function syntheticTaskVocab(): string {
  const words = new Set<string>([
    ...ANIMALS,
    ...FOODS,
    ...HOMES,
    ...FIRST_NAMES,
    ...SURNAMES,
    ...PLACES,
    ...PLACE_PAIRS.flat(),
    ...THINGS,
    ...POSITIVE,
    ...NEGATIVE,
    ...NEUTRAL,
    ...INTENSIFIERS,
    ...OPENERS.flatMap((o) => o.split(' ')),
    ...FUNCTION_WORDS,
  ]);
  return [...SPECIAL, ...PUNCTUATION, ...[...words].sort(), ...SUFFIXES].join('\n') + '\n';
}

/** A TSV field must not hold a tab or a line break (GLUE's TSV has no quoting). */
function tsvRow(fields: (string | number)[]): string {
  return fields.map(String).join('\t');
}

/**
 * Sentiment, 3 classes (TSV with header `sentence label`):
 *   positive  "the movie was really great ."       negative  "i think the meal was awful ."
 *   neutral   "the trip was long ."                "not" flips positive <-> negative:  "the song was not good ."
 * @param opts.negation fraction of positive / negative rows that are negated (default 0.3)
 */
export function syntheticSentiment(opts: SyntheticTaskOptions & { negation?: number }): string {
  const rng = new Rng(`sentiment:${opts.seed ?? 0}`);
  const negation = opts.negation ?? 0.3;
  const rows = [tsvRow(['sentence', 'label'])];
  for (let i = 0; i < opts.count; i++) {
    const r = rng.next();
    const polarity = r < 0.4 ? 'positive' : r < 0.8 ? 'negative' : 'neutral';
    const adjective = rng.choice(polarity === 'positive' ? POSITIVE : polarity === 'negative' ? NEGATIVE : NEUTRAL);
    const negated = polarity !== 'neutral' && rng.next() < negation;
    const label = negated ? (polarity === 'positive' ? 'negative' : 'positive') : polarity;
    const words = ['the', rng.choice(THINGS), 'was'];
    if (negated) words.push('not');
    if (rng.next() < 0.3) words.push(rng.choice(INTENSIFIERS));
    words.push(adjective, '.');
    if (rng.next() < 0.3) words.unshift(...rng.choice(OPENERS).split(' '));
    rows.push(tsvRow([words.join(' '), label]));
  }
  return rows.join('\n') + '\n';
}

/**
 * Sentence similarity, a regression target in [0, 5] (TSV with header `sentence1 sentence2 score`):
 *   sentence1 "the fox eats mice in the forest ."   sentence2 "in the forest the fox eats honey ."   score 3.33
 * The score is 5 x (facts shared) / 3, the facts being the animal, the food and the place.
 */
export function syntheticSimilarity(opts: SyntheticTaskOptions): string {
  const rng = new Rng(`similarity:${opts.seed ?? 0}`);
  const rows = [tsvRow(['sentence1', 'sentence2', 'score'])];
  const other = (xs: string[], x: string) => {
    let y = x;
    while (y === x) y = rng.choice(xs);
    return y;
  };
  for (let i = 0; i < opts.count; i++) {
    const a = [rng.choice(ANIMALS), rng.choice(FOODS), rng.choice(HOMES)];
    const b = [...a];
    let shared = 3;
    const lists = [ANIMALS, FOODS, HOMES];
    for (let k = 0; k < 3; k++) {
      if (rng.next() < 0.5) {
        b[k] = other(lists[k], a[k]);
        shared--;
      }
    }
    const s1 = `the ${a[0]} eats ${a[1]} in the ${a[2]} .`;
    const s2 = rng.next() < 0.5 ? `in the ${b[2]} the ${b[0]} eats ${b[1]} .` : `the ${b[0]} eats ${b[1]} in the ${b[2]} .`;
    rows.push(tsvRow([s1, s2, ((5 * shared) / 3).toFixed(2)]));
  }
  return rows.join('\n') + '\n';
}

/** One tagged sentence as parallel arrays. */
interface Tagged {
  words: string[];
  tags: string[];
}

function entity(out: Tagged, words: string[], type: string): void {
  words.forEach((w, i) => {
    out.words.push(w);
    out.tags.push(`${i === 0 ? 'B' : 'I'}-${type}`);
  });
}

function plain(out: Tagged, text: string): void {
  for (const w of text.split(' ')) {
    out.words.push(w);
    out.tags.push('O');
  }
}

/**
 * Named entities in CoNLL format (word<TAB>tag, blank line between sentences), BIO tags for PER (a first
 * name, sometimes with a surname), LOC (a city, or a two-word place such as "red river") and ANIMAL:
 *   "anna smith saw a fox near the red river ."  ->  B-PER I-PER O O B-ANIMAL O O B-LOC I-LOC O
 */
export function syntheticEntities(opts: SyntheticTaskOptions): string {
  const rng = new Rng(`entities:${opts.seed ?? 0}`);
  const person = (): string[] => (rng.next() < 0.4 ? [rng.choice(FIRST_NAMES), rng.choice(SURNAMES)] : [rng.choice(FIRST_NAMES)]);
  const place = (): string[] => (rng.next() < 0.5 ? [...rng.choice(PLACE_PAIRS)] : [rng.choice(PLACES)]);
  const templates: ((t: Tagged) => void)[] = [
    (t) => (entity(t, person(), 'PER'), plain(t, 'saw a'), entity(t, [rng.choice(ANIMALS)], 'ANIMAL'), plain(t, 'near the'), entity(t, place(), 'LOC')),
    (t) => (
      plain(t, 'the'), entity(t, [rng.choice(ANIMALS)], 'ANIMAL'), plain(t, 'lives in'), entity(t, place(), 'LOC'), plain(t, 'with'), entity(t, person(), 'PER')
    ),
    (t) => (entity(t, person(), 'PER'), plain(t, 'and'), entity(t, person(), 'PER'), plain(t, 'walked to'), entity(t, place(), 'LOC')),
    (t) => (plain(t, 'yesterday'), entity(t, person(), 'PER'), plain(t, 'fed the'), entity(t, [rng.choice(ANIMALS)], 'ANIMAL')),
    (t) => (entity(t, person(), 'PER'), plain(t, 'came home from'), entity(t, place(), 'LOC')),
    (t) => (entity(t, person(), 'PER'), plain(t, 'met'), entity(t, person(), 'PER'), plain(t, 'at the'), entity(t, place(), 'LOC')),
  ];
  const blocks: string[] = [];
  for (let i = 0; i < opts.count; i++) {
    const t: Tagged = { words: [], tags: [] };
    rng.choice(templates)(t);
    plain(t, '.');
    blocks.push(t.words.map((w, k) => `${w}\t${t.tags[k]}`).join('\n'));
  }
  return blocks.join('\n\n') + '\n';
}

/**
 * Reading comprehension in the SQuAD JSON layout. Each context states, for each of its animals, what it eats
 * and where it lives, one fact per sentence, the sentences in random order, with foods and homes drawn at
 * random for every context:
 *   context   "the cow lives in the pond . the fox eats honey . the cow eats fish . the fox lives in the cave ."
 *   question  "what does the cow eat ?"  answer "fish"        "where does the fox live ?"  answer "cave"
 * With one animal per context the model has to find the fact the question asks for; with several it must
 * also find the sentence about the right animal, which takes a small model from scratch much longer.
 * @param opts.animals animals per context, inclusive range (default [2, 3])
 * @param opts.unanswerable fraction of questions about an animal the context does not mention, marked
 *   is_impossible (SQuAD v2.0); default 0 (a v1.1 file)
 * @returns the JSON text
 */
export function syntheticQa(opts: SyntheticTaskOptions & { unanswerable?: number; animals?: [number, number] }): string {
  const rng = new Rng(`qa:${opts.seed ?? 0}`);
  const unanswerable = opts.unanswerable ?? 0;
  const [lo, hi] = opts.animals ?? [2, 3];
  if (!(Number.isInteger(lo) && Number.isInteger(hi) && lo >= 1 && hi >= lo && hi < ANIMALS.length)) {
    throw new Error(`syntheticQa: animals must be an integer range [min, max] with 1 <= min <= max < ${ANIMALS.length}, got [${lo}, ${hi}]`);
  }
  const paragraphs: unknown[] = [];
  for (let i = 0; i < opts.count; i++) {
    const n = rng.randint(lo, hi);
    const animals = rng.shuffle([...ANIMALS]).slice(0, n + 1);
    const absent = animals.pop()!;
    const facts = animals.map((a) => ({ a, home: rng.choice(HOMES), food: rng.choice(FOODS) }));
    // One sentence per fact; `answer` is where the fact's value starts inside its sentence.
    const sentences = rng.shuffle(
      facts.flatMap((f) => [
        { a: f.a, kind: 'food', text: `the ${f.a} eats ${f.food} .`, answer: `the ${f.a} eats `.length },
        { a: f.a, kind: 'home', text: `the ${f.a} lives in the ${f.home} .`, answer: `the ${f.a} lives in the `.length },
      ]),
    );
    let context = '';
    const starts = new Map<string, number>();
    for (const s of sentences) {
      if (context) context += ' ';
      starts.set(`${s.a}:${s.kind}`, context.length + s.answer);
      context += s.text;
    }
    const asksFood = rng.next() < 0.5;
    const impossible = rng.next() < unanswerable;
    const target = impossible ? absent : rng.choice(facts).a;
    const question = asksFood ? `what does the ${target} eat ?` : `where does the ${target} live ?`;
    const qa: Record<string, unknown> = { id: `q${i}`, question };
    if (impossible) {
      qa.answers = [];
      qa.is_impossible = true;
    } else {
      const f = facts.find((x) => x.a === target)!;
      qa.answers = [{ text: asksFood ? f.food : f.home, answer_start: starts.get(`${target}:${asksFood ? 'food' : 'home'}`)! }];
      if (unanswerable > 0) qa.is_impossible = false;
    }
    paragraphs.push({ context, qas: [qa] });
  }
  const doc = { version: unanswerable > 0 ? 'v2.0' : '1.1', data: [{ title: 'animal facts', paragraphs }] };
  return JSON.stringify(doc, null, 1) + '\n';
}

/**
 * Multiple choice in JSON Lines: a context of 2-3 facts, the start of a sentence, and 4 endings (foods), one
 * of which the context states:
 *   {"context": "the fox eats honey . the cow eats fish .", "question": "the cow eats",
 *    "choices": ["oats", "fish", "honey", "mice"], "label": 1}
 */
export function syntheticChoices(opts: SyntheticTaskOptions): string {
  const rng = new Rng(`choices:${opts.seed ?? 0}`);
  const lines: string[] = [];
  for (let i = 0; i < opts.count; i++) {
    const n = rng.randint(2, 3);
    const animals = rng.shuffle([...ANIMALS]).slice(0, n);
    const foods = rng.shuffle([...FOODS]).slice(0, n + 2);
    const context = animals.map((a, k) => `the ${a} eats ${foods[k]} .`).join(' ');
    const k = rng.int(n);
    // The distractors include the other animals' foods, so the right ending is not just "a food mentioned".
    const choices = rng.shuffle([foods[k], ...foods.filter((_, j) => j !== k)].slice(0, 4));
    lines.push(JSON.stringify({ id: `mc${i}`, context, question: `the ${animals[k]} eats`, choices, label: choices.indexOf(foods[k]) }));
  }
  return lines.join('\n') + '\n';
}

/** The fine-tuning tasks, by the name `bert finetune --task` uses. */
export type SyntheticTaskName = 'classification' | 'regression' | 'token-classification' | 'question-answering' | 'multiple-choice';

/** File extension of each task's data. */
const EXTENSIONS: Record<SyntheticTaskName, string> = {
  classification: 'tsv',
  regression: 'tsv',
  'token-classification': 'conll',
  'question-answering': 'json',
  'multiple-choice': 'jsonl',
};

/** One split of a task's synthetic data as text. */
export function syntheticTaskText(
  task: SyntheticTaskName,
  opts: SyntheticTaskOptions & { unanswerable?: number; negation?: number; animals?: [number, number] },
): string {
  switch (task) {
    case 'classification':
      return syntheticSentiment(opts);
    case 'regression':
      return syntheticSimilarity(opts);
    case 'token-classification':
      return syntheticEntities(opts);
    case 'question-answering':
      return syntheticQa(opts);
    case 'multiple-choice':
      return syntheticChoices(opts);
    default:
      throw new Error(
        `syntheticTaskText: unknown task "${task as string}"; expected classification, regression, token-classification, question-answering or multiple-choice`,
      );
  }
}

export interface SyntheticTaskFiles {
  train: string;
  dev: string;
  test: string;
  /** vocab.txt covering every word (syntheticTaskVocab). */
  vocab: string;
}

/**
 * Write train / dev / test files of `task` and a vocab.txt into `dir` (created if needed). Each split uses
 * its own seed, so dev and test are new rows, not copies of training rows.
 * @param sizes rows per split (default 400 / 100 / 100)
 */
export function writeSyntheticTask(
  task: SyntheticTaskName,
  dir: string,
  sizes: { train?: number; dev?: number; test?: number } = {},
  opts: { seed?: number; unanswerable?: number; negation?: number; animals?: [number, number] } = {},
): SyntheticTaskFiles {
  mkdirSync(dir, { recursive: true });
  const ext = EXTENSIONS[task];
  const seed = opts.seed ?? 0;
  const files: SyntheticTaskFiles = {
    train: join(dir, `train.${ext}`),
    dev: join(dir, `dev.${ext}`),
    test: join(dir, `test.${ext}`),
    vocab: join(dir, 'vocab.txt'),
  };
  const extra = { unanswerable: opts.unanswerable, negation: opts.negation, animals: opts.animals };
  writeFileSync(files.train, syntheticTaskText(task, { count: sizes.train ?? 400, seed: `${seed}:train`, ...extra }));
  writeFileSync(files.dev, syntheticTaskText(task, { count: sizes.dev ?? 100, seed: `${seed}:dev`, ...extra }));
  writeFileSync(files.test, syntheticTaskText(task, { count: sizes.test ?? 100, seed: `${seed}:test`, ...extra }));
  writeFileSync(files.vocab, syntheticTaskVocab());
  return files;
}
