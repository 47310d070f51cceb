/** Shared by the BERT tests: the Hugging Face reference cases in test/fixtures/hf. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const HF_DIR = join(import.meta.dirname, '..', 'fixtures', 'hf');

export const CASES = [
  'pretraining',
  'masked-lm',
  'sequence-classification',
  'sequence-regression',
  'token-classification',
  'question-answering',
  'multiple-choice',
] as const;

export interface CaseJson {
  model_class: string;
  inputs: Record<string, unknown>;
  labels: Record<string, unknown>;
  loss: number;
  mlm_loss?: number;
  nsp_loss?: number;
}

export function caseDir(name: string): string {
  return join(HF_DIR, name);
}

export function readCase(name: string): CaseJson {
  return JSON.parse(readFileSync(join(caseDir(name), 'case.json'), 'utf8')) as CaseJson;
}

/** max |a - b| and max |b| over two arrays of the same length. */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): { diff: number; refMax: number } {
  if (a.length !== b.length) throw new Error(`maxDiff: lengths differ: ${a.length} vs ${b.length}`);
  let diff = 0;
  let refMax = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    refMax = Math.max(refMax, Math.abs(b[i]));
  }
  return { diff, refMax };
}
