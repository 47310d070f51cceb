import type { Command } from '../command.ts';
import { forwardCommand } from './forward.ts';
import { inspectCommand } from './inspect.ts';
import { tokenizeCommand } from './tokenize.ts';
import { trainTokenizerCommand } from './train-tokenizer.ts';

/**
 * Every `bert` subcommand, in the order `bert --help` lists them.
 * A new command is one file in this folder and one line here.
 */
export const commands: Command[] = [
  inspectCommand,
  forwardCommand,
  tokenizeCommand,
  trainTokenizerCommand,
];
