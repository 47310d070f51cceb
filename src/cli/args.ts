/**
 * A small, strict command-line parser shared by every `bert` subcommand.
 *
 * Flags look like `--name value`, `--name=value` or a bare `--flag` (boolean). Anything that does not start
 * with `--` is a positional argument. Each command declares its flags so that a misspelt flag is an error
 * that names the flags the command does accept, instead of being silently ignored.
 */

export type FlagKind = 'string' | 'number' | 'boolean' | 'list';

export interface FlagSpec {
  kind: FlagKind;
  help: string;
  default?: string | number | boolean;
}

export interface ParsedArgs {
  flags: Record<string, string | number | boolean | string[] | undefined>;
  positionals: string[];
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Parse `argv` against the declared flags; `list` flags take every value up to the next `--flag`. */
export function parseArgs(argv: string[], spec: Record<string, FlagSpec>): ParsedArgs {
  const flags: ParsedArgs['flags'] = {};
  const positionals: string[] = [];
  for (const [name, s] of Object.entries(spec)) if (s.default !== undefined) flags[name] = s.default;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    const s = spec[name];
    if (!s) {
      const known = Object.keys(spec).map((k) => `--${k}`).join(', ');
      throw new UsageError(`unknown flag --${name}; expected one of: ${known || '(none)'}`);
    }
    const inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
    if (s.kind === 'boolean') {
      flags[name] = inline === undefined ? true : inline !== 'false' && inline !== '0';
      continue;
    }
    if (s.kind === 'list') {
      const values: string[] = inline !== undefined ? [inline] : [];
      while (i + 1 < argv.length && !argv[i + 1].startsWith('--')) values.push(argv[++i]);
      if (values.length === 0) throw new UsageError(`--${name} expects at least one value`);
      const prev = flags[name];
      flags[name] = Array.isArray(prev) ? [...prev, ...values] : values;
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${name} expects a value`);
    if (s.kind === 'number') {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new UsageError(`--${name} expects a number, got "${value}"`);
      flags[name] = n;
    } else {
      flags[name] = value;
    }
  }
  return { flags, positionals };
}

/** Render the flag table for `bert <command> --help`. */
export function formatFlags(spec: Record<string, FlagSpec>): string {
  const rows = Object.entries(spec).map(([name, s]) => {
    const value = s.kind === 'boolean' ? '' : s.kind === 'list' ? ' VALUE...' : ' VALUE';
    const def = s.default !== undefined && s.kind !== 'boolean' ? ` (default ${s.default})` : '';
    return [`  --${name}${value}`, `${s.help}${def}`];
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
