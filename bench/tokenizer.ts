/**
 * WordPiece benchmarks, three parts:
 *
 * 1. Encoding speed (MB/s of UTF-8 input): the KJV Bible (../shared/corpora/kjv.txt, 4.1 MB, 31k lines) encoded
 *    line by line with the bert-base-uncased vocabulary, one thread, side by side in the same run with
 *    `@huggingface/tokenizers` (Hugging Face's pure-JavaScript tokenizer) configured with the same vocabulary
 *    and BERT's normaliser, pre-tokeniser, WordPiece model and [CLS]/[SEP] template. Before timing, every line's
 *    ids are compared: the outputs must be identical. Timed calls:
 *      ours                  tokenizer.encode(line): tokens, ids, type ids, mask, offsets, word ids
 *      ours (general path)   the same with the ASCII fast path off (the plain normaliser for every line)
 *      @huggingface/tokenizers  tokenizer.encode(line): ids, tokens, attention mask (no offsets)
 * 2. Trainer time: trainWordPiece for vocab 8000 (min frequency 2, alphabet limit 1000, lowercase) on the KJV
 *    train split: chapters (separated by blank lines, counted from 0) with i % 20 != 7.
 * 3. Held-out quality: tokens per pre-token on the held-out chapters (i % 20 == 7) for vocabularies of 1000 and
 *    4000 trained on the train split, and the number of [UNK]. Hugging Face's figures (tokenizers 0.23.2,
 *    BertWordPieceTokenizer): 1.3289 and 1.0746, no [UNK].
 *
 * Usage: npx tsx bench/tokenizer.ts [--runs N] [--json FILE] [--corpus kjv.txt] [--only speed|train|heldout]
 *   --runs N   timed runs per measurement (default 5, after one warm-up)
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { BertTokenizer, preTokenize, trainWordPiece, Vocab } from '../src/tokenizer/index.ts';
import { formatNumber, makeResult, parseBenchArgs, printTable, timeInterleaved, timeRuns, writeJsonReport, type BenchResult } from './report.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const VOCAB = root + 'test/fixtures/tokenizer/bert-base-uncased-vocab.txt';

/** Hugging Face's tokenizer.json for bert-base-uncased, built from a vocab.txt. */
function hfTokenizer(vocab: Vocab): HfTokenizer {
  const ids = Object.fromEntries(vocab.tokens.map((t, i) => [t, i]));
  const names = vocab.specialNames;
  const special = (id: string) => ({ id, ids: [ids[id]], tokens: [id] });
  const tokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [names.pad, names.unk, names.cls, names.sep, names.mask].map((t) => ({
      id: ids[t],
      content: t,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: names.cls, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: names.sep, type_id: 0 } }],
      pair: [
        { SpecialToken: { id: names.cls, type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: names.sep, type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: names.sep, type_id: 1 } },
      ],
      special_tokens: { [names.cls]: special(names.cls), [names.sep]: special(names.sep) },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: names.unk, continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: ids },
  };
  const config = {
    tokenizer_class: 'BertTokenizer',
    do_lower_case: true,
    clean_up_tokenization_spaces: true,
    model_max_length: 512,
    pad_token: names.pad,
    unk_token: names.unk,
    cls_token: names.cls,
    sep_token: names.sep,
    mask_token: names.mask,
  };
  return new HfTokenizer(tokenizerJson, config);
}

/** KJV chapters (blank-line separated) split into train (i % 20 != 7) and held-out (i % 20 == 7) text. */
function kjvSplit(text: string): { train: string; heldOut: string } {
  const chapters = text.split('\n\n');
  return {
    train: chapters.filter((_, i) => i % 20 !== 7).join('\n\n'),
    heldOut: chapters.filter((_, i) => i % 20 === 7).join('\n\n'),
  };
}

async function speed(lines: string[], bytes: number, runs: number, results: BenchResult[]): Promise<void> {
  const vocab = Vocab.fromFile(VOCAB);
  const ours = new BertTokenizer(vocab);
  const general = new BertTokenizer(vocab);
  general.fastPath = false;
  const hf = hfTokenizer(vocab);

  // Same output first: ids of every line, ours against Hugging Face's.
  let mismatches = 0;
  let tokens = 0;
  for (const line of lines) {
    const a = ours.encode(line).inputIds;
    const b = hf.encode(line).ids;
    tokens += a.length;
    if (a.length !== b.length || a.some((x, i) => x !== b[i])) {
      if (mismatches++ === 0) console.log(`first mismatch: ${JSON.stringify(line)}\n  ours ${a}\n  hf   ${b}`);
    }
  }
  console.log(`identical output check: ${lines.length} lines, ${tokens} tokens, ${mismatches} lines differ`);
  if (mismatches > 0) process.exitCode = 1;

  const name = `encode KJV line by line (${formatNumber(bytes / 1e6)} MB)`;
  const contestants = [
    {
      impl: 'ours',
      run: () => {
        for (const l of lines) ours.encode(l);
      },
      runs,
    },
    {
      impl: '@huggingface/tokenizers',
      run: () => {
        for (const l of lines) hf.encode(l);
      },
      runs,
    },
    {
      impl: 'ours (general path)',
      run: () => {
        for (const l of lines) general.encode(l);
      },
      runs,
    },
  ];
  process.stdout.write(`${name} ...`);
  const timings = await timeInterleaved(contestants);
  process.stdout.write(' done\n');
  contestants.forEach((c, i) => {
    results.push(
      makeResult(
        name,
        c.impl,
        'MB/s',
        timings[i].wallMs.map((ms) => bytes / 1e3 / ms),
      ),
    );
    results.push(
      makeResult(
        name,
        c.impl,
        'MB/s (CPU time)',
        timings[i].cpuMs.map((ms) => bytes / 1e3 / ms),
      ),
    );
  });
}

async function trainer(train: string, runs: number, results: BenchResult[]): Promise<void> {
  const name = 'trainWordPiece vocab 8000, KJV train split';
  let size = 0;
  process.stdout.write(`${name} ...`);
  const t = await timeRuns(() => {
    size = trainWordPiece({ texts: [train], vocabSize: 8000, minFrequency: 2, limitAlphabet: 1000 }).length;
  }, runs);
  process.stdout.write(` done (${size} tokens)\n`);
  results.push(
    makeResult(
      name,
      'ours',
      's',
      t.wallMs.map((ms) => ms / 1000),
    ),
  );
  results.push(
    makeResult(
      name,
      'ours',
      's (CPU time)',
      t.cpuMs.map((ms) => ms / 1000),
    ),
  );
}

function heldOut(train: string, held: string, results: BenchResult[]): void {
  const lines = held.split('\n');
  const preTokens = lines.reduce((n, l) => n + preTokenize(l).length, 0);
  for (const [size, reference] of [
    [1000, 1.3289],
    [4000, 1.0746],
  ]) {
    const tok = new BertTokenizer(new Vocab(trainWordPiece({ texts: [train], vocabSize: size, minFrequency: 2, limitAlphabet: 1000 })));
    let n = 0;
    let unk = 0;
    for (const l of lines) {
      const t = tok.tokenize(l);
      n += t.length;
      unk += t.filter((x) => x === '[UNK]').length;
    }
    const ratio = n / preTokens;
    const name = `held-out tokens per pre-token, vocab ${size}`;
    console.log(
      `${name}: ${ratio.toFixed(4)} (Hugging Face ${reference}, ${(100 * (ratio / reference - 1)).toFixed(2)}%), [UNK] ${unk}, ${preTokens} pre-tokens`,
    );
    results.push(makeResult(name, 'ours', 'tokens/pre-token', [ratio]));
    results.push(makeResult(name, 'huggingface tokenizers 0.23.2 (reference)', 'tokens/pre-token', [reference]));
  }
}

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2));
  const runs = args.runs ?? 5;
  let corpus = root + '../shared/corpora/kjv.txt';
  let only: string | undefined;
  for (let i = 0; i < args.rest.length; i++) {
    if (args.rest[i] === '--corpus') corpus = args.rest[++i];
    else if (args.rest[i] === '--only') only = args.rest[++i];
    else throw new Error(`unknown argument ${args.rest[i]}; expected --runs, --json, --corpus or --only`);
  }
  const text = readFileSync(corpus, 'utf8');
  const results: BenchResult[] = [];
  if (!only || only === 'speed') await speed(text.split('\n'), Buffer.byteLength(text), runs, results);
  const { train, heldOut: held } = kjvSplit(text);
  if (!only || only === 'train') await trainer(train, runs, results);
  if (!only || only === 'heldout') heldOut(train, held, results);

  console.log();
  printTable(
    ['benchmark', 'impl', 'metric', 'median', 'runs'],
    results.map((r) => [r.name, r.impl, r.metric, formatNumber(r.median, 5), String(r.runs)]),
  );
  const get = (impl: string, metric: string) => results.find((r) => r.impl === impl && r.metric === metric && r.name.startsWith('encode'));
  for (const metric of ['MB/s', 'MB/s (CPU time)']) {
    const a = get('ours', metric);
    const b = get('@huggingface/tokenizers', metric);
    const g = get('ours (general path)', metric);
    if (a && b && g) {
      console.log(
        `ratio ours / @huggingface/tokenizers (${metric}): ${(a.median / b.median).toFixed(2)}x; general path / hf: ${(g.median / b.median).toFixed(2)}x`,
      );
    }
  }
  if (args.json) writeJsonReport(args.json, results);
}

await main();
