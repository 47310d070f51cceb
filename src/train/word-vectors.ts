/**
 * The input word vectors of a trained model (rows of `embeddings.word_embeddings.weight`) for a list of
 * words, ready for PCA and a scatter plot (src/viz/embeddings.ts).
 *
 * A word the vocabulary holds whole is its own row. A word that WordPiece splits (`elephant` ->
 * `ele ##phant`) has no row of its own; it gets the mean of its pieces' rows and is marked as averaged, so a
 * reader does not take its position as the model's idea of the whole word. A word that becomes [UNK] has no
 * vector at all and is reported.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { BertPreTrainedModel } from '../bert/model.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { BertTokenizer } from '../tokenizer/tokenizer.ts';

/** One entry of a word list: the word, an optional group (for colour), and where it was read. */
export interface ListedWord {
  word: string;
  group?: string;
  /** "FILE:LINE", for messages. */
  source?: string;
}

export interface WordVector extends ListedWord {
  /** Its WordPiece pieces (one piece: the word is in the vocabulary whole). */
  pieces: string[];
  /** The embedding row, or the mean of the pieces' rows: [hidden]. */
  vector: Float32Array;
}

/**
 * Read a word list: one word per line, optionally followed by whitespace and a group name
 * (`cow animals`); blank lines and lines starting with `#` are skipped.
 * @throws naming the file and line of a duplicate word, or when the file lists no word
 */
export function readWordList(path: string): ListedWord[] {
  if (!existsSync(path)) throw new Error(`${path}: no such file (expected a word list, one word per line)`);
  const words: ListedWord[] = [];
  const seen = new Map<string, string>();
  readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .forEach((raw, i) => {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) return;
      const [word, ...rest] = line.split(/\s+/);
      const source = `${path}:${i + 1}`;
      if (seen.has(word!)) throw new Error(`${source}: "${word}" is listed twice (first at ${seen.get(word!)})`);
      seen.set(word!, source);
      words.push({ word: word!, group: rest.length ? rest.join(' ') : undefined, source });
    });
  if (words.length === 0) throw new Error(`${path}: no words (expected one word per line, optionally followed by a group name)`);
  return words;
}

/** The model's word-embedding matrix [vocab, hidden], whatever head sits on top of the encoder. */
export function wordEmbeddingMatrix(model: BertPreTrainedModel): Tensor {
  const found = model.namedParameters().find(([name]) => name === 'embeddings.word_embeddings.weight' || name.endsWith('.embeddings.word_embeddings.weight'));
  if (!found) throw new Error(`${model.architecture} has no embeddings.word_embeddings.weight parameter`);
  return found[1];
}

/**
 * The vector of each listed word.
 * @returns the words that have a vector, in list order, and those that became [UNK] (not in the vocabulary)
 */
export function wordVectors(
  model: BertPreTrainedModel,
  tokenizer: BertTokenizer,
  words: readonly ListedWord[],
): { vectors: WordVector[]; unknown: ListedWord[] } {
  const table = wordEmbeddingMatrix(model);
  const [, hidden] = table.shape as [number, number];
  const data = table.data;
  const unk = tokenizer.vocab.specialIds.unk;
  const vectors: WordVector[] = [];
  const unknown: ListedWord[] = [];
  for (const w of words) {
    const pieces = tokenizer.tokenize(w.word);
    const ids = tokenizer.convertTokensToIds(pieces);
    if (ids.length === 0 || ids.includes(unk)) {
      unknown.push(w);
      continue;
    }
    const vector = new Float32Array(hidden);
    for (const id of ids) for (let k = 0; k < hidden; k++) vector[k]! += data[id * hidden + k]! / ids.length;
    vectors.push({ ...w, pieces, vector });
  }
  return { vectors, unknown };
}
