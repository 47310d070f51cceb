import type { Command } from '../command.ts';
import { attentionCommand } from './attention.ts';
import { demoCommand } from './demo.ts';
import { embeddingsCommand } from './embeddings.ts';
import { fillMaskCommand } from './fill-mask.ts';
import { finetuneCommand } from './finetune.ts';
import { evaluateCommand } from './evaluate.ts';
import { predictCommand } from './predict.ts';
import { forwardCommand } from './forward.ts';
import { pretrainCommand } from './pretrain.ts';
import { inspectCommand } from './inspect.ts';
import { tokenizeCommand } from './tokenize.ts';
import { trainTokenizerCommand } from './train-tokenizer.ts';

/**
 * Every `bert` subcommand, in the order `bert --help` lists them.
 * A new command is one file in this folder and one line here.
 */
export const commands: Command[] = [
  demoCommand,
  pretrainCommand,
  fillMaskCommand,
  attentionCommand,
  embeddingsCommand,
  finetuneCommand,
  evaluateCommand,
  predictCommand,
  inspectCommand,
  forwardCommand,
  tokenizeCommand,
  trainTokenizerCommand,
];
