/**
 * The demo end to end on a small budget: it writes its corpus, trains, evaluates, saves a model that
 * fill-mask loads, and prints three candidates for every prompt.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_PROMPTS, runDemo } from '../../src/train/demo.ts';

const dir = mkdtempSync(join(tmpdir(), 'bert-demo-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('runDemo', () => {
  it('trains a few steps and prints fill-mask candidates for every prompt', async () => {
    const lines: string[] = [];
    const result = await runDemo({ out: dir, steps: 12, documents: 80, batch: 8, print: (l) => lines.push(l), progressStream: null });
    expect(result.steps).toBe(12);
    expect(result.lastEval).toBeDefined();
    for (const file of ['corpus-train.txt', 'corpus-eval.txt', 'model.safetensors', 'config.json', 'vocab.txt', 'metrics.jsonl', 'curves.svg']) {
      expect(existsSync(join(dir, file))).toBe(true);
    }
    const text = lines.join('\n');
    expect(text).toContain('What the model fills in:');
    for (const prompt of DEMO_PROMPTS) expect(text).toContain(prompt);
    // One line of three "word (p%)" candidates per prompt.
    const candidateLines = lines.filter((l) => /\[MASK\] #1: /.test(l));
    expect(candidateLines).toHaveLength(DEMO_PROMPTS.length);
    for (const l of candidateLines) expect(l.match(/\(\d+\.\d%\)/g)).toHaveLength(3);
    expect(readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').length).toBeGreaterThan(1);
  }, 120_000);
});
