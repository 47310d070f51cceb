/**
 * Every number flag of every `bert` command declares its range once (src/cli/args.ts), and the parser holds
 * it: values just outside the range (below the minimum, not a whole number, not a number, empty) are usage
 * errors naming the flag, the range and the value; a value inside it and the declared default are accepted.
 */
import { describe, expect, it } from 'vitest';
import { describeRange, parseArgs, UsageError, type NumberRange } from '../../src/cli/args.ts';
import { commands } from '../../src/cli/commands/index.ts';

/** Values just outside `r`, each with the reason it is outside. */
function outside(r: NumberRange): string[] {
  const values: string[] = ['abc', ''];
  if (r.integer) values.push(String((r.min ?? r.above ?? 0) + 1.5));
  if (r.min !== undefined) values.push(String(r.min - (r.integer ? 1 : 1e-3)));
  if (r.above !== undefined) values.push(String(r.above), String(r.above - 1));
  if (r.max !== undefined) values.push(String(r.max + (r.integer ? 1 : 1e-3)));
  return values;
}

/** A value inside `r`. */
function inside(r: NumberRange): string {
  if (r.min !== undefined) return String(r.min);
  if (r.above !== undefined) return String(r.above + 1);
  return r.max !== undefined ? String(r.max) : '0';
}

const numberFlags = commands.flatMap((c) =>
  Object.entries(c.flags).flatMap(([name, s]) => (s.kind === 'number' || s.kind === 'numbers' ? [{ command: c.name, name, spec: s }] : [])),
);

describe('every number flag of every command declares a range and is checked against it', () => {
  it('finds the number flags (a guard against the sweep below testing nothing)', () => {
    expect(numberFlags.length).toBeGreaterThan(50);
    expect(new Set(numberFlags.map((f) => f.command))).toEqual(
      new Set(['demo', 'pretrain', 'fill-mask', 'finetune', 'evaluate', 'predict', 'tokenize', 'train-tokenizer', 'attention']),
    );
  });

  it.each(numberFlags.map((f) => [`${f.command} --${f.name}`, f] as const))('%s', (_, f) => {
    const flags = commands.find((c) => c.name === f.command)!.flags;
    const r = f.spec.range;
    for (const value of outside(r)) {
      // A list of numbers with no number in it says so.
      const expected =
        f.spec.kind === 'numbers' && value === ''
          ? `--${f.name} expects at least one number`
          : `--${f.name} expects ${describeRange(r)}, got ${JSON.stringify(value)}`;
      expect(() => parseArgs([`--${f.name}`, value], flags), `--${f.name} ${JSON.stringify(value)}`).toThrow(new UsageError(expected));
    }
    const ok = parseArgs([`--${f.name}`, inside(r)], flags);
    expect(ok.flags[f.name]).toEqual(f.spec.kind === 'numbers' ? [Number(inside(r))] : Number(inside(r)));
    // A default is a value the flag accepts.
    if (f.spec.default !== undefined) expect(() => parseArgs([`--${f.name}`, String(f.spec.default)], flags)).not.toThrow();
  });
});
