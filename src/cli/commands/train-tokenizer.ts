/**
 * `bert train-tokenizer --corpus FILE... --vocab-size N [--min-frequency N] [--limit-alphabet N] [--cased]
 *  --out vocab.txt`: learn a WordPiece vocabulary (Hugging Face BertWordPieceTokenizer semantics) and write it.
 */
import { parseArgs, required, UsageError } from '../args.ts';
import type { Command } from '../command.ts';
import { trainWordPiece, Vocab } from '../../tokenizer/index.ts';

export const trainTokenizerCommand: Command = {
  name: 'train-tokenizer',
  summary: 'learn a WordPiece vocabulary (vocab.txt) from text files',
  usage: 'bert train-tokenizer --corpus FILE... --vocab-size N [--min-frequency N] [--limit-alphabet N] [--cased] --out vocab.txt',
  flags: {
    corpus: { kind: 'list', help: 'UTF-8 text files, read line by line' },
    'vocab-size': { kind: 'number', help: 'target vocabulary size, special tokens and alphabet included' },
    'min-frequency': { kind: 'number', help: 'stop when the best pair is rarer than this', default: 2 },
    'limit-alphabet': { kind: 'number', help: 'keep at most this many distinct characters', default: 1000 },
    cased: { kind: 'boolean', help: 'keep case and accents' },
    out: { kind: 'string', help: 'where to write vocab.txt' },
  },
  async run(argv) {
    const { flags, positionals } = parseArgs(argv, trainTokenizerCommand.flags);
    if (positionals.length) throw new UsageError(`unexpected argument ${positionals[0]}; give files with --corpus`);
    const files = required<string[]>(flags, 'corpus');
    const vocabSize = required<number>(flags, 'vocab-size');
    const out = required<string>(flags, 'out');
    for (const name of ['vocab-size', 'min-frequency', 'limit-alphabet']) {
      const v = flags[name] as number;
      if (!Number.isInteger(v) || v < 1) throw new UsageError(`--${name} expects a positive integer, got ${v}`);
    }
    const t0 = performance.now();
    const tokens = trainWordPiece({
      files,
      vocabSize,
      minFrequency: flags['min-frequency'] as number,
      limitAlphabet: flags['limit-alphabet'] as number,
      lowercase: flags.cased !== true,
    });
    new Vocab(tokens).toFile(out);
    const seconds = (performance.now() - t0) / 1000;
    const note = tokens.length < vocabSize ? ` (no pair left with the minimum frequency before ${vocabSize})` : '';
    console.log(`wrote ${out}: ${tokens.length} tokens${note} in ${seconds.toFixed(2)} s`);
    return 0;
  },
};
