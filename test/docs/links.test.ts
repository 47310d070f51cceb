/**
 * The docs cannot drift from the code (docs/README.md, "Links into the code"): every link of docs/ (and of
 * README.md) points at a file that exists, every `#docs-NAME` link at a marker `[docs: NAME]` in that file,
 * every path written in a page exists, and every marker in the code is linked from some page.
 * The first test checks the repository; the others build small repositories that break one rule each, so
 * the checker is seen to fail.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { checkDocs, headingSlug } from './doc-links.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

describe('the docs and the code', () => {
  it('every link, marker and path of docs/ resolves, and every marker in the code is linked', () => {
    const { problems, markers, links } = checkDocs(ROOT);
    expect(problems).toEqual([]);
    // Not vacuous: the pages link to the code through markers.
    expect(markers.length).toBeGreaterThan(80);
    expect(links.filter((l) => l.target.includes('#docs-')).length).toBeGreaterThanOrEqual(markers.length);
  });
});

describe('the checker fails on broken links', () => {
  let dir = '';
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A repository of the given files (path -> text); returns the checker's problems. */
  function problemsOf(files: Record<string, string>): string[] {
    dir = mkdtempSync(join(tmpdir(), 'doc-links-'));
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    return checkDocs(dir).problems;
  }

  const code = ['/**', ' * [docs: layer-norm-backward]', ' * gradX = rstd * (...)', ' */', 'export function f() {}', '// [docs: other-rule]', ''].join('\n');
  const page = [
    '# Page',
    '## A heading',
    'Backward: [`docs: layer-norm-backward`](../src/ops/layer-norm.ts#docs-layer-norm-backward),',
    'other: [`docs: other-rule`](../src/ops/layer-norm.ts#docs-other-rule), see [here](#a-heading).',
    '',
  ].join('\n');

  it('a consistent repository has no problems', () => {
    expect(problemsOf({ 'src/ops/layer-norm.ts': code, 'docs/page.md': page })).toEqual([]);
  });

  it('a link to a marker that is not in the code (the marker renamed)', () => {
    const renamed = code.replace('[docs: layer-norm-backward]', '[docs: layer-norm-grad]');
    const problems = problemsOf({ 'src/ops/layer-norm.ts': renamed, 'docs/page.md': page });
    expect(problems).toContain(
      'docs/page.md:3: link to ../src/ops/layer-norm.ts#docs-layer-norm-backward: there is no marker "[docs: layer-norm-backward]" in the code',
    );
    // ... and the renamed marker is now an orphan.
    expect(problems).toContain('src/ops/layer-norm.ts:2: marker "[docs: layer-norm-grad]" is not linked from any page in docs/ (an orphan)');
  });

  it('a link to a marker that lives in another file', () => {
    const problems = problemsOf({
      'src/ops/layer-norm.ts': code,
      'src/ops/other.ts': '',
      'docs/page.md': page.replace('layer-norm.ts#docs-other-rule', 'other.ts#docs-other-rule'),
    });
    expect(problems).toEqual([
      'docs/page.md:4: link to ../src/ops/other.ts#docs-other-rule: the marker "[docs: other-rule]" is in src/ops/layer-norm.ts:6, not in src/ops/other.ts',
    ]);
  });

  it('a link to a file that does not exist', () => {
    const problems = problemsOf({ 'src/ops/layer-norm.ts': code, 'docs/page.md': `${page}Moved: [code](../src/bert/parameter-count.ts).\n` });
    expect(problems).toEqual(['docs/page.md:5: link to ../src/bert/parameter-count.ts: src/bert/parameter-count.ts does not exist']);
  });

  it('a path written in the text that does not exist, and a glob with no match', () => {
    const problems = problemsOf({
      'src/ops/layer-norm.ts': code,
      'docs/page.md': `${page}In \`src/backend/cpu.ts\` and src/ops/layer-norm.ts; tests \`test/ops/grad-*.test.ts\`.\n`,
    });
    expect(problems).toEqual([
      'docs/page.md:5: the text names src/backend/cpu.ts, which does not exist',
      'docs/page.md:5: the text names test/ops/grad-*, which does not exist',
    ]);
  });

  it('a marker no page links to (an orphan)', () => {
    const problems = problemsOf({ 'src/ops/layer-norm.ts': `${code}// [docs: unlinked]\n`, 'docs/page.md': page });
    expect(problems).toEqual(['src/ops/layer-norm.ts:7: marker "[docs: unlinked]" is not linked from any page in docs/ (an orphan)']);
  });

  it('a malformed marker, a marker outside a comment, and a name used twice', () => {
    const problems = problemsOf({
      'src/ops/layer-norm.ts': `${code}// [docs: Bad_Name]\nconst s = '[docs: in-a-string]';\n`,
      'src/ops/z-copy.ts': '// [docs: other-rule]\n',
      'docs/page.md': page,
    });
    expect(problems).toEqual([
      'src/ops/layer-norm.ts:7: malformed marker "[docs: Bad_Name]": expected "[docs: name]" with a lowercase-and-dashes name',
      'src/ops/layer-norm.ts:8: marker "[docs: in-a-string]" is not in a comment',
      'src/ops/z-copy.ts:1: marker "[docs: other-rule]" is already used at src/ops/layer-norm.ts:6; names must be unique',
    ]);
  });

  it('a line-number link into code, a link text without the marker, and a missing heading', () => {
    const broken = page
      .replace('#docs-other-rule)', '#L12)')
      .replace('[`docs: layer-norm-backward`]', '[the backward]')
      .replace('(#a-heading)', '(#no-such-heading)');
    const problems = problemsOf({ 'src/ops/layer-norm.ts': code.replace('// [docs: other-rule]', ''), 'docs/page.md': broken });
    expect(problems).toEqual([
      'docs/page.md:3: link to ../src/ops/layer-norm.ts#docs-layer-norm-backward: its text "the backward" must show the marker as `docs: layer-norm-backward`',
      'docs/page.md:4: link to ../src/ops/layer-norm.ts#L12: a link into code names a marker (#docs-NAME), not #L12',
      'docs/page.md:4: link to #no-such-heading: docs/page.md has no heading with the anchor #no-such-heading',
    ]);
  });

  it('anchors follow GitHub: lowercase, punctuation and backticks dropped, spaces to dashes', () => {
    expect(headingSlug('The seam: `dispatch`')).toBe('the-seam-dispatch');
    expect(headingSlug('2. Masking: 15%, then 80/10/10')).toBe('2-masking-15-then-801010');
    expect(headingSlug('Una entrada en español')).toBe('una-entrada-en-español');
  });
});
