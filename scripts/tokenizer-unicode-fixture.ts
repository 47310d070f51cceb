/**
 * Record what Hugging Face `tokenizers` 0.23.2 (the Rust library, through its npm binding) makes of random
 * Unicode strings, as a fixture the test suite replays against our tokenizer
 * (test/tokenizer/unicode-fixture.test.ts) without the binding. For each string, uncased (lowercase + accent
 * stripping) and cased: the words of BERT's normaliser and pre-tokeniser, and the WordPiece ids over the
 * bert-base-uncased vocabulary of test/fixtures/tokenizer (the tokens are the vocabulary's entries for them).
 *
 * The strings are drawn with a seeded generator from pools that reach every part of the Unicode tables:
 * all 17 planes, lone UTF-16 surrogates, combining marks, CJK ideographs, punctuation (general and
 * supplemental), whitespace and control characters, format characters, accented and upper-case letters of
 * several scripts, and the code points whose class changed between the tables' Unicode 8.0 and the
 * engine's (test/fixtures/tokenizer/unicode-changes.json).
 *
 * To re-record (the binding is a native module of about 100 MB: it is installed outside the repository and
 * never added to package.json):
 *
 *   mkdir -p /tmp/hftok && cd /tmp/hftok && npm init -y && npm i tokenizers@0.23.2
 *   cd - && npx tsx scripts/tokenizer-unicode-fixture.ts /tmp/hftok [strings=3000] [seed=2016]
 *
 * It writes test/fixtures/tokenizer/hf-unicode-random.json (about 0.6 MB for 3,000 strings).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { Rng } from '../src/tensor/random.ts';

interface HfEncoding {
  getIds(): number[];
}
interface HfTokenizer {
  setNormalizer(n: unknown): void;
  setPreTokenizer(p: unknown): void;
  encode(s: string): Promise<HfEncoding>;
}
interface HfModule {
  bertNormalizer(o?: { cleanText?: boolean; handleChineseChars?: boolean; stripAccents?: boolean; lowercase?: boolean }): {
    normalizeString(s: string): string;
  };
  bertPreTokenizer(): { preTokenizeString(s: string): Array<[string, [number, number]]> };
  WordPiece: { init(vocab: Record<string, number>, o?: { unkToken?: string; continuingSubwordPrefix?: string; maxInputCharsPerWord?: number }): unknown };
  Tokenizer: new (model: unknown) => HfTokenizer;
}

const dir = process.argv[2];
if (!dir) {
  console.error('usage: npx tsx scripts/tokenizer-unicode-fixture.ts DIR [STRINGS] [SEED]  (DIR: where tokenizers@0.23.2 is installed)');
  process.exit(2);
}
const nStrings = Number(process.argv[3] ?? 3000);
const seed = Number(process.argv[4] ?? 2016);
const root = resolve(import.meta.dirname, '..');
const fixtures = join(root, 'test', 'fixtures', 'tokenizer');
const require = createRequire(join(resolve(dir), 'package.json'));
const hf = require('tokenizers') as HfModule;
const version = (require('tokenizers/package.json') as { version: string }).version;
if (version !== '0.23.2') console.error(`warning: tokenizers ${version} is installed; the tables follow 0.23.2`);

const vocabFile = 'bert-base-uncased-vocab.txt';
const vocabTokens = readFileSync(join(fixtures, vocabFile), 'utf8').split('\n');
if (vocabTokens.at(-1) === '') vocabTokens.pop();
const vocab = Object.fromEntries(vocabTokens.map((t, i) => [t, i]));

/** The normaliser, pre-tokeniser and the whole pipeline (no [CLS]/[SEP]) for one casing. */
function pipeline(lowercase: boolean) {
  const options = lowercase ? {} : { lowercase: false, stripAccents: false };
  const tokenizer = new hf.Tokenizer(hf.WordPiece.init(vocab, { unkToken: '[UNK]', continuingSubwordPrefix: '##', maxInputCharsPerWord: 100 }));
  tokenizer.setNormalizer(hf.bertNormalizer(options));
  tokenizer.setPreTokenizer(hf.bertPreTokenizer());
  const normalizer = hf.bertNormalizer(options);
  const preTokenizer = hf.bertPreTokenizer();
  return {
    words: (s: string) => preTokenizer.preTokenizeString(normalizer.normalizeString(s)).map(([w]) => w),
    ids: async (s: string) => (await tokenizer.encode(s)).getIds(),
  };
}

// Pools of code points, each a list of inclusive ranges [start, end].
type Pool = { name: string; ranges: [number, number][]; weight: number };
const changes = JSON.parse(readFileSync(join(fixtures, 'unicode-changes.json'), 'utf8')) as Record<string, unknown>;
const changed: [number, number][] = Object.values(changes)
  .filter((v): v is string[] => Array.isArray(v))
  .flat()
  .map((r) => {
    const [a, b] = r.split('-').map((x) => Number.parseInt(x, 16));
    return [a, b ?? a];
  });
const pools: Pool[] = [
  {
    name: 'ascii letters and digits',
    ranges: [
      [0x41, 0x5a],
      [0x61, 0x7a],
      [0x30, 0x39],
    ],
    weight: 12,
  },
  { name: 'space', ranges: [[0x20, 0x20]], weight: 10 },
  {
    name: 'ascii punctuation',
    ranges: [
      [0x21, 0x2f],
      [0x3a, 0x40],
      [0x5b, 0x60],
      [0x7b, 0x7e],
    ],
    weight: 5,
  },
  {
    name: 'control and other whitespace',
    ranges: [
      [0x00, 0x1f],
      [0x7f, 0xa0],
      [0x1680, 0x1680],
      [0x180e, 0x180e],
      [0x2000, 0x200f],
      [0x2028, 0x202f],
      [0x205f, 0x206f],
      [0x3000, 0x3000],
      [0xfeff, 0xfeff],
      [0xfff9, 0xfffd],
    ],
    weight: 6,
  },
  {
    name: 'accented and upper-case letters',
    ranges: [
      [0xc0, 0x24f],
      [0x370, 0x3ff],
      [0x400, 0x52f],
      [0x1e00, 0x1fff],
      [0x130, 0x130],
      [0x1e9e, 0x1e9e],
    ],
    weight: 10,
  },
  {
    name: 'combining marks',
    ranges: [
      [0x300, 0x36f],
      [0x483, 0x489],
      [0x591, 0x5c7],
      [0x610, 0x61a],
      [0x64b, 0x65f],
      [0x900, 0x903],
      [0x93a, 0x94f],
      [0x1ab0, 0x1aff],
      [0x1dc0, 0x1dff],
      [0x20d0, 0x20ff],
      [0xfe20, 0xfe2f],
    ],
    weight: 8,
  },
  {
    name: 'CJK',
    ranges: [
      [0x4e00, 0x9fff],
      [0x3400, 0x4dbf],
      [0xf900, 0xfaff],
      [0x20000, 0x2a6df],
      [0x2a700, 0x2ebef],
      [0x2f800, 0x2fa1f],
      [0x3040, 0x30ff],
      [0xac00, 0xd7a3],
    ],
    weight: 8,
  },
  {
    name: 'general and supplemental punctuation',
    ranges: [
      [0x2010, 0x205e],
      [0x2e00, 0x2e7f],
      [0x3001, 0x303f],
      [0xfe10, 0xfe6f],
      [0xff01, 0xff65],
    ],
    weight: 6,
  },
  { name: 'changed since Unicode 8.0', ranges: changed, weight: 8 },
  { name: 'lone surrogates', ranges: [[0xd800, 0xdfff]], weight: 4 },
  { name: 'any BMP code unit', ranges: [[0x0000, 0xffff]], weight: 6 },
  { name: 'any plane', ranges: Array.from({ length: 17 }, (_, p) => [p * 0x10000, p * 0x10000 + 0xffff] as [number, number]), weight: 8 },
];
const totalWeight = pools.reduce((s, p) => s + p.weight, 0);

/** A code point of `ranges`, each range as likely as its size makes it (a small range still gets drawn: 1 in 4 picks a range uniformly). */
function draw(rng: Rng, ranges: [number, number][]): number {
  let range: [number, number];
  if (rng.next() < 0.25) range = ranges[Math.floor(rng.next() * ranges.length)];
  else {
    const total = ranges.reduce((s, [a, b]) => s + b - a + 1, 0);
    let k = Math.floor(rng.next() * total);
    range = ranges.find(([a, b]) => (k -= b - a + 1) < 0)!;
  }
  return range[0] + Math.floor(rng.next() * (range[1] - range[0] + 1));
}

/** A random string of 1 to 24 code points (a surrogate as one lone code unit). */
function randomString(rng: Rng): string {
  const length = 1 + Math.floor(rng.next() * 24);
  let s = '';
  for (let i = 0; i < length; i++) {
    let r = rng.next() * totalWeight;
    const pool = pools.find((p) => (r -= p.weight) < 0) ?? pools[0];
    const cp = draw(rng, pool.ranges);
    s += cp >= 0xd800 && cp <= 0xdfff ? String.fromCharCode(cp) : String.fromCodePoint(cp);
  }
  return s;
}

const uncased = pipeline(true);
const cased = pipeline(false);
const rng = new Rng(seed);
const cases: Array<{ text: string; uncased: [string[], number[]]; cased: [string[], number[]] }> = [];
for (let i = 0; i < nStrings; i++) {
  const text = randomString(rng);
  cases.push({
    text,
    uncased: [uncased.words(text), await uncased.ids(text)],
    cased: [cased.words(text), await cased.ids(text)],
  });
}

const fixture = {
  note: 'Hugging Face tokenizers on random Unicode strings: for each casing [words of the normaliser + pre-tokeniser, WordPiece ids]. GENERATED by scripts/tokenizer-unicode-fixture.ts; rerun it to re-record.',
  tokenizers: version,
  vocab: vocabFile,
  seed,
  pools: pools.map((p) => p.name),
  cases,
};
// One case per line: small diffs when re-recorded, and still compact.
const text = `{\n${Object.entries(fixture)
  .map(([k, v]) =>
    k === 'cases' ? ` "cases": [\n${cases.map((c) => `  ${JSON.stringify(c)}`).join(',\n')}\n ]` : ` ${JSON.stringify(k)}: ${JSON.stringify(v)}`,
  )
  .join(',\n')}\n}\n`;
const out = join(fixtures, 'hf-unicode-random.json');
writeFileSync(out, text);
const unk = vocab['[UNK]'];
const stats = (key: 'uncased' | 'cased') => {
  const ids = cases.flatMap((c) => c[key][1]);
  return `${cases.reduce((s, c) => s + c[key][0].length, 0)} words, ${ids.length} tokens (${ids.filter((id) => id !== unk).length} not [UNK])`;
};
console.log(`wrote ${out}: ${cases.length} strings, ${(Buffer.byteLength(text) / 1e6).toFixed(2)} MB; uncased ${stats('uncased')}; cased ${stats('cased')}`);
