/**
 * The checker behind test/docs/links.test.ts: the links of docs/ against the files and the code markers they
 * point at (docs/README.md describes the convention).
 *
 * A marker is a comment in the code naming what the lines next to it compute:
 *     // [docs: layer-norm-backward]          (or ` * [docs: ...]` in a JSDoc block, `;; [docs: ...]` in .wat)
 * and a page links to it by file and name, with the marker's text in the link so a reader can search for it:
 *     [`docs: layer-norm-backward`](../src/ops/layer-norm.ts#docs-layer-norm-backward)
 *
 * Problems found (each names the page and line, or the file and line of the marker):
 *   - a relative link to a file or folder that does not exist;
 *   - a link `#docs-NAME` into a file that holds no marker NAME (or whose text does not show `docs: NAME`);
 *   - any other fragment on a link into code (`#L12`: line numbers drift; use a marker);
 *   - a link `page.md#heading` to a heading the page does not have;
 *   - a path written in the text (`src/ops/matmul.ts`, `test/bert/`) that does not exist;
 *   - a marker no page links to (an orphan), a marker name used twice, a malformed marker, a marker outside
 *     a comment.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** Folders whose files may hold markers (relative to the repository root). */
export const MARKER_ROOTS = ['src', 'examples', 'bench', 'scripts', 'test'];
/** Not scanned for markers: this checker and its test, which spell the syntax out. */
const MARKER_EXCLUDED = 'test/docs/';
/** File types scanned for markers. */
const MARKER_FILES = /\.(ts|mts|mjs|js|wat|py|sh)$/;
/** A marker's name: lowercase words joined by '-'. */
const MARKER_NAME = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
/** Top-level folders a path written in a page's text may start with. */
const PATH_ROOTS = ['src', 'test', 'examples', 'bench', 'scripts', 'docs'];

export interface Marker {
  name: string;
  /** Repository-relative path, forward slashes. */
  file: string;
  line: number;
}

export interface DocLink {
  /** Repository-relative path of the page. */
  page: string;
  line: number;
  text: string;
  target: string;
}

/** Every file under `dir` (recursively, in name order), skipping node_modules and dot-folders. */
function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(full));
    else out.push(full);
  }
  return out;
}

const toPosix = (p: string) => p.split('\\').join('/');

/** The markers of one file's text; problems for malformed ones or ones outside a comment. */
export function markersIn(file: string, text: string, problems: string[]): Marker[] {
  const markers: Marker[] = [];
  text.split('\n').forEach((lineText, i) => {
    for (const m of lineText.matchAll(/\[docs:([^\]]*)\]/g)) {
      const where = `${file}:${i + 1}`;
      const name = m[1].trim();
      if (m[1] !== ` ${name}` || !MARKER_NAME.test(name)) {
        problems.push(`${where}: malformed marker "${m[0]}": expected "[docs: name]" with a lowercase-and-dashes name`);
        continue;
      }
      const before = lineText.slice(0, m.index);
      if (!/(\/\/|\/\*|^\s*\*|;;|^\s*#)/.test(before)) {
        problems.push(`${where}: marker "${m[0]}" is not in a comment`);
        continue;
      }
      markers.push({ name, file, line: i + 1 });
    }
  });
  return markers;
}

/** Fenced code blocks blanked out (line count kept): links and headings inside them are not links. */
function withoutFences(text: string): string {
  const lines = text.split('\n');
  let fence: string | null = null;
  return lines
    .map((l) => {
      const m = /^\s*(```+|~~~+)/.exec(l);
      if (fence === null && m) {
        fence = m[1][0];
        return '';
      }
      if (fence !== null) {
        if (m && m[1][0] === fence) fence = null;
        return '';
      }
      return l;
    })
    .join('\n');
}

/** The inline links `[text](target)` of a page (outside fenced code). */
export function linksIn(page: string, text: string): DocLink[] {
  const links: DocLink[] = [];
  withoutFences(text)
    .split('\n')
    // A ``double-backtick`` code span shows link syntax as code (single-backtick spans may be link text).
    .map((l) => l.replace(/``.*?``/g, (c) => ' '.repeat(c.length)))
    .forEach((lineText, i) => {
      // Link text may hold code spans and one level of brackets.
      for (const m of lineText.matchAll(/\[((?:[^[\]`]|`[^`]*`|\[[^\]]*\])*)\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
        links.push({ page, line: i + 1, text: m[1], target: m[2] });
      }
    });
  return links;
}

/** GitHub's anchor for a heading: lowercase, punctuation dropped, spaces to '-'. */
export function headingSlug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors of a markdown page's headings, numbered as GitHub numbers repeated ones. */
export function headingAnchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const line of withoutFences(text).split('\n')) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const slug = headingSlug(m[1]);
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return anchors;
}

/**
 * Repository paths written in a page's prose or code (`src/ops/matmul.ts`, `test/bert/`), with their lines.
 * A path followed by `*` (`test/ops/grad-*.test.ts`) is a prefix: `glob` is set.
 */
export function pathsIn(text: string): { path: string; line: number; glob: boolean }[] {
  const found: { path: string; line: number; glob: boolean }[] = [];
  const roots = PATH_ROOTS.join('|');
  const re = new RegExp(`(?<![\\w./\\-~$])(?:${roots})/[\\w./\\-]*`, 'g');
  text.split('\n').forEach((lineText, i) => {
    for (const m of lineText.matchAll(re)) {
      // A sentence's full stop or a trailing '.' is not part of the path.
      const glob = lineText[m.index + m[0].length] === '*';
      const path = glob ? m[0] : m[0].replace(/\.+$/, '');
      found.push({ path, line: i + 1, glob });
    }
  });
  return found;
}

export interface DocCheck {
  problems: string[];
  markers: Marker[];
  links: DocLink[];
}

/**
 * Check the pages (`docs/**\/*.md`, and the links of README.md at the root when present) of the repository
 * at `root`.
 * @returns every problem as a readable line, and the markers and links found
 */
export function checkDocs(root: string): DocCheck {
  const problems: string[] = [];
  const markers: Marker[] = [];
  for (const dir of MARKER_ROOTS) {
    for (const full of walk(join(root, dir))) {
      const file = toPosix(relative(root, full));
      if (!MARKER_FILES.test(file) || file.startsWith(MARKER_EXCLUDED)) continue;
      markers.push(...markersIn(file, readFileSync(full, 'utf8'), problems));
    }
  }
  const byName = new Map<string, Marker>();
  for (const mk of markers) {
    const prev = byName.get(mk.name);
    if (prev) problems.push(`${mk.file}:${mk.line}: marker "[docs: ${mk.name}]" is already used at ${prev.file}:${prev.line}; names must be unique`);
    else byName.set(mk.name, mk);
  }

  const pages = walk(join(root, 'docs')).filter((f) => f.endsWith('.md'));
  if (existsSync(join(root, 'README.md'))) pages.push(join(root, 'README.md'));
  const links: DocLink[] = [];
  const linked = new Set<string>();
  const anchorCache = new Map<string, Set<string>>();
  for (const full of pages) {
    const page = toPosix(relative(root, full));
    const text = readFileSync(full, 'utf8');
    // Paths written in the text are checked on the pages of docs/ (the README may show placeholders).
    for (const { path, line, glob } of page.startsWith('docs/') ? pathsIn(text) : []) {
      const exists = glob
        ? existsSync(join(root, dirname(path))) && readdirSync(join(root, dirname(path))).some((f) => f.startsWith(path.slice(path.lastIndexOf('/') + 1)))
        : existsSync(join(root, path));
      if (!exists) problems.push(`${page}:${line}: the text names ${glob ? `${path}*` : path}, which does not exist`);
    }
    for (const link of linksIn(page, text)) {
      links.push(link);
      const where = `${page}:${link.line}`;
      if (/^[a-z][a-z0-9+.-]*:/i.test(link.target)) continue; // https:, mailto:
      const hash = link.target.indexOf('#');
      const pathPart = decodeURIComponent(hash < 0 ? link.target : link.target.slice(0, hash));
      const fragment = hash < 0 ? null : decodeURIComponent(link.target.slice(hash + 1));
      const targetFull = pathPart === '' ? full : resolve(dirname(full), pathPart);
      const target = toPosix(relative(root, targetFull));
      if (!existsSync(targetFull)) {
        problems.push(`${where}: link to ${link.target}: ${target} does not exist`);
        continue;
      }
      if (fragment === null) continue;
      if (statSync(targetFull).isDirectory()) {
        problems.push(`${where}: link to ${link.target}: a folder has no anchors`);
      } else if (target.endsWith('.md')) {
        let anchors = anchorCache.get(target);
        if (!anchors) anchorCache.set(target, (anchors = headingAnchors(readFileSync(targetFull, 'utf8'))));
        if (!anchors.has(fragment)) problems.push(`${where}: link to ${link.target}: ${target} has no heading with the anchor #${fragment}`);
      } else if (fragment.startsWith('docs-')) {
        const name = fragment.slice('docs-'.length);
        linked.add(name);
        const mk = byName.get(name);
        if (!mk) problems.push(`${where}: link to ${link.target}: there is no marker "[docs: ${name}]" in the code`);
        else if (mk.file !== target)
          problems.push(`${where}: link to ${link.target}: the marker "[docs: ${name}]" is in ${mk.file}:${mk.line}, not in ${target}`);
        if (!link.text.includes(`docs: ${name}`))
          problems.push(`${where}: link to ${link.target}: its text "${link.text}" must show the marker as \`docs: ${name}\``);
      } else {
        problems.push(`${where}: link to ${link.target}: a link into code names a marker (#docs-NAME), not #${fragment}`);
      }
    }
  }
  for (const mk of byName.values()) {
    if (!linked.has(mk.name)) problems.push(`${mk.file}:${mk.line}: marker "[docs: ${mk.name}]" is not linked from any page in docs/ (an orphan)`);
  }
  return { problems, markers, links };
}
