/**
 * Base64 to bytes in plain JavaScript, so that the compiled kernel loads where Node's Buffer does not exist
 * (a browser page or Web Worker). RFC 4648's alphabet, `=` padding optional; anything else is an error.
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const VALUE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUE[ALPHABET.charCodeAt(i)] = i;

/** The bytes `text` encodes. @throws naming the first character outside the alphabet and its index */
export function decodeBase64(text: string): Uint8Array {
  let end = text.length;
  while (end > 0 && text[end - 1] === '=') end--;
  if (end % 4 === 1) throw new Error(`base64: ${end} characters before the padding cannot encode whole bytes`);
  const out = new Uint8Array(Math.floor((end * 3) / 4));
  let acc = 0,
    bits = 0,
    o = 0;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? VALUE[c]! : -1;
    if (v < 0) throw new Error(`base64: expected a character of A-Z a-z 0-9 + /, found "${text[i]}" at index ${i}`);
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}
