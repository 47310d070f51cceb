/**
 * Locating the first invalid byte of a UTF-8 byte string, for error messages that point at the exact byte.
 *
 * Decoding itself is done by `TextDecoder('utf-8', { fatal: true })`; this validator only runs after the
 * decoder has refused a line, to say *where*. It follows the table of well-formed byte sequences in the
 * Unicode standard (chapter 3, table 3-7):
 *
 *   U+0000..U+007F     00..7F
 *   U+0080..U+07FF     C2..DF  80..BF
 *   U+0800..U+0FFF     E0      A0..BF  80..BF
 *   U+1000..U+CFFF     E1..EC  80..BF  80..BF
 *   U+D000..U+D7FF     ED      80..9F  80..BF        (no surrogates D800..DFFF)
 *   U+E000..U+FFFF     EE..EF  80..BF  80..BF
 *   U+10000..U+3FFFF   F0      90..BF  80..BF  80..BF
 *   U+40000..U+FFFFF   F1..F3  80..BF  80..BF  80..BF
 *   U+100000..U+10FFFF F4      80..8F  80..BF  80..BF
 */

/**
 * Offset of the first byte that cannot start or continue a well-formed sequence, or -1 when `bytes` is valid.
 * For a truncated sequence at the end, the offset is that of its lead byte.
 */
export function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const b = bytes[i];
    if (b <= 0x7f) {
      i += 1;
      continue;
    }
    // Length of the sequence and the allowed range of its second byte (the later bytes are always 80..BF).
    let length: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) length = 2;
    else if (b === 0xe0) (length = 3), (lo = 0xa0);
    else if (b >= 0xe1 && b <= 0xec) length = 3;
    else if (b === 0xed) (length = 3), (hi = 0x9f);
    else if (b >= 0xee && b <= 0xef) length = 3;
    else if (b === 0xf0) (length = 4), (lo = 0x90);
    else if (b >= 0xf1 && b <= 0xf3) length = 4;
    else if (b === 0xf4) (length = 4), (hi = 0x8f);
    else return i; // 80..C1 (stray continuation or overlong lead) and F5..FF never start a sequence
    if (i + length > n) return i;
    if (bytes[i + 1] < lo || bytes[i + 1] > hi) return i;
    for (let k = 2; k < length; k++) {
      if (bytes[i + k] < 0x80 || bytes[i + k] > 0xbf) return i;
    }
    i += length;
  }
  return -1;
}
