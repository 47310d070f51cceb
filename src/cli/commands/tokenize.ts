/**
 * `bert tokenize --vocab FILE [--cased] [--max-length N] [--truncation S] [--stride N] [--padding S] < in > out`
 *
 * JSON lines in, JSON lines out. Each input line is `{"text": ...}` or `{"text": ..., "pair": ...}`; each output
 * line has tokens, input_ids, token_type_ids, attention_mask, offsets and sequence_ids. With `--stride` every
 * window of a long input is its own line, with `overflow_to_sample`: the index of the input record (blank lines
 * are skipped and not counted).
 */
import { parseArgs, RANGES, required, UsageError } from '../args.ts';
import type { Command } from '../command.ts';
import { maxLineBytesFlag } from '../max-line-bytes-flag.ts';
import { readLines } from '../../io/text-lines.ts';
import { BertTokenizer, type EncodeOptions, type Encoding } from '../../tokenizer/index.ts';

/** Encode JSON lines; yields one output JSON line per encoding (per window with a stride). */
export async function* tokenizeJsonLines(
  lines: AsyncIterable<string> | Iterable<string>,
  tokenizer: BertTokenizer,
  options: EncodeOptions,
  source = 'stdin',
): AsyncGenerator<string> {
  let lineNo = 0;
  let sample = 0;
  for await (const line of lines) {
    lineNo++;
    if (line.trim() === '') continue;
    let rec: { text?: unknown; pair?: unknown };
    try {
      rec = JSON.parse(line);
    } catch (err) {
      throw new Error(`${source}:${lineNo}: invalid JSON (${(err as Error).message})`);
    }
    if (typeof rec !== 'object' || rec === null || typeof rec.text !== 'string') {
      throw new Error(`${source}:${lineNo}: expected {"text": string, "pair"?: string}, got ${line.slice(0, 80)}`);
    }
    if (rec.pair !== undefined && rec.pair !== null && typeof rec.pair !== 'string') {
      throw new Error(`${source}:${lineNo}: "pair" must be a string, got ${typeof rec.pair}`);
    }
    let e: Encoding;
    try {
      e = tokenizer.encode(rec.text, (rec.pair as string | undefined) ?? null, options);
    } catch (err) {
      throw new Error(`${source}:${lineNo}: ${(err as Error).message}`);
    }
    for (const w of [e, ...(e.overflowing ?? [])]) {
      const out: Record<string, unknown> = {
        tokens: w.tokens,
        input_ids: w.inputIds,
        token_type_ids: w.tokenTypeIds,
        attention_mask: w.attentionMask,
        offsets: w.offsets,
        sequence_ids: w.sequenceIds,
      };
      if (options.returnOverflowing) out.overflow_to_sample = sample;
      yield JSON.stringify(out);
    }
    sample++;
  }
}

export const tokenizeCommand: Command = {
  name: 'tokenize',
  summary: 'encode JSON lines ({"text", "pair"?}) with a WordPiece vocabulary: ids, type ids, masks, offsets',
  usage: 'bert tokenize --vocab FILE [--cased] [--max-length N] [--truncation S] [--stride N] [--padding S] < in.jsonl > out.jsonl',
  flags: {
    vocab: { kind: 'string', path: 'file', help: 'vocab.txt (one token per line)' },
    cased: { kind: 'boolean', help: 'keep case and accents (for cased vocabularies)' },
    'max-length': { kind: 'number', range: RANGES.count, help: 'truncate to N tokens, [CLS]/[SEP] included' },
    truncation: { kind: 'string', help: 'longest_first | only_first | only_second (default longest_first with --max-length)' },
    stride: { kind: 'number', range: RANGES.countOrOff, help: 'emit every window of a long input, consecutive windows sharing N tokens' },
    padding: { kind: 'string', help: 'max_length | longest (longest: to the longest window of each input)' },
    'hf-early-stop': { kind: 'boolean', help: 'reproduce tokenizers >= 0.23.1 windows (text cut at max-length tokens)' },
    'max-line-bytes': maxLineBytesFlag,
  },
  async run(argv) {
    const { flags } = parseArgs(argv, tokenizeCommand.flags, { positionals: { max: 0, what: 'argument (the input comes on stdin)' } });
    const tokenizer = BertTokenizer.fromFile(required<string>(flags, 'vocab'), { lowercase: flags.cased !== true });
    const truncation = flags.truncation as string | undefined;
    if (truncation !== undefined && !['longest_first', 'only_first', 'only_second'].includes(truncation)) {
      throw new UsageError(`--truncation expects longest_first, only_first or only_second, got "${truncation}"`);
    }
    const padding = flags.padding as string | undefined;
    if (padding !== undefined && !['max_length', 'longest'].includes(padding)) {
      throw new UsageError(`--padding expects max_length or longest, got "${padding}"`);
    }
    const maxLength = flags['max-length'] as number | undefined;
    const stride = flags.stride as number | undefined;
    if ((truncation || stride !== undefined || padding === 'max_length') && maxLength === undefined) {
      throw new UsageError('--truncation, --stride and --padding max_length need --max-length');
    }
    const options: EncodeOptions = {
      maxLength,
      truncation: truncation as EncodeOptions['truncation'],
      padding: padding as EncodeOptions['padding'],
      stride,
      returnOverflowing: stride !== undefined,
      hfEarlyStop: flags['hf-early-stop'] === true,
    };
    // stdin is text like any file: strict UTF-8, no NUL bytes, lines of at most --max-line-bytes; \r\n ends a line too.
    const input = (async function* () {
      for await (const { text } of readLines(process.stdin, 'stdin', { maxLineBytes: flags['max-line-bytes'] as number }))
        yield text.endsWith('\r') ? text.slice(0, -1) : text;
    })();
    let buffer = '';
    const flush = () => new Promise<void>((resolve) => (process.stdout.write(buffer) ? resolve() : process.stdout.once('drain', resolve)));
    try {
      for await (const out of tokenizeJsonLines(input, tokenizer, options)) {
        buffer += out + '\n';
        if (buffer.length > 1 << 16) {
          await flush();
          buffer = '';
        }
      }
    } finally {
      // Also on an error: the lines before the bad one are written.
      if (buffer) await flush();
    }
    return 0;
  },
};
