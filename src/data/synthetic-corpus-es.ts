/**
 * The Spanish twin of synthetic-corpus.ts: short generated stories about animals, written by the project
 * (no third-party text), for `npm run demo -- --lang es` and its tests.
 *
 * The idea is the same as in English: every animal has fixed facts (where it lives, what it eats, its
 * colour and size, the sound it makes, what it does, its best time of day or year) and every sentence of a
 * story states or reuses them, so masked LM can learn "el conejo come [MASK] ." -> zanahorias and
 * next-sentence prediction can tell a story's own next sentence from one about another animal.
 *
 * What Spanish adds is agreement, which the templates must get right:
 *  - articles agree with the noun's gender: el zorro / la vaca, un / una, and the contractions
 *    a + el = al, de + el = del (se oye al zorro, el mejor momento del búho), never before la;
 *  - adjectives agree with the animal: el zorro rojo / la vaca blanca (adjectives in -o take -a in the
 *    feminine; gris, verde, grande and marrón do not change), and so does "contento / contenta";
 *  - the possessive agrees in number with the food: su miel, sus zanahorias.
 * Accents are part of the words (búho, ratón, león, néctar, aúlla, había, volvió): the demo trains a cased
 * (accent-keeping) vocabulary for that reason, see src/train/demo-es.ts.
 *
 * The text is all lower case with punctuation spaced out, like the English corpus, in the
 * google-research/bert format: one sentence per line, a blank line between documents.
 */
import { Rng } from '../tensor/random.ts';
import type { SyntheticCorpusOptions } from './synthetic-corpus.ts';

type Gender = 'm' | 'f';

/** A noun with its gender, for the article in front of it. */
interface Noun {
  word: string;
  gender: Gender;
}

/** One animal's facts. Adjectives are given in the masculine; `agree` makes the feminine. */
export interface SpanishAnimal {
  name: string;
  gender: Gender;
  /** Where it lives (with its own gender: el bosque, la casa). */
  home: Noun;
  /** What it eats: a bare noun, as after "come" (come miel, come ratones). */
  food: string;
  color: string;
  size: string;
  /** The sound it makes, a verb in the third person (ladra, muge). */
  sound: string;
  /** What it does at home: a verb and the preposition that joins it to the place (trepa por la montaña). */
  habit: { verb: string; prep: 'en' | 'por' | 'desde' | 'a' };
  /** Its best time (la noche, el verano). */
  time: Noun;
}

export const SPANISH_ANIMALS: SpanishAnimal[] = [
  {
    name: 'zorro',
    gender: 'm',
    home: { word: 'bosque', gender: 'm' },
    food: 'ratones',
    color: 'rojo',
    size: 'pequeño',
    sound: 'ladra',
    habit: { verb: 'caza', prep: 'en' },
    time: { word: 'noche', gender: 'f' },
  },
  {
    name: 'gato',
    gender: 'm',
    home: { word: 'casa', gender: 'f' },
    food: 'pescado',
    color: 'negro',
    size: 'pequeño',
    sound: 'maúlla',
    habit: { verb: 'duerme', prep: 'en' },
    time: { word: 'día', gender: 'm' },
  },
  {
    name: 'perro',
    gender: 'm',
    home: { word: 'granja', gender: 'f' },
    food: 'carne',
    color: 'marrón',
    size: 'mediano',
    sound: 'ladra',
    habit: { verb: 'corre', prep: 'por' },
    time: { word: 'día', gender: 'm' },
  },
  {
    name: 'vaca',
    gender: 'f',
    home: { word: 'prado', gender: 'm' },
    food: 'hierba',
    color: 'blanco',
    size: 'grande',
    sound: 'muge',
    habit: { verb: 'pasta', prep: 'en' },
    time: { word: 'día', gender: 'm' },
  },
  {
    name: 'búho',
    gender: 'm',
    home: { word: 'árbol', gender: 'm' },
    food: 'ratones',
    color: 'gris',
    size: 'pequeño',
    sound: 'ulula',
    habit: { verb: 'vigila', prep: 'desde' },
    time: { word: 'noche', gender: 'f' },
  },
  {
    name: 'oso',
    gender: 'm',
    home: { word: 'montaña', gender: 'f' },
    food: 'miel',
    color: 'marrón',
    size: 'grande',
    sound: 'gruñe',
    habit: { verb: 'duerme', prep: 'en' },
    time: { word: 'otoño', gender: 'm' },
  },
  {
    name: 'pato',
    gender: 'm',
    home: { word: 'estanque', gender: 'm' },
    food: 'pan',
    color: 'amarillo',
    size: 'pequeño',
    sound: 'grazna',
    habit: { verb: 'nada', prep: 'en' },
    time: { word: 'mañana', gender: 'f' },
  },
  {
    name: 'caballo',
    gender: 'm',
    home: { word: 'establo', gender: 'm' },
    food: 'avena',
    color: 'blanco',
    size: 'grande',
    sound: 'relincha',
    habit: { verb: 'descansa', prep: 'en' },
    time: { word: 'día', gender: 'm' },
  },
  {
    name: 'rana',
    gender: 'f',
    home: { word: 'estanque', gender: 'm' },
    food: 'moscas',
    color: 'verde',
    size: 'pequeño',
    sound: 'croa',
    habit: { verb: 'salta', prep: 'a' },
    time: { word: 'tarde', gender: 'f' },
  },
  {
    name: 'lobo',
    gender: 'm',
    home: { word: 'bosque', gender: 'm' },
    food: 'carne',
    color: 'gris',
    size: 'mediano',
    sound: 'aúlla',
    habit: { verb: 'caza', prep: 'en' },
    time: { word: 'noche', gender: 'f' },
  },
  {
    name: 'cabra',
    gender: 'f',
    home: { word: 'montaña', gender: 'f' },
    food: 'hierba',
    color: 'blanco',
    size: 'mediano',
    sound: 'bala',
    habit: { verb: 'trepa', prep: 'por' },
    time: { word: 'día', gender: 'm' },
  },
  {
    name: 'abeja',
    gender: 'f',
    home: { word: 'colmena', gender: 'f' },
    food: 'néctar',
    color: 'amarillo',
    size: 'diminuto',
    sound: 'zumba',
    habit: { verb: 'trabaja', prep: 'en' },
    time: { word: 'verano', gender: 'm' },
  },
  {
    name: 'ratón',
    gender: 'm',
    home: { word: 'granero', gender: 'm' },
    food: 'queso',
    color: 'gris',
    size: 'diminuto',
    sound: 'chilla',
    habit: { verb: 'se esconde', prep: 'en' },
    time: { word: 'noche', gender: 'f' },
  },
  {
    name: 'león',
    gender: 'm',
    home: { word: 'sabana', gender: 'f' },
    food: 'carne',
    color: 'dorado',
    size: 'grande',
    sound: 'ruge',
    habit: { verb: 'caza', prep: 'en' },
    time: { word: 'día', gender: 'm' },
  },
  {
    name: 'foca',
    gender: 'f',
    home: { word: 'mar', gender: 'm' },
    food: 'pescado',
    color: 'gris',
    size: 'grande',
    sound: 'gruñe',
    habit: { verb: 'nada', prep: 'en' },
    time: { word: 'mañana', gender: 'f' },
  },
  {
    name: 'conejo',
    gender: 'm',
    home: { word: 'pradera', gender: 'f' },
    food: 'zanahorias',
    color: 'blanco',
    size: 'pequeño',
    sound: 'patalea',
    habit: { verb: 'cava', prep: 'en' },
    time: { word: 'tarde', gender: 'f' },
  },
];

/** The adjective in the animal's gender: -o becomes -a in the feminine (rojo/roja); gris, verde, grande, marrón stay. */
export function agree(adjective: string, gender: Gender): string {
  return gender === 'f' && adjective.endsWith('o') ? adjective.slice(0, -1) + 'a' : adjective;
}

/** "el bosque" / "la casa". */
function withArticle(n: Noun): string {
  return `${n.gender === 'm' ? 'el' : 'la'} ${n.word}`;
}

/** A preposition and a noun with its article, contracting a + el = al and de + el = del. */
export function prepositionPhrase(prep: string, n: Noun): string {
  if (n.gender === 'm' && (prep === 'a' || prep === 'de')) return `${prep === 'a' ? 'al' : 'del'} ${n.word}`;
  return `${prep} ${withArticle(n)}`;
}

/** When the animal is about: "de noche", "de día", "por la mañana", "por la tarde", "en otoño", "en verano". */
function timeAdverbial(t: Noun): string {
  if (t.word === 'noche' || t.word === 'día') return `de ${t.word}`;
  if (t.gender === 'f') return `por la ${t.word}`;
  return `en ${t.word}`;
}

/** Every value a template can use, worked out for one animal. */
export function spanishSlots(a: SpanishAnimal): Record<string, string> {
  const self: Noun = { word: a.name, gender: a.gender };
  return {
    el: a.gender === 'm' ? 'el' : 'la',
    un: a.gender === 'm' ? 'un' : 'una',
    name: a.name,
    al: prepositionPhrase('a', self),
    del: prepositionPhrase('de', self),
    color: agree(a.color, a.gender),
    size: agree(a.size, a.gender),
    contento: agree('contento', a.gender),
    home: withArticle(a.home),
    a_home: prepositionPhrase('a', a.home),
    habit_home: `${a.habit.verb} ${prepositionPhrase(a.habit.prep, a.home)}`,
    food: a.food,
    su_food: `${a.food.endsWith('s') ? 'sus' : 'su'} ${a.food}`,
    sound: a.sound,
    time: withArticle(a.time),
    when: timeAdverbial(a.time),
  };
}

/** Sentence templates; {x} is filled from spanishSlots(animal). */
export const SPANISH_OPENINGS = ['esta es la historia de {un} {name} {color} .', 'había una vez {un} {name} {size} .', '{un} {name} {color} vivía en {home} .'];
export const SPANISH_FACTS = [
  '{el} {name} vive en {home} .',
  '{el} {name} come {food} .',
  'todos los días {el} {name} busca {food} .',
  '{el} {name} es {color} y {size} .',
  'se oye {al} cuando {sound} .',
  '{el} {name} {habit_home} .',
  'el mejor momento {del} es {time} .',
  'cuando tiene hambre , {el} {name} come {food} .',
  '{when} {el} {name} {size} {sound} .',
];
export const SPANISH_ENDINGS = [
  'después {el} {name} volvió {a_home} .',
  '{el} {name} quedó {contento} con {su_food} .',
  'y así {el} {name} {color} se quedó en {home} .',
];

/** A template filled in for one animal. */
export function fillSpanish(template: string, a: SpanishAnimal): string {
  const slots = spanishSlots(a);
  return template.replace(/\{(\w+)\}/g, (_, key: string) => {
    const value = slots[key];
    if (value === undefined)
      throw new Error(`synthetic-corpus-es: the template "${template}" uses {${key}}, which is not one of ${Object.keys(slots).join(', ')}`);
    return value;
  });
}

/** The Spanish stories as documents of sentences; deterministic for a seed (options as in English). */
export function generateSpanishDocuments(opts: SyntheticCorpusOptions = {}): string[][] {
  const rng = new Rng(opts.seed ?? 1234);
  const count = opts.documents ?? 2000;
  const [lo, hi] = opts.sentences ?? [3, 6];
  const docs: string[][] = [];
  for (let d = 0; d < count; d++) {
    const animal = rng.choice(SPANISH_ANIMALS);
    const n = rng.randint(lo, hi);
    const sentences = [fillSpanish(rng.choice(SPANISH_OPENINGS), animal)];
    while (sentences.length < n - 1) sentences.push(fillSpanish(rng.choice(SPANISH_FACTS), animal));
    sentences.push(fillSpanish(rng.choice(SPANISH_ENDINGS), animal));
    docs.push(sentences);
  }
  return docs;
}

/** The Spanish corpus as text in the google-research/bert format. */
export function generateSpanishCorpus(opts: SyntheticCorpusOptions = {}): string {
  return (
    generateSpanishDocuments(opts)
      .map((doc) => doc.join('\n'))
      .join('\n\n') + '\n'
  );
}
