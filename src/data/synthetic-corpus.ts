/**
 * A small corpus the project writes itself, for the demo and for tests: no third-party text is shipped.
 *
 * Each document is a short story about one animal. The animal has fixed facts (where it lives, what it
 * eats, its colour, its size, what it does, when it is active), and every sentence of the story states or
 * reuses those facts. That gives pretraining something real to learn:
 *  - masked LM: "the fox eats [MASK]" is guessable from the animal, and more so from an earlier sentence
 *    of the same story;
 *  - next-sentence prediction: a true continuation talks about the same animal and facts, a random
 *    sentence from another story usually does not.
 * The output follows the google-research/bert corpus format: one sentence per line, a blank line between
 * documents.
 */
import { Rng } from '../tensor/random.ts';

interface Animal {
  name: string;
  home: string;
  food: string;
  color: string;
  size: string;
  sound: string;
  habit: string;
  time: string;
}

const ANIMALS: Animal[] = [
  { name: 'fox', home: 'forest', food: 'mice', color: 'red', size: 'small', sound: 'barks', habit: 'hunts', time: 'night' },
  { name: 'cat', home: 'house', food: 'fish', color: 'black', size: 'small', sound: 'purrs', habit: 'sleeps', time: 'day' },
  { name: 'dog', home: 'farm', food: 'meat', color: 'brown', size: 'medium', sound: 'barks', habit: 'runs', time: 'day' },
  { name: 'cow', home: 'field', food: 'grass', color: 'white', size: 'large', sound: 'moos', habit: 'grazes', time: 'day' },
  { name: 'owl', home: 'tree', food: 'mice', color: 'grey', size: 'small', sound: 'hoots', habit: 'watches', time: 'night' },
  { name: 'bear', home: 'mountain', food: 'honey', color: 'brown', size: 'large', sound: 'growls', habit: 'sleeps', time: 'winter' },
  { name: 'duck', home: 'pond', food: 'bread', color: 'yellow', size: 'small', sound: 'quacks', habit: 'swims', time: 'morning' },
  { name: 'horse', home: 'stable', food: 'oats', color: 'white', size: 'large', sound: 'neighs', habit: 'runs', time: 'day' },
  { name: 'frog', home: 'pond', food: 'flies', color: 'green', size: 'small', sound: 'croaks', habit: 'jumps', time: 'evening' },
  { name: 'wolf', home: 'forest', food: 'meat', color: 'grey', size: 'medium', sound: 'howls', habit: 'hunts', time: 'night' },
  { name: 'goat', home: 'mountain', food: 'grass', color: 'white', size: 'medium', sound: 'bleats', habit: 'climbs', time: 'day' },
  { name: 'bee', home: 'hive', food: 'nectar', color: 'yellow', size: 'tiny', sound: 'buzzes', habit: 'works', time: 'summer' },
  { name: 'mouse', home: 'barn', food: 'cheese', color: 'grey', size: 'tiny', sound: 'squeaks', habit: 'hides', time: 'night' },
  { name: 'lion', home: 'savanna', food: 'meat', color: 'golden', size: 'large', sound: 'roars', habit: 'rests', time: 'day' },
  { name: 'seal', home: 'sea', food: 'fish', color: 'grey', size: 'large', sound: 'barks', habit: 'swims', time: 'morning' },
  { name: 'rabbit', home: 'meadow', food: 'carrots', color: 'white', size: 'small', sound: 'thumps', habit: 'digs', time: 'evening' },
];

/** Sentence templates; {x} is filled from the animal's facts. */
const OPENINGS = ['this is a story about a {color} {name} .', 'once there was a {size} {name} .', 'a {color} {name} lived in the {home} .'];
const FACTS = [
  'the {name} lives in the {home} .',
  'the {name} likes to eat {food} .',
  'every day the {name} looks for {food} .',
  'the {name} is {color} and {size} .',
  'you can hear the {name} when it {sound} .',
  'the {name} {habit} in the {home} .',
  'the {name} is most awake at {time} .',
  'when it is hungry the {name} eats {food} .',
  'at {time} the {size} {name} {sound} .',
];
const ENDINGS = [
  'after that the {name} went back to the {home} .',
  'the {name} was happy with its {food} .',
  'and so the {color} {name} stayed in the {home} .',
];

function fill(template: string, a: Animal): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => (a as unknown as Record<string, string>)[key]);
}

export interface SyntheticCorpusOptions {
  /** Number of documents (stories). Default 2000. */
  documents?: number;
  /** Sentences per story, inclusive range. Default [3, 6]. */
  sentences?: [number, number];
  seed?: number;
}

/**
 * Generate the corpus as an array of documents, each an array of sentences.
 * Deterministic for a given seed.
 */
export function generateSyntheticDocuments(opts: SyntheticCorpusOptions = {}): string[][] {
  const rng = new Rng(opts.seed ?? 1234);
  const count = opts.documents ?? 2000;
  const [lo, hi] = opts.sentences ?? [3, 6];
  const docs: string[][] = [];
  for (let d = 0; d < count; d++) {
    const animal = rng.choice(ANIMALS);
    const n = rng.randint(lo, hi);
    const sentences = [fill(rng.choice(OPENINGS), animal)];
    while (sentences.length < n - 1) sentences.push(fill(rng.choice(FACTS), animal));
    sentences.push(fill(rng.choice(ENDINGS), animal));
    docs.push(sentences);
  }
  return docs;
}

/** The corpus as text in the google-research/bert format (sentence per line, blank line between documents). */
export function generateSyntheticCorpus(opts: SyntheticCorpusOptions = {}): string {
  return (
    generateSyntheticDocuments(opts)
      .map((doc) => doc.join('\n'))
      .join('\n\n') + '\n'
  );
}
