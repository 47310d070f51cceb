/** Shared fixtures for the task-data tests: the uncased BERT tokenizer and fixture paths. */
import { fileURLToPath } from 'node:url';
import { BertTokenizer } from '../../../src/tokenizer/tokenizer.ts';

export const FIXTURES = fileURLToPath(new URL('../../fixtures/tasks/', import.meta.url));
export const fixture = (name: string): string => FIXTURES + name;

let cached: BertTokenizer | null = null;
/** bert-base-uncased's tokenizer (loaded once per test file). */
export function uncasedTokenizer(): BertTokenizer {
  cached ??= BertTokenizer.fromFile(fileURLToPath(new URL('../../fixtures/tokenizer/bert-base-uncased-vocab.txt', import.meta.url)));
  return cached;
}

/** The message of the error `fn` throws (fails the test when it does not throw). */
export function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an error, but none was thrown');
}
