/**
 * Character classes used by BERT's normaliser and pre-tokeniser, on Unicode code points.
 *
 * These follow Hugging Face `tokenizers` (BertNormalizer / BertPreTokenizer), which differ in small ways from
 * Google's `tokenization.py`:
 * - whitespace: tab, newline, carriage return, and every character with the Unicode `White_Space` property
 *   (Python's `isspace` also accepts U+001C..U+001F; Hugging Face, and we, treat those as control characters);
 * - control: general category Cc, Cf or Co (except tab, newline, carriage return). Cf includes the zero-width
 *   space U+200B and the byte order mark U+FEFF, which are therefore removed;
 * - punctuation: the four ASCII symbol ranges `!"#$%&'()*+,-./`, `:;<=>?@`, `[\]^_\``, `{|}~` and every
 *   character of general category P* (so `$`, `+`, `^` are punctuation although Unicode calls them symbols);
 * - CJK ideographs: the CJK Unified Ideographs blocks and extensions as Hugging Face lists them (note that it
 *   starts extension E at U+2B920, where Google's list starts at U+2B820);
 * - non-spacing marks (Mn) are what accent stripping removes after NFD decomposition.
 *
 * Categories come from the JavaScript engine's Unicode tables (`\p{...}` regular expressions). Hugging Face's
 * Rust tables are older, so characters assigned in recent Unicode versions can be classified differently there.
 */

export const CLASS_WHITESPACE = 1;
export const CLASS_CONTROL = 2;
export const CLASS_PUNCTUATION = 4;
export const CLASS_CJK = 8;
export const CLASS_MARK_NONSPACING = 16;
const CLASS_KNOWN = 128;

const CONTROL_RE = /^[\p{Cc}\p{Cf}\p{Co}]$/u;
const PUNCT_RE = /^\p{P}$/u;
const MN_RE = /^\p{Mn}$/u;

/** The `White_Space` property: a short, stable list. */
function isUnicodeWhiteSpace(cp: number): boolean {
  return (
    (cp >= 0x09 && cp <= 0x0d) ||
    cp === 0x20 ||
    cp === 0x85 ||
    cp === 0xa0 ||
    cp === 0x1680 ||
    (cp >= 0x2000 && cp <= 0x200a) ||
    cp === 0x2028 ||
    cp === 0x2029 ||
    cp === 0x202f ||
    cp === 0x205f ||
    cp === 0x3000
  );
}

function isAsciiPunctuation(cp: number): boolean {
  return (cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126);
}

/** True for the CJK ideograph blocks that BERT puts spaces around. */
export function isCjkIdeograph(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b920 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

function computeClass(cp: number): number {
  const ch = String.fromCodePoint(cp);
  let c = CLASS_KNOWN;
  if (cp === 9 || cp === 10 || cp === 13) return c | CLASS_WHITESPACE;
  if (isUnicodeWhiteSpace(cp)) c |= CLASS_WHITESPACE;
  if (CONTROL_RE.test(ch)) c |= CLASS_CONTROL;
  // [docs: bert-punctuation] The ASCII symbol ranges ($, +, ^ ... count) and every Unicode P* character.
  if (isAsciiPunctuation(cp) || PUNCT_RE.test(ch)) c |= CLASS_PUNCTUATION;
  if (isCjkIdeograph(cp)) c |= CLASS_CJK;
  if (MN_RE.test(ch)) c |= CLASS_MARK_NONSPACING;
  return c;
}

/** Lazily filled class table for the whole code space (1.1 MB; each entry computed on first use). */
const table = new Uint8Array(0x110000);

/** Bit set of CLASS_* flags for a code point. */
export function charClass(cp: number): number {
  let c = table[cp];
  if (c === 0) {
    c = computeClass(cp);
    table[cp] = c;
  }
  return c;
}

/** BERT whitespace: tab, newline, carriage return or Unicode White_Space. */
export function isBertWhitespace(cp: number): boolean {
  return (charClass(cp) & CLASS_WHITESPACE) !== 0;
}

/** BERT control character (removed by text cleaning): Cc, Cf or Co, but not tab/newline/carriage return. */
export function isBertControl(cp: number): boolean {
  return (charClass(cp) & CLASS_CONTROL) !== 0;
}

/** BERT punctuation: ASCII symbol ranges or Unicode P*. Each one becomes a word of its own. */
export function isBertPunctuation(cp: number): boolean {
  return (charClass(cp) & CLASS_PUNCTUATION) !== 0;
}

/** Non-spacing mark (Mn): removed by accent stripping. */
export function isNonspacingMark(cp: number): boolean {
  return (charClass(cp) & CLASS_MARK_NONSPACING) !== 0;
}

/** True when a string holds any UTF-16 surrogate, i.e. code unit and code point indices may differ. */
export function hasSurrogates(text: string): boolean {
  return /[\uD800-\uDFFF]/.test(text);
}

/**
 * Map from UTF-16 index to code point index for `text`: `map[i]` is the number of code points before unit `i`
 * (length `text.length + 1`). A lone surrogate counts as one code point, as JavaScript iteration does.
 */
export function utf16ToCodePointMap(text: string): Int32Array {
  const map = new Int32Array(text.length + 1);
  let cp = 0;
  for (let i = 0; i < text.length; i++) {
    map[i] = cp;
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        map[i + 1] = cp; // the low half belongs to the same code point
        i++;
      }
    }
    cp++;
  }
  map[text.length] = cp;
  return map;
}
