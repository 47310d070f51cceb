/**
 * A small XML well-formedness check for the SVGs the tests make (no parser dependency): every tag closed
 * in order, attributes quoted, no raw `<` or `&` in text, only the five XML entities or numeric references.
 * Returns the elements found, by name, so tests can count them.
 */
export function checkXml(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  const stack: string[] = [];
  const entity = /&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/y;
  let i = 0;
  const fail = (why: string): never => {
    const line = text.slice(0, i).split('\n').length;
    throw new Error(`not well-formed XML at line ${line}: ${why}: ${JSON.stringify(text.slice(i, i + 60))}`);
  };
  const checkText = (s: string, where: number) => {
    for (let k = 0; k < s.length; k++) {
      if (s[k] === '<') (i = where + k), fail('raw < in text');
      if (s[k] === '&') {
        entity.lastIndex = k;
        if (!entity.test(s)) (i = where + k), fail('& that starts no entity');
      }
    }
  };
  while (i < text.length) {
    const open = text.indexOf('<', i);
    if (open < 0) {
      checkText(text.slice(i), i);
      break;
    }
    checkText(text.slice(i, open), i);
    i = open;
    const close = text.indexOf('>', open);
    if (close < 0) fail('tag never closed');
    const tag = text.slice(open + 1, close);
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim();
      if (stack.pop() !== name) fail(`</${name}> does not close the open element`);
    } else {
      const selfClosing = tag.endsWith('/');
      const body = selfClosing ? tag.slice(0, -1) : tag;
      const m = body.match(/^([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*$/);
      if (!m) fail('a tag whose attributes are not all name="value"');
      for (const [, value] of m![2]!.matchAll(/="([^"]*)"/g)) checkText(value!, open);
      counts.set(m![1]!, (counts.get(m![1]!) ?? 0) + 1);
      if (!selfClosing) stack.push(m![1]!);
    }
    i = close + 1;
  }
  if (stack.length) throw new Error(`not well-formed XML: <${stack.join('>, <')}> never closed`);
  if (!text.trimStart().startsWith('<svg')) throw new Error('expected the document to start with <svg');
  return counts;
}

/** The text content of every <text> element, unescaped. */
export function texts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) =>
    m[1]!
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&amp;/g, '&'),
  );
}
