/**
 * A WordPiece vocabulary: tokens <-> ids, read from and written to BERT's `vocab.txt` (one token per line; the
 * id is the line number counted from 0). Word-initial pieces are plain (`play`), pieces that continue a word
 * carry the `##` prefix (`##ing`).
 */
import { writeFileSync } from 'node:fs';
import { readTextFileSync } from '../io/text-lines.ts';

/** The names of BERT's special tokens. */
export interface SpecialTokenNames {
  pad: string;
  unk: string;
  cls: string;
  sep: string;
  mask: string;
}

export const BERT_SPECIAL_TOKENS: SpecialTokenNames = {
  pad: '[PAD]',
  unk: '[UNK]',
  cls: '[CLS]',
  sep: '[SEP]',
  mask: '[MASK]',
};

/** What each special token is needed for (error messages when a vocabulary lacks it). */
const SPECIAL_TOKEN_USES: Record<keyof SpecialTokenNames, string> = {
  pad: 'padding (padding: max_length or longest, batches of unequal lengths)',
  unk: 'a word that is not in the vocabulary',
  cls: 'adding special tokens ([CLS] text [SEP]; encode with addSpecialTokens: false to do without)',
  sep: 'adding special tokens ([CLS] text [SEP]; encode with addSpecialTokens: false to do without)',
  mask: 'masking (pretraining, fill-mask)',
};

/** Ids of the special tokens in a vocabulary. */
export interface SpecialTokenIds {
  pad: number;
  unk: number;
  cls: number;
  sep: number;
  mask: number;
}

export class Vocab {
  /** Tokens in id order. */
  readonly tokens: readonly string[];
  readonly specialNames: SpecialTokenNames;
  private readonly ids: Map<string, number>;
  /** Where the vocabulary came from (a file path), for error messages. */
  private readonly source: string;

  /**
   * @param tokens tokens in id order; must be unique and non-empty.
   * @param source name used in error messages (a file path), so that errors can say `file:line`.
   */
  constructor(tokens: readonly string[], specialNames: SpecialTokenNames = BERT_SPECIAL_TOKENS, source = 'vocab') {
    this.tokens = [...tokens];
    this.specialNames = { ...specialNames };
    this.source = source;
    this.ids = new Map();
    this.tokens.forEach((t, i) => {
      if (t.length === 0) throw new Error(`${source}:${i + 1}: empty token (each line must hold one token)`);
      const prev = this.ids.get(t);
      if (prev !== undefined) {
        throw new Error(`${source}:${i + 1}: duplicate token ${JSON.stringify(t)}, first seen on line ${prev + 1}`);
      }
      this.ids.set(t, i);
    });
  }

  /** Read a `vocab.txt`. Trailing whitespace on each line (and a final newline) is ignored, as in Hugging Face. */
  static fromFile(path: string, specialNames: SpecialTokenNames = BERT_SPECIAL_TOKENS): Vocab {
    // Strict UTF-8 and the other checks every text file gets (src/io/text-lines.ts); the message names the vocabulary.
    return Vocab.fromText(readTextFileSync(path, { what: 'vocabulary' }), specialNames, path);
  }

  /** Parse the contents of a `vocab.txt`. */
  static fromText(text: string, specialNames: SpecialTokenNames = BERT_SPECIAL_TOKENS, source = 'vocab'): Vocab {
    const lines = text.split('\n').map((l) => l.trimEnd());
    if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    if (lines.length === 0) throw new Error(`${source}: vocabulary is empty`);
    return new Vocab(lines, specialNames, source);
  }

  /** The `vocab.txt` text: one token per line, newline-terminated. */
  toText(): string {
    return this.tokens.join('\n') + '\n';
  }

  /** Write `vocab.txt`. */
  toFile(path: string): void {
    writeFileSync(path, this.toText());
  }

  get size(): number {
    return this.tokens.length;
  }

  has(token: string): boolean {
    return this.ids.has(token);
  }

  /** Id of `token`, or undefined when it is not in the vocabulary. */
  tokenToId(token: string): number | undefined {
    return this.ids.get(token);
  }

  /** Token of `id`; throws for an id outside `[0, size)`. */
  idToToken(id: number): string {
    const t = this.tokens[id];
    if (t === undefined || !Number.isInteger(id)) {
      throw new Error(`token id ${id} is outside the vocabulary (expected an integer in [0, ${this.size}))`);
    }
    return t;
  }

  /** Id of a token that must be present (special tokens); the error names the token. */
  requireId(token: string): number {
    const id = this.ids.get(token);
    if (id === undefined) throw new Error(`token ${JSON.stringify(token)} is not in the vocabulary (size ${this.size})`);
    return id;
  }

  /**
   * Ids of [PAD] [UNK] [CLS] [SEP] [MASK] (or the configured names). A vocabulary may lack some of them (Google's
   * own tokenizer test uses one without [PAD] and [MASK]): reading a missing one throws, naming the token and
   * what needs it, so the error comes only where the token is used.
   */
  get specialIds(): SpecialTokenIds {
    return this.specialIdsOf(this.specialNames);
  }

  /** Ids of the special tokens with the given names; a missing one throws when read (see {@link specialIds}). */
  specialIdsOf(n: SpecialTokenNames): SpecialTokenIds {
    const ids = {} as SpecialTokenIds;
    for (const key of ['pad', 'unk', 'cls', 'sep', 'mask'] as const) {
      const id = this.ids.get(n[key]);
      if (id !== undefined) {
        Object.defineProperty(ids, key, { value: id, enumerable: true });
        continue;
      }
      // Not enumerable, so that Object.values() lists the ids that exist.
      Object.defineProperty(ids, key, {
        enumerable: false,
        get: () => {
          throw new Error(`${this.source}: the vocabulary has no ${n[key]} token, which ${SPECIAL_TOKEN_USES[key]} needs`);
        },
      });
    }
    return ids;
  }
}
