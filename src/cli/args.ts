/**
 * A small, strict command-line parser shared by every `bert` subcommand, and the one place where flag values
 * are checked.
 *
 * Flags look like `--name value`, `--name=value` or a bare `--flag` (boolean). Anything that does not start
 * with `--` is a positional argument. Each command declares its flags so that a misspelt flag is an error
 * that names the flags the command does accept, instead of being silently ignored. The declaration also
 * says what a value may be, checked here before the command runs:
 *
 * - every number flag declares its range (whole number or not, bounds): `--lr -1` or `--grad-accum 0` is an
 *   error naming the flag, the range and the value, never a run that silently goes wrong;
 * - path flags say whether they name an existing file or directory, or where output goes (`--out` must not
 *   be a file when it is a directory of results);
 * - the command's rules say how many positional arguments it takes (a stray `200` in `--steps 2 200` is an
 *   error), which flags exclude each other and which need another.
 *
 * A flag given twice is an error too (except lists, whose values add up): the second would silently win.
 */
import { statSync, type Stats } from 'node:fs';

/** Allowed values of a number flag (each value, for a list of numbers). */
export interface NumberRange {
  /** Whole numbers only. */
  integer?: boolean;
  /** Smallest allowed value. */
  min?: number;
  /** Values must be greater than this (a learning rate: above 0). */
  above?: number;
  /** Largest allowed value. */
  max?: number;
}

/** The ranges most flags use, by name. */
export const RANGES = {
  /** Steps, sizes, counts: 1, 2, 3, ... */
  count: { integer: true, min: 1 },
  /** Counts where 0 means "off". */
  countOrOff: { integer: true, min: 0 },
  /** Learning rates, clipping norms, epsilons: any number above 0. */
  positive: { above: 0 },
  /** Weight decay: 0 or more. */
  nonNegative: { min: 0 },
  /** Probabilities and ratios. */
  fraction: { min: 0, max: 1 },
  /** Seeds of the random generators. */
  seed: { integer: true, min: 0 },
  /** Any finite number (a threshold that may be negative). */
  any: {},
} satisfies Record<string, NumberRange>;

/**
 * What a path flag names: an existing file or directory to read (`file`, `dir`), or where output goes
 * (`out-dir`: a directory, created when missing; `out-file`: a file, not a directory).
 */
export type PathRole = 'file' | 'dir' | 'out-dir' | 'out-file';

interface FlagBase {
  help: string;
  default?: string | number | boolean;
}

/** One flag's declaration. Number flags (and lists of numbers) must say their range. */
export type FlagSpec =
  | (FlagBase & { kind: 'number'; range: NumberRange })
  | (FlagBase & { kind: 'numbers'; range: NumberRange })
  | (FlagBase & { kind: 'string'; path?: PathRole })
  | (FlagBase & { kind: 'list'; path?: PathRole })
  | (FlagBase & { kind: 'boolean' });

export type FlagKind = FlagSpec['kind'];

/** Rules about a command's arguments as a whole. */
export interface ArgRules {
  /** Positional arguments the command takes (default none) and, for messages, what they are. */
  positionals?: { min?: number; max?: number; what?: string };
  /** Flags that cannot be given together; `why` is added to the message. */
  exclusive?: { flags: [string, string]; why?: string }[];
  /** A flag that means nothing without another one. */
  needs?: { flag: string; needs: string; why?: string }[];
}

export interface ParsedArgs {
  flags: Record<string, string | number | boolean | string[] | number[] | undefined>;
  positionals: string[];
  /** Flags given on the command line (not just defaulted). */
  given: Set<string>;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** "a whole number >= 1", "a number > 0", "a number from 0 to 1": the range in words. */
export function describeRange(r: NumberRange): string {
  const what = r.integer ? 'a whole number' : 'a number';
  const lower = r.above !== undefined ? `> ${r.above}` : r.min !== undefined ? `>= ${r.min}` : '';
  if (r.min !== undefined && r.max !== undefined) return `${what} from ${r.min} to ${r.max}`;
  if (lower && r.max !== undefined) return `${what} ${lower} and <= ${r.max}`;
  if (lower) return `${what} ${lower}`;
  if (r.max !== undefined) return `${what} <= ${r.max}`;
  return what;
}

/** `value` parsed as a number in `range`, or a UsageError naming the flag, the range and the value. */
function parseNumber(name: string, value: string, range: NumberRange): number {
  const n = value.trim() === '' ? NaN : Number(value);
  const ok =
    Number.isFinite(n) &&
    (!range.integer || Number.isInteger(n)) &&
    (range.min === undefined || n >= range.min) &&
    (range.above === undefined || n > range.above) &&
    (range.max === undefined || n <= range.max);
  if (!ok) throw new UsageError(`--${name} expects ${describeRange(range)}, got ${JSON.stringify(value)}`);
  return n;
}

/**
 * Parse `argv` against the declared flags and check it: values, ranges, paths, positionals, and the rules.
 * `list` flags take every value up to the next `--flag`; `numbers` flags also split values on commas.
 */
export function parseArgs(argv: string[], spec: Record<string, FlagSpec>, rules: ArgRules = {}): ParsedArgs {
  const flags: ParsedArgs['flags'] = {};
  const positionals: string[] = [];
  const given = new Set<string>();
  /** The flag and value just before each positional, for the message about a stray one. */
  let previous = '';
  for (const [name, s] of Object.entries(spec)) if (s.default !== undefined) flags[name] = s.default;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      checkPositional(positionals.length, arg, previous, rules);
      positionals.push(arg);
      previous = '';
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    const s = spec[name];
    if (!s) {
      const known = Object.keys(spec)
        .map((k) => `--${k}`)
        .join(', ');
      throw new UsageError(`unknown flag --${name}; expected one of: ${known || '(none)'}`);
    }
    const repeatable = s.kind === 'list' || s.kind === 'numbers';
    if (given.has(name) && !repeatable) throw new UsageError(`--${name} is given twice; give it once`);
    given.add(name);
    const inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
    if (s.kind === 'boolean') {
      if (inline !== undefined && !['true', 'false', '1', '0'].includes(inline)) {
        throw new UsageError(`--${name} is a switch: give it alone, or as --${name}=true / --${name}=false; got "${inline}"`);
      }
      flags[name] = inline === undefined || inline === 'true' || inline === '1';
      previous = inline === undefined ? `--${name}` : '';
      continue;
    }
    if (s.kind === 'list' || s.kind === 'numbers') {
      const values: string[] = inline !== undefined ? [inline] : [];
      while (i + 1 < argv.length && !argv[i + 1].startsWith('--')) values.push(argv[++i]);
      if (values.length === 0) throw new UsageError(`--${name} expects at least one value`);
      const prev = flags[name];
      if (s.kind === 'list') {
        flags[name] = Array.isArray(prev) ? [...(prev as string[]), ...values] : values;
      } else {
        const parts = values.flatMap((v) => v.split(',')).filter((v) => v !== '');
        const numbers = parts.map((v) => parseNumber(name, v, s.range));
        if (numbers.length === 0) throw new UsageError(`--${name} expects at least one number`);
        flags[name] = Array.isArray(prev) ? [...(prev as number[]), ...numbers] : numbers;
      }
      previous = '';
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${name} expects a value`);
    flags[name] = s.kind === 'number' ? parseNumber(name, value, s.range) : value;
    previous = inline === undefined ? `--${name} ${value}` : arg;
  }
  const min = rules.positionals?.min ?? 0;
  if (positionals.length < min) {
    const what = rules.positionals?.what ?? 'argument';
    throw new UsageError(`expected ${min === 1 ? `a ${what}` : `${min} ${what}s`}, got ${positionals.length === 0 ? 'none' : positionals.length}`);
  }
  for (const {
    flags: [a, b],
    why,
  } of rules.exclusive ?? []) {
    if (given.has(a) && given.has(b)) throw new UsageError(`--${a} and --${b} cannot be used together${why ? `: ${why}` : ''}`);
  }
  for (const { flag, needs, why } of rules.needs ?? []) {
    if (given.has(flag) && !given.has(needs)) throw new UsageError(`--${flag} needs --${needs}${why ? `: ${why}` : ''}`);
  }
  for (const [name, s] of Object.entries(spec)) {
    if ((s.kind === 'string' || s.kind === 'list') && s.path && flags[name] !== undefined) {
      const v = flags[name] as string | string[];
      for (const p of Array.isArray(v) ? v : [v]) checkPath(name, p, s.path);
    }
  }
  return { flags, positionals, given };
}

function checkPositional(index: number, arg: string, previous: string, rules: ArgRules): void {
  const max = rules.positionals?.max ?? 0;
  if (index < max) return;
  const isSwitch = previous !== '' && !previous.includes(' ') && !previous.includes('=');
  const after = !previous
    ? ''
    : isSwitch
      ? ` after ${previous} (a switch takes no value; write ${previous}=false to turn it off)`
      : ` after ${previous} (a flag takes one value; quote a value that has spaces)`;
  const expected = max === 0 ? `this command takes no positional arguments` : `at most ${max} ${rules.positionals?.what ?? 'argument'}${max === 1 ? '' : 's'}`;
  throw new UsageError(`unexpected argument ${JSON.stringify(arg)}${after}; ${expected}`);
}

/** Check a path flag's value against its role: what must exist, what must not be a file or a directory. */
function checkPath(name: string, path: string, role: PathRole): void {
  if (path === '') throw new UsageError(`--${name} expects a path, got an empty string`);
  let st: Stats | undefined;
  try {
    st = statSync(path, { throwIfNoEntry: false });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOTDIR') throw new UsageError(`--${name}: cannot use ${path}: ${(err as Error).message}`);
    // A folder on the path is a file.
    if (role === 'out-dir' || role === 'out-file') throw new UsageError(`--${name}: ${path} cannot be created: a folder on its path is a file`);
    throw new UsageError(`--${name}: ${path} does not exist (a folder on its path is a file)`);
  }
  switch (role) {
    case 'file':
      if (!st) throw new UsageError(`--${name}: ${path} does not exist`);
      if (st.isDirectory()) throw new UsageError(`--${name}: ${path} is a directory; expected a file`);
      return;
    case 'dir':
      if (!st) throw new UsageError(`--${name}: ${path} does not exist`);
      if (!st.isDirectory()) throw new UsageError(`--${name}: ${path} is a file; expected a directory`);
      return;
    case 'out-dir':
      if (st && !st.isDirectory()) throw new UsageError(`--${name}: ${path} is a file; expected a directory to write into (it is created when missing)`);
      return;
    case 'out-file':
      if (st?.isDirectory()) throw new UsageError(`--${name}: ${path} is a directory; expected the path of a file to write`);
      return;
  }
}

/**
 * Only the flags the command line gave, without the declared defaults. A resumed run (`--resume`) reads its
 * options from its checkpoint, and there a flag left out means "as the run was started": passing the
 * default instead would change the run (or refuse it as another one) for a flag the user never typed.
 */
export function givenFlags(parsed: ParsedArgs): ParsedArgs['flags'] {
  return Object.fromEntries([...parsed.given].map((name) => [name, parsed.flags[name]]));
}

/** Render the flag table for `bert <command> --help`. */
export function formatFlags(spec: Record<string, FlagSpec>): string {
  const rows = Object.entries(spec).map(([name, s]) => {
    const value = s.kind === 'boolean' ? '' : s.kind === 'list' || s.kind === 'numbers' ? ' VALUE...' : ' VALUE';
    const range = s.kind === 'number' || s.kind === 'numbers' ? `; ${describeRange(s.range)}` : '';
    const def = s.default !== undefined && s.kind !== 'boolean' ? `; default ${s.default}` : '';
    return [`  --${name}${value}`, `${s.help}${range || def ? ` (${(range + def).slice(2)})` : ''}`];
  });
  const width = Math.max(0, ...rows.map((r) => r[0].length)) + 2;
  return rows.map(([a, b]) => a.padEnd(width) + b).join('\n');
}

/** Read a required flag or fail with a usage error that names it. */
export function required<T>(flags: ParsedArgs['flags'], name: string): T {
  const v = flags[name];
  if (v === undefined) throw new UsageError(`missing required flag --${name}`);
  return v as T;
}
