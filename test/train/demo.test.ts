/**
 * The demo end to end on a small budget, in English and in Spanish: it writes its corpus, trains, evaluates,
 * saves a model that fill-mask loads, and prints three candidates for every prompt.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_PROMPTS, runDemo } from '../../src/train/demo.ts';
import { DEMO_FACTS_ES, DEMO_PROMPTS_ES } from '../../src/train/demo-es.ts';

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

  it('runs in Spanish on the Spanish stories with a cased vocabulary and says which answers are the facts', async () => {
    const out = join(dir, 'es');
    const lines: string[] = [];
    const result = await runDemo({ lang: 'es', out, steps: 12, documents: 80, batch: 8, print: (l) => lines.push(l), progressStream: null });
    expect(result.steps).toBe(12);
    expect(readFileSync(join(out, 'corpus-train.txt'), 'utf8')).toMatch(/^(esta es la historia de|había una vez|una? )/);
    // Cased: the accented words are tokens of their own, as written.
    const vocab = readFileSync(join(out, 'vocab.txt'), 'utf8').split('\n');
    for (const word of ['búho', 'ratón', 'león']) expect(vocab).toContain(word);
    const text = lines.join('\n');
    expect(text).toContain('Lo que el modelo pone en cada [MASK]:');
    expect(text).toMatch(/Exactitud en las historias reservadas: modelo enmascarado \d+\.\d%, siguiente oración \d+\.\d%\./);
    const candidateLines = lines.filter((l) => /\[MASK\] #1: /.test(l));
    expect(candidateLines).toHaveLength(DEMO_PROMPTS_ES.length);
    for (const f of DEMO_FACTS_ES) expect(text).toContain(`${f.prompt}\n  [MASK] #1: `);
    for (const f of DEMO_FACTS_ES) expect(text).toContain(`  en las historias: ${f.answer} (`);
    expect(text).toMatch(/\n[0-5] de 5 primeras respuestas son el dato de las historias\./);
    expect(text).toContain(`npx bert fill-mask --cased --model ${out} "el lobo come [MASK] ."`);
  }, 120_000);
});
