import type { FlagSpec } from './args.ts';

/** One `bert` subcommand. Commands are thin wrappers over the library: parse flags, call, print. */
export interface Command {
  name: string;
  /** One line for `bert --help`. */
  summary: string;
  /** Usage line(s) shown by `bert <name> --help`, e.g. `bert tokenize --vocab FILE < in.jsonl`. */
  usage: string;
  flags: Record<string, FlagSpec>;
  /** Run with the arguments after the command name. Resolves to the process exit code. */
  run(argv: string[]): Promise<number>;
}
