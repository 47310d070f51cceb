/**
 * The Spanish demo (`npm run demo -- --lang es`): the same flow, model and settings as the English one
 * (src/train/demo.ts), on the generated Spanish stories of src/data/synthetic-corpus-es.ts, with its
 * messages in Spanish.
 *
 * Casing: the demo trains a cased vocabulary (no lowercasing, no accent stripping). BERT's uncased
 * normalisation strips accents (NFD, then drop the combining marks), and in Spanish an accent is part of the
 * word: ratón would come out as raton, león as leon, and pairs such as el / él, esta / está, mas / más,
 * papa / papá would each become one token. The stories are written in lower case already, so the cased
 * vocabulary costs nothing here; the only thing it asks of the reader is to type prompts in lower case too.
 */
import { join } from 'node:path';
import { generateSpanishCorpus } from '../data/synthetic-corpus-es.ts';
import type { DemoLanguage } from './demo.ts';
import type { MaskPrediction } from './fill-mask.ts';

/**
 * The Spanish prompts with the answer each one has in the stories (animal and fact), so the demo can say
 * whether the model's first choice is right and a test can check the answers against the facts table.
 */
export const DEMO_FACTS_ES = [
  { prompt: 'el conejo come [MASK] .', animal: 'conejo', fact: 'food', answer: 'zanahorias' },
  { prompt: 'el mejor momento del búho es la [MASK] .', animal: 'búho', fact: 'time', answer: 'noche' },
  { prompt: 'un pato amarillo vivía en el [MASK] .', animal: 'pato', fact: 'home', answer: 'estanque' },
  { prompt: 'el oso vive en la montaña . el oso come [MASK] .', animal: 'oso', fact: 'food', answer: 'miel' },
  { prompt: 'se oye a la rana cuando [MASK] .', animal: 'rana', fact: 'sound', answer: 'croa' },
] as const;

export const DEMO_PROMPTS_ES: string[] = DEMO_FACTS_ES.map((f) => f.prompt);

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** How many prompts have the stories' fact as the model's first choice. */
export function countRightAnswersEs(predictions: MaskPrediction[][]): number {
  return predictions.filter((p, i) => p[0]?.candidates[0]?.token === DEMO_FACTS_ES[i].answer).length;
}

export const DEMO_ES: DemoLanguage = {
  out: 'runs/demo-es',
  // 2000 steps give the five facts as first candidates (2500, the English count, too, with more confidence)
  // and keep the run well under 5 minutes on 2 cores even when they are shared.
  steps: 2000,
  corpus: generateSpanishCorpus,
  lowercase: false,
  prompts: DEMO_PROMPTS_ES,
  intro: (documents, trainPath) => [
    `Demo: pre-entrenamos un BERT pequeño (2 capas, tamaño oculto 64, secuencias de 32 tokens) con ${documents} historias de animales generadas (${trainPath}).`,
    'El modelo de lenguaje enmascarado aprende qué palabra encaja en cada hueco; la predicción de la siguiente oración aprende si la oración B continúa a la A.',
    'Vocabulario cased: conserva mayúsculas y acentos ("ratón" sigue siendo "ratón", no "raton").',
    'Al azar se acertaría más o menos 1 de cada (tamaño del vocabulario) con el modelo enmascarado y el 50% con la siguiente oración.\n',
  ],
  trained: (steps, seconds, tps) => `\nEntrenados ${steps} pasos en ${seconds.toFixed(0)} s (${Math.round(tps)} tokens/s).`,
  heldOut: (mlm, nsp) => `Exactitud en las historias reservadas: modelo enmascarado ${pct(mlm)}, siguiente oración ${pct(nsp)}.`,
  files: (out) => `Curvas: ${join(out, 'curves.svg')}   métricas: ${join(out, 'metrics.jsonl')}   modelo: ${out}\n`,
  fillsIn: 'Lo que el modelo pone en cada [MASK]:',
  afterPrompt: (i, p) => {
    const { answer } = DEMO_FACTS_ES[i];
    const first = p[0]?.candidates[0]?.token;
    return [`  en las historias: ${answer} (${first === answer ? 'acierta' : `el modelo dice ${first}`})`];
  },
  closing: (out, predictions) => [
    `\n${countRightAnswersEs(predictions)} de ${DEMO_FACTS_ES.length} primeras respuestas son el dato de las historias.`,
    'Fíjate en dos cosas: la clase de palabra que pide cada hueco (una comida después de "come", un momento después',
    'de "el mejor momento ... es la", un lugar después de "vivía en el", un sonido después de "cuando"), que el modelo',
    'aprende pronto, y si la primera es el dato de ese animal en las historias, que aprende más tarde. Mira también',
    'la concordancia: ¿después de "en el" propone solo lugares masculinos (estanque, bosque, establo) y después de',
    '"es la" solo momentos femeninos (noche, tarde, mañana)?',
    'Al azar se acertaría 1 de cada 400 con el modelo enmascarado y 1 de cada 2 con la siguiente oración.',
    `\nPrueba tus frases, en minúsculas: npx bert fill-mask --cased --model ${out} "el lobo come [MASK] ."`,
  ],
};
