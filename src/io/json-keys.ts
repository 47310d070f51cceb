/**
 * `JSON.parse` keeps the last of two equal keys without a word. A safetensors header with the same tensor
 * name twice is broken (two tensors claim one name), so the reader looks for repeated keys itself with this
 * small scanner. It runs on text that `JSON.parse` has already accepted, so it only has to tell keys from
 * values: in valid JSON a string is a key exactly when the next non-blank character is ':'.
 */

export interface DuplicateKey {
  key: string;
  /** Keys of the enclosing objects, outermost first ([] for a duplicate at the top level). */
  path: string[];
}

/** The first key that appears twice in one object of the (valid) JSON `text`, or null if there is none. */
export function findDuplicateKey(text: string): DuplicateKey | null {
  // One frame per open '{' or '[': the keys seen so far (null for arrays) and the key that opened it.
  const stack: { keys: Set<string> | null; name: string }[] = [];
  let lastKey = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1; // skip escapes such as \" and \\
      const raw = text.slice(i, j + 1);
      i = j + 1;
      let k = i;
      while (k < text.length && (text[k] === ' ' || text[k] === '\n' || text[k] === '\r' || text[k] === '\t')) k++;
      const top = stack[stack.length - 1];
      if (text[k] === ':' && top?.keys) {
        const key = JSON.parse(raw) as string;
        if (top.keys.has(key)) return { key, path: stack.slice(1).map((f) => f.name) };
        top.keys.add(key);
        lastKey = key;
      }
      continue;
    }
    if (c === '{' || c === '[') stack.push({ keys: c === '{' ? new Set() : null, name: lastKey });
    else if (c === '}' || c === ']') stack.pop();
    i++;
  }
  return null;
}
