/**
 * Compare our BERT normaliser and pre-tokeniser with the Rust `tokenizers` library itself, through its npm
 * binding (`tokenizers`, the same Rust code as the Python package), on every Unicode code point and on random
 * strings. Not part of the test suite: the binding is a native module of about 100 MB, installed outside the
 * repository:
 *
 *   mkdir /tmp/hftok && cd /tmp/hftok && npm init -y && npm i tokenizers@0.23.2
 *   cd - && npx tsx scripts/tokenizer-unicode-differential.ts /tmp/hftok [random-strings=25000]
 *
 * Prints the number of code points and strings that differ (and the first few of each); exits 1 if any do.
 */
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { normalizeText } from '../src/tokenizer/normalizer.ts';
import { preTokenize } from '../src/tokenizer/pre-tokenizer.ts';
import { Rng } from '../src/tensor/random.ts';

interface HfNormalizer {
  normalizeString(s: string): string;
}
interface HfPreTokenizer {
  preTokenizeString(s: string): Array<[string, [number, number]]>;
}
interface HfModule {
  bertNormalizer(o?: { cleanText?: boolean; handleChineseChars?: boolean; stripAccents?: boolean; lowercase?: boolean }): HfNormalizer;
  bertPreTokenizer(): HfPreTokenizer;
}

const dir = process.argv[2];
if (!dir) {
  console.error('usage: npx tsx scripts/tokenizer-unicode-differential.ts DIR [N]  (DIR: where tokenizers@0.23.2 is installed)');
  process.exit(2);
}
const nRandom = Number(process.argv[3] ?? 25000);
const hf = createRequire(join(resolve(dir), 'package.json'))('tokenizers') as HfModule;

const hfUncased = hf.bertNormalizer();
const hfCased = hf.bertNormalizer({ lowercase: false, stripAccents: false });
const hfPre = hf.bertPreTokenizer();

/** Words of `text` by both implementations, uncased and cased, as comparable strings. */
function both(text: string, lowercase: boolean): [string, string] {
  const n = (lowercase ? hfUncased : hfCased).normalizeString(text);
  const theirs = hfPre.preTokenizeString(n).map(([w]) => w);
  const ours = preTokenize(text, { lowercase }).map((w) => w.text);
  return [JSON.stringify(theirs), JSON.stringify(ours)];
}

const hexCp = (cp: number) => 'U+' + cp.toString(16).toUpperCase().padStart(4, '0');
let cpDiffs = 0;
const examples: string[] = [];
const t0 = Date.now();
for (let cp = 0; cp < 0x110000; cp++) {
  // Between two letters, so that punctuation and whitespace show as splits; a lone surrogate included.
  const text = 'a' + String.fromCharCode(...(cp < 0x10000 ? [cp] : [0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff)])) + 'b';
  for (const lowercase of [true, false]) {
    const [theirs, ours] = both(text, lowercase);
    if (theirs !== ours) {
      cpDiffs++;
      if (examples.length < 20) examples.push(`${hexCp(cp)} ${lowercase ? 'uncased' : 'cased'}: HF ${theirs} ours ${ours}`);
      break;
    }
  }
  // normalizeText must agree on its own too (the pre-tokeniser could hide a difference in whitespace).
  if (normalizeText(text) !== hfUncased.normalizeString(text) && examples.length < 20) {
    examples.push(`${hexCp(cp)} normalizeText: HF ${JSON.stringify(hfUncased.normalizeString(text))} ours ${JSON.stringify(normalizeText(text))}`);
  }
}
console.log(`code points: ${cpDiffs} of 0x110000 differ (${((Date.now() - t0) / 1000).toFixed(1)} s)`);

// Random strings: code units from the whole range (lone surrogates included), mixed with ASCII and spaces.
const rng = new Rng(16);
let strDiffs = 0;
for (let i = 0; i < nRandom; i++) {
  const len = 1 + Math.floor(rng.next() * 24);
  let s = '';
  for (let k = 0; k < len; k++) {
    const r = rng.next();
    if (r < 0.2) s += ' ';
    else if (r < 0.4) s += String.fromCharCode(97 + Math.floor(rng.next() * 26));
    else if (r < 0.7) s += String.fromCharCode(Math.floor(rng.next() * 0x10000));
    else s += String.fromCodePoint(Math.floor(rng.next() * 0x110000));
  }
  const lowercase = i % 2 === 0;
  const [theirs, ours] = both(s, lowercase);
  if (theirs !== ours) {
    strDiffs++;
    if (examples.length < 40) examples.push(`string ${JSON.stringify(s)} ${lowercase ? 'uncased' : 'cased'}: HF ${theirs} ours ${ours}`);
  }
}
console.log(`random strings: ${strDiffs} of ${nRandom} differ`);
for (const e of examples) console.log('  ' + e);
process.exit(cpDiffs + strDiffs > 0 ? 1 : 0);
