/**
 * What `JSON.parse` does not tell about a safetensors header, found in one pass over its text:
 *
 *   - how deeply it nests. Checked before parsing: from a 100 MB header of '[' JSON.parse would build 50 million
 *     arrays, and any code that walks the result recursively (JSON.stringify in an error message) overflows
 *     the stack. The reference reader's JSON parser (serde_json) stops at 128 levels; so do we.
 *   - a key repeated within one object: JSON.parse keeps the last one without a word.
 *   - how each number of `shape` and `data_offsets` is written: JSON.parse reads 4.0, 4e0 and -0 as the integers
 *     4 and 0, and 18446744073709551616 as a rounded float; the format wants digits only (the reference reads
 *     those fields as unsigned integers and refuses anything else).
 *   - strings holding an unpaired surrogate escape ("\ud800"): JSON.parse accepts them, UTF-8 cannot hold them,
 *     the reference refuses them.
 *
 * The scan never throws and never loops on text that is not JSON; what it reports means something once
 * JSON.parse has accepted the text (except `tooDeep`, which is checked first).
 */
import { firstLoneSurrogate } from './unicode.ts';

/** The reference reader refuses a header that nests 128 levels (serde_json's recursion limit). */
export const MAX_JSON_DEPTH = 127;

export interface HeaderScan {
  /** The first place where the nesting passes MAX_JSON_DEPTH (index into the text). */
  tooDeep: { depth: number; index: number } | null;
  /** The first key that appears twice in one object; `path` holds the keys of the enclosing objects. */
  duplicate: { key: string; path: string[] } | null;
  /** The first string with an unpaired surrogate escape, as written. */
  loneSurrogate: { index: number; raw: string } | null;
  /**
   * Numbers of `shape` and `data_offsets` lists written other than as plain digits, or with 16 digits or more
   * (which a JavaScript number may not hold exactly), as written: tensor name -> 'shape[1]' -> '4.0'.
   */
  rawNumbers: Map<string, Map<string, string>>;
}

interface Frame {
  /** Keys seen so far for an object, null for an array. */
  keys: Set<string> | null;
  /** The key this container is the value of ('' inside an array or at the top). */
  name: string;
  /** For arrays: commas seen so far, i.e. the index of the current element. */
  index: number;
}

const PLAIN_INTEGER = /^(0|[1-9][0-9]{0,14})$/; // 15 digits: always below 2^53

/** Scan `text` (the decoded header). */
export function scanHeader(text: string): HeaderScan {
  const out: HeaderScan = { tooDeep: null, duplicate: null, loneSurrogate: null, rawNumbers: new Map() };
  const stack: Frame[] = [];
  let lastKey = '';
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const end = closingQuote(text, i);
      if (end < 0) return out; // unterminated: JSON.parse will say so
      const raw = text.slice(i, end + 1);
      let value = raw.slice(1, -1);
      if (raw.includes('\\')) {
        try {
          value = JSON.parse(raw) as string;
        } catch {
          return out; // a bad escape: JSON.parse will say so
        }
        if (!out.loneSurrogate && firstLoneSurrogate(value) >= 0) out.loneSurrogate = { index: i, raw };
      }
      i = end + 1;
      const top = stack[stack.length - 1];
      if (top?.keys && text.charCodeAt(skipBlanks(text, i)) === 0x3a /* : */) {
        if (top.keys.has(value) && !out.duplicate) out.duplicate = { key: value, path: stack.slice(1).map((f) => f.name) };
        top.keys.add(value);
        lastKey = value;
      }
      continue;
    }
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      const parent = stack[stack.length - 1];
      stack.push({ keys: c === 0x7b ? new Set() : null, name: parent?.keys ? lastKey : '', index: 0 });
      if (stack.length > MAX_JSON_DEPTH) {
        out.tooDeep = { depth: stack.length, index: i };
        return out;
      }
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top && !top.keys) top.index++;
    } else if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
      let end = i + 1;
      while (end < text.length && isNumberChar(text.charCodeAt(end))) end++;
      const raw = text.slice(i, end);
      // a number directly in the shape or data_offsets list of a tensor entry: {"name": {"shape": [2, 3]}}
      const list = stack[2];
      if (stack.length === 3 && !list.keys && stack[1].keys && stack[0].keys && (list.name === 'shape' || list.name === 'data_offsets')) {
        if (!PLAIN_INTEGER.test(raw)) {
          const tensor = stack[1].name;
          if (!out.rawNumbers.has(tensor)) out.rawNumbers.set(tensor, new Map());
          out.rawNumbers.get(tensor)!.set(`${list.name}[${list.index}]`, raw);
        }
      }
      i = end;
      continue;
    }
    i++;
  }
  return out;
}

/** Index of the quote that closes the string opening at `start`, or -1. */
function closingQuote(text: string, start: number): number {
  let at = start + 1;
  for (;;) {
    const q = text.indexOf('"', at);
    if (q < 0) return -1;
    let backslashes = 0;
    while (text.charCodeAt(q - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return q;
    at = q + 1;
  }
}

function skipBlanks(text: string, i: number): number {
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    i++;
  }
  return i;
}

/** Digits, '.', 'e', 'E', '+', '-'. */
function isNumberChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === 0x2d;
}
