/** `bert finetune`, `bert evaluate`, `bert predict` run in-process through the CLI's main(). */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { dropoutMasksFromFlag } from '../../src/cli/dropout-masks-flag.ts';
import { taskFiles, tempDir, tinyConfig } from './finetune-helpers.ts';

const root = tempDir('finetune-cli-');
afterAll(() => rmSync(root, { recursive: true, force: true }));

let logged: string[] = [];
let errors: string[] = [];
beforeEach(() => {
  logged = [];
  errors = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void logged.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void errors.push(a.join(' ')));
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(() => vi.restoreAllMocks());

describe('bert finetune / evaluate / predict', () => {
  it('fine-tunes from a config, evaluates with a confusion matrix, and predicts JSON lines', async () => {
    const files = taskFiles(root, 'classification', { train: 48, dev: 16, test: 16 });
    const config = join(root, 'config.json');
    writeFileSync(config, tinyConfig().toJSONString());
    const out = join(root, 'model');
    const code = await main([
      'finetune',
      '--task',
      'classification',
      '--init',
      config,
      '--vocab',
      files.vocab,
      '--train',
      files.train,
      '--dev',
      files.dev,
      '--test',
      files.test,
      '--out',
      out,
      '--epochs',
      '2',
      '--batch',
      '16',
      '--lr',
      '3e-3',
      '--max-length',
      '32',
      '--initializer-range',
      '0.1',
    ]);
    expect(errors).toEqual([]);
    expect(code).toBe(0);
    expect(logged.join('\n')).toMatch(/done: 6 steps \(2 epochs\) .* best dev accuracy \d\.\d{4}/);
    expect(logged.join('\n')).toMatch(/test: accuracy \d\.\d{4} \| macro_f1/);
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).initializer_range).toBe(0.1);

    logged = [];
    expect(await main(['evaluate', '--model', out, '--data', files.test, '--out', join(root, 'eval')])).toBe(0);
    const text = logged.join('\n');
    expect(text).toMatch(/precision\s+recall\s+f1-score\s+support/);
    expect(text).toMatch(/confusion matrix \(rows: true class, columns: predicted class\)/);
    const json = JSON.parse(readFileSync(join(root, 'eval', 'eval-test.json'), 'utf8'));
    expect(json.task).toBe('classification');
    expect(json.metrics.accuracy).toBe(JSON.parse(readFileSync(join(out, 'test_results.json'), 'utf8')).metrics.accuracy);
    expect(readFileSync(join(root, 'eval', 'eval-test-confusion.svg'), 'utf8')).toMatch(/^<svg/);
    expect(readFileSync(join(root, 'eval', 'eval-test-confusion.txt'), 'utf8')).toMatch(/true \\ predicted/);

    const predictions = join(root, 'pred.jsonl');
    expect(await main(['predict', '--model', out, '--data', files.test, '--out', predictions])).toBe(0);
    const rows = readFileSync(predictions, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows).toHaveLength(16);
    expect(Object.keys(rows[0])).toEqual(['line', 'text', 'label', 'probabilities']);
    expect(rows[0].line).toBe(2);
  });

  /** Data files that exist (the CLI refuses missing ones before anything else); their content is never reached. */
  function placeholders(): { x: string; y: string } {
    const x = join(root, 'x.tsv');
    const y = join(root, 'y.tsv');
    writeFileSync(x, '');
    writeFileSync(y, '');
    return { x, y };
  }

  it('refuses contradictory or missing flags with a usage error', async () => {
    const { x, y } = placeholders();
    const base = ['finetune', '--task', 'classification', '--init', 'tiny', '--train', x, '--dev', y, '--out', join(root, 'bad')];
    expect(await main([...base, '--search', '--lr', '1e-4'])).toBe(2);
    expect(errors.join('\n')).toMatch(/--lr fixes one value; with --search give the values to try with --grid-lr/);
    expect(await main([...base, '--grid-lr', '1e-4'])).toBe(2);
    expect(errors.join('\n')).toMatch(/--grid-lr needs --search/);
    expect(await main([...base])).toBe(1);
    expect(errors.join('\n')).toMatch(/--init tiny starts from random weights and needs --vocab FILE/);
    expect(await main(['finetune', '--task', 'ner', '--init', 'tiny'])).toBe(1);
    expect(errors.join('\n')).toMatch(/unknown task "ner"; expected one of: classification, regression, token-classification/);
    mkdirSync(join(root, 'nothing'), { recursive: true });
    expect(await main(['evaluate', '--model', join(root, 'nothing'), '--data', x])).toBe(1);
    expect(errors.join('\n')).toMatch(/no config.json/);
    expect(await main(['evaluate', '--model', join(root, 'missing'), '--data', x])).toBe(2);
    expect(errors.join('\n')).toMatch(/--model: .*missing does not exist/);
    expect(existsSync(join(root, 'bad', 'model.safetensors'))).toBe(false);
  });

  it('--dropout-masks refuses an unknown kind, naming the choices (the kinds reach the run: test/train/finetune.test.ts)', async () => {
    const { x, y } = placeholders();
    const base = ['finetune', '--task', 'classification', '--init', 'tiny', '--train', x, '--dev', y, '--out', join(root, 'bad')];
    expect(await main([...base, '--dropout-masks', 'philox'])).toBe(2);
    expect(errors.join('\n')).toMatch(/--dropout-masks expects auto, stream or counter, got "philox"/);
    expect(dropoutMasksFromFlag('counter')).toBe('counter');
  });
});
