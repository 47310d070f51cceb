/**
 * The generated Spanish stories: correct Spanish (agreement, contractions, accents), one fact per animal,
 * and the demo's prompts answered by those facts. Plus a lock on the English corpus, whose demo numbers are
 * quoted in docs/results.md.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateSyntheticCorpus } from '../../src/data/synthetic-corpus.ts';
import {
  SPANISH_ANIMALS,
  SPANISH_ENDINGS,
  SPANISH_FACTS,
  SPANISH_OPENINGS,
  agree,
  fillSpanish,
  generateSpanishCorpus,
  generateSpanishDocuments,
} from '../../src/data/synthetic-corpus-es.ts';
import { BertTokenizer, Vocab, trainWordPiece } from '../../src/tokenizer/index.ts';
import { DEMO_FACTS_ES } from '../../src/train/demo-es.ts';

const TEMPLATES = [...SPANISH_OPENINGS, ...SPANISH_FACTS, ...SPANISH_ENDINGS];
const animal = (name: string) => SPANISH_ANIMALS.find((a) => a.name === name)!;

describe('the Spanish stories', () => {
  // Written by hand, one per template: a feminine animal with a masculine home (la vaca, el prado), a
  // masculine one with a feminine home and a plural food (el conejo, la pradera, zanahorias), and the frog,
  // whose habit takes "a" before a masculine noun (salta al estanque).
  it('read as correct Spanish for a feminine and a masculine animal', () => {
    expect(TEMPLATES.map((t) => fillSpanish(t, animal('vaca')))).toEqual([
      'esta es la historia de una vaca blanca .',
      'había una vez una vaca grande .',
      'una vaca blanca vivía en el prado .',
      'la vaca vive en el prado .',
      'la vaca come hierba .',
      'todos los días la vaca busca hierba .',
      'la vaca es blanca y grande .',
      'se oye a la vaca cuando muge .',
      'la vaca pasta en el prado .',
      'el mejor momento de la vaca es el día .',
      'cuando tiene hambre , la vaca come hierba .',
      'de día la vaca grande muge .',
      'después la vaca volvió al prado .',
      'la vaca quedó contenta con su hierba .',
      'y así la vaca blanca se quedó en el prado .',
    ]);
    expect(TEMPLATES.map((t) => fillSpanish(t, animal('conejo')))).toEqual([
      'esta es la historia de un conejo blanco .',
      'había una vez un conejo pequeño .',
      'un conejo blanco vivía en la pradera .',
      'el conejo vive en la pradera .',
      'el conejo come zanahorias .',
      'todos los días el conejo busca zanahorias .',
      'el conejo es blanco y pequeño .',
      'se oye al conejo cuando patalea .',
      'el conejo cava en la pradera .',
      'el mejor momento del conejo es la tarde .',
      'cuando tiene hambre , el conejo come zanahorias .',
      'por la tarde el conejo pequeño patalea .',
      'después el conejo volvió a la pradera .',
      'el conejo quedó contento con sus zanahorias .',
      'y así el conejo blanco se quedó en la pradera .',
    ]);
    expect(fillSpanish('{el} {name} {habit_home} .', animal('rana'))).toBe('la rana salta al estanque .');
    expect(fillSpanish('{when} {el} {name} {size} {sound} .', animal('oso'))).toBe('en otoño el oso grande gruñe .');
  });

  it('agree: -o adjectives take -a in the feminine, the others do not change', () => {
    expect(['rojo', 'pequeño', 'dorado', 'gris', 'verde', 'grande', 'marrón'].map((a) => agree(a, 'f'))).toEqual([
      'roja',
      'pequeña',
      'dorada',
      'gris',
      'verde',
      'grande',
      'marrón',
    ]);
    expect(agree('rojo', 'm')).toBe('rojo');
  });

  it('never writes "a el" or "de el", and every article agrees with the animal it goes with', () => {
    const text = generateSpanishCorpus({ documents: 1500, seed: 1000 });
    // Word boundaries by letters: JavaScript's \b does not know that í is a letter ("de día el" is fine).
    expect(text).not.toMatch(/(?<!\p{L})(a|de) el(?!\p{L})/u);
    for (const a of SPANISH_ANIMALS) {
      const before = [...text.matchAll(new RegExp(`(\\S+) ${a.name}(?!\\p{L})`, 'gu'))].map((m) => m[1]);
      expect(before.length).toBeGreaterThan(0);
      const allowed = a.gender === 'm' ? ['el', 'un', 'al', 'del'] : ['la', 'una'];
      for (const word of new Set(before)) expect(allowed, `"${word} ${a.name}"`).toContain(word);
    }
  });

  it('keeps each animal to its own facts: one food, one home, one sound', () => {
    const docs = generateSpanishDocuments({ documents: 1500, seed: 1000 });
    const seen = { food: new Map<string, Set<string>>(), home: new Map<string, Set<string>>(), sound: new Map<string, Set<string>>() };
    const patterns = {
      food: /^(?:el|la) (\S+) come (\S+) \.$/,
      home: /^(?:el|la) (\S+) vive en (?:el|la) (\S+) \.$/,
      sound: /^se oye (?:al|a la) (\S+) cuando (\S+) \.$/,
    };
    for (const sentence of docs.flat()) {
      for (const key of ['food', 'home', 'sound'] as const) {
        const m = patterns[key].exec(sentence);
        if (m) seen[key].set(m[1], (seen[key].get(m[1]) ?? new Set()).add(m[2]));
      }
    }
    for (const a of SPANISH_ANIMALS) {
      expect([...seen.food.get(a.name)!]).toEqual([a.food]);
      expect([...seen.home.get(a.name)!]).toEqual([a.home.word]);
      expect([...seen.sound.get(a.name)!]).toEqual([a.sound]);
    }
  });

  it('is deterministic for a seed and differs between seeds', () => {
    expect(generateSpanishCorpus({ documents: 50, seed: 7 })).toBe(generateSpanishCorpus({ documents: 50, seed: 7 }));
    expect(generateSpanishCorpus({ documents: 50, seed: 7 })).not.toBe(generateSpanishCorpus({ documents: 50, seed: 8 }));
  });
});

describe('the Spanish demo prompts', () => {
  const corpus = generateSpanishCorpus({ documents: 1500, seed: 1000 });
  const sentences = new Set(corpus.split('\n'));

  it("have as answer the animal's fact in the facts table", () => {
    for (const f of DEMO_FACTS_ES) {
      const a = animal(f.animal);
      const fact = f.fact === 'home' ? a.home.word : f.fact === 'time' ? a.time.word : a[f.fact];
      expect(f.answer, f.prompt).toBe(fact);
    }
  });

  it('are sentences of the training stories once the answer is filled in', () => {
    for (const f of DEMO_FACTS_ES) {
      const filled = f.prompt.replace('[MASK]', f.answer);
      for (const s of filled.split(/(?<= \.) /)) expect(sentences.has(s), s).toBe(true);
    }
  });

  it("have answers that are whole tokens of the demo's cased vocabulary, accents kept", () => {
    const vocab = Vocab.fromText(trainWordPiece({ texts: [corpus], vocabSize: 400, lowercase: false }).join('\n') + '\n');
    const cased = new BertTokenizer(vocab, { lowercase: false });
    for (const f of DEMO_FACTS_ES) expect(cased.tokenize(f.answer)).toEqual([f.answer]);
    expect(cased.tokenize('el búho y el ratón')).toEqual(['el', 'búho', 'y', 'el', 'ratón']);
    // What an uncased vocabulary would have made of the same words: the accents are gone.
    const uncased = new BertTokenizer(Vocab.fromText(trainWordPiece({ texts: [corpus], vocabSize: 400 }).join('\n') + '\n'));
    expect(uncased.tokenize('el búho y el ratón')).toEqual(['el', 'buho', 'y', 'el', 'raton']);
  });
});

describe('the English demo corpus', () => {
  // docs/results.md quotes the English demo's numbers; they hold only while its stories stay the same.
  it('is the one the quoted run trained on', () => {
    const sha = (s: string) => createHash('sha256').update(s).digest('hex');
    expect(sha(generateSyntheticCorpus({ documents: 1500, seed: 1000 }))).toBe('0e333059d75ac5ecfdd44ee24788ae60a2a5aa5a200737374e8d07e6a97952dc');
    expect(sha(generateSyntheticCorpus({ documents: 150, seed: 2000 }))).toBe('3f3faee1041493c4c43db78cb346864874ed202330c23c557e5e902262f73eea');
  });
});
