/**
 * `bert train-tokenizer --corpus FILE... --vocab-size N [--min-frequency N] [--limit-alphabet N] [--cased]
 *  --out vocab.txt`: learn a WordPiece vocabulary (Hugging Face BertWordPieceTokenizer semantics) and write it.
 */
import { parseArgs, RANGES, required, UsageError, type FlagSpec } from '../args.ts';
import type { Command } from '../command.ts';
import { maxLineBytesFlag, withMaxLineBytes } from '../max-line-bytes-flag.ts';
import { makeParentDirectory } from '../run-dir.ts';
import { writeFileAtomic } from '../../io/atomic.ts';
import { trainWordPiece, Vocab, VocabSizeError } from '../../tokenizer/index.ts';

const flags: Record<string, FlagSpec> = {
  corpus: { kind: 'list', path: 'file', help: 'UTF-8 text files, read line by line' },
  'vocab-size': { kind: 'number', range: RANGES.count, help: 'target vocabulary size, special tokens and alphabet included' },
  'min-frequency': { kind: 'number', range: RANGES.count, help: 'stop when the best pair is rarer than this', default: 2 },
  'limit-alphabet': { kind: 'number', range: RANGES.count, help: 'keep at most this many distinct characters', default: 1000 },
  cased: { kind: 'boolean', help: 'keep case and accents' },
  out: { kind: 'string', path: 'out-file', help: 'where to write vocab.txt (its folder is created when missing)' },
  'max-line-bytes': maxLineBytesFlag,
};

export const trainTokenizerCommand: Command = {
  name: 'train-tokenizer',
  summary: 'learn a WordPiece vocabulary (vocab.txt) from text files',
  usage: 'bert train-tokenizer --corpus FILE... --vocab-size N [--min-frequency N] [--limit-alphabet N] [--cased] --out vocab.txt',
  flags,
  async run(argv) {
    const { flags: f } = parseArgs(argv, flags, { positionals: { max: 0 } });
    const files = required<string[]>(f, 'corpus');
    const vocabSize = required<number>(f, 'vocab-size');
    const out = required<string>(f, 'out');
    const t0 = performance.now();
    let tokens: string[];
    try {
      tokens = await withMaxLineBytes(f['max-line-bytes'], async () =>
        trainWordPiece({
          files,
          vocabSize,
          minFrequency: f['min-frequency'] as number,
          limitAlphabet: f['limit-alphabet'] as number,
          lowercase: f.cased !== true,
        }),
      );
    } catch (err) {
      if (err instanceof VocabSizeError) {
        throw new UsageError(
          `--vocab-size ${err.requested} is below the minimum for this corpus, ${err.minimum} (${err.reason}): ask for at least ${err.minimum}, or lower --limit-alphabet`,
        );
      }
      throw err;
    }
    makeParentDirectory(out, 'out');
    await writeFileAtomic(out, new Vocab(tokens).toText());
    const seconds = (performance.now() - t0) / 1000;
    const note = tokens.length < vocabSize ? ` (no pair left with the minimum frequency before ${vocabSize})` : '';
    console.log(`wrote ${out}: ${tokens.length} tokens${note} in ${seconds.toFixed(2)} s`);
    return 0;
  },
};
