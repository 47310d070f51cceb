/**
 * JavaScript strings are UTF-16; safetensors headers are UTF-8. Two places where that difference shows:
 *
 * 1. A string may hold half of a surrogate pair (a "lone surrogate", e.g. '\ud800'). UTF-8 cannot encode it:
 *    TextEncoder silently writes U+FFFD instead, so a tensor named 'w\ud800' would come back as 'w\ufffd'.
 *    The reference reader refuses such strings (even written as the escape "\ud800"), so we refuse them too.
 *
 * 2. Order. `a < b` compares UTF-16 code units; Rust compares Strings by their UTF-8 bytes, which is the order
 *    of code points. They disagree when a character at or above U+10000 (stored as a surrogate pair,
 *    0xD800-0xDFFF) meets one in U+E000..U+FFFF: '😀' (U+1F600 = D83D DE00) < '～' (U+FF5E) in UTF-16 but not
 *    in UTF-8. The reference writer orders tensors by name in UTF-8 order, so to write the same bytes we do too.
 */

/** The engine's own check where it has one (Node 20+: instant for strings of Latin-1 characters). */
const isWellFormed = (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed;

/** Index of the first unpaired surrogate code unit in `s`, or -1 when `s` is valid Unicode. */
export function firstLoneSurrogate(s: string): number {
  if (isWellFormed?.call(s)) return -1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c <= 0xdbff) {
      const next = s.charCodeAt(i + 1); // NaN past the end
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++; // a proper pair
        continue;
      }
    }
    return i;
  }
  return -1;
}

/**
 * Compare two valid Unicode strings in the order of their UTF-8 bytes (= code point order), as Rust's
 * `String::cmp` does. Code units compare as code points except that surrogates (which stand for U+10000 and
 * above) must come after U+E000..U+FFFF: shift them above it.
 */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

/** D800-DFFF -> F800-FFFF, E000-FFFF -> D800-F7FF, the rest unchanged. */
function codePointRank(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit < 0xe000 ? unit + 0x2000 : unit - 0x800;
}

/**
 * Length in UTF-8 bytes of `JSON.stringify(s)` for a valid Unicode string, counted without building it (the
 * writer checks a header's size this way before spending time and memory on a header it must refuse).
 * JSON.stringify escapes '"' and '\' as two characters, \b \t \n \f \r as two, other controls as \u00XX.
 */
export function jsonStringUtf8Length(s: string): number {
  if (!/[^\x20\x21\x23-\x5b\x5d-\x7e]/.test(s)) return s.length + 2; // printable ASCII, nothing to escape
  let n = 2; // the quotes
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22 || c === 0x5c) n += 2;
    else if (c < 0x20) n += c === 0x08 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d ? 2 : 6;
    else if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4; // a surrogate pair: one character of 4 bytes
      i++;
    } else n += 3;
  }
  return n;
}

/** Bytes of valid Unicode `s` in UTF-8, counted without encoding it. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4; // a surrogate pair: one 4-byte character
      i++;
    } else n += 3;
  }
  return n;
}
