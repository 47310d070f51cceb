/**
 * The hyperparameter grid search: defaults by model size, the grid's order, the table, choosing the best run
 * by dev, copying it out, scoring it once on test, and resuming an interrupted search.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BertConfig } from '../../src/bert/config.ts';
import { defaultHyperparameters, defaultSearchGrid } from '../../src/train/finetune-defaults.ts';
import { formatSearchTable, gridPoints, hyperparameterSearch, type SearchRun } from '../../src/train/search.ts';
import { taskFiles, tempDir, tinyConfig } from './finetune-helpers.ts';

const root = tempDir('finetune-search-');
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('search grid', () => {
  it("defaults to the BERT paper grid for Base/Large and to the miniatures' larger rates for small models", () => {
    expect(defaultSearchGrid(BertConfig.preset('base'))).toMatchObject({ lr: [5e-5, 3e-5, 2e-5], batch: [16, 32], epochs: [2, 3, 4] });
    expect(defaultSearchGrid(BertConfig.preset('large')).lr).toEqual([5e-5, 3e-5, 2e-5]);
    expect(defaultSearchGrid(BertConfig.preset('mini'))).toMatchObject({ lr: [3e-4, 1e-4, 5e-5, 3e-5], batch: [16, 32], epochs: [4] });
    expect(defaultSearchGrid(BertConfig.preset('mini')).reason).toMatch(/small models want larger rates/);
    expect(defaultHyperparameters(BertConfig.preset('base'))).toMatchObject({ lr: 3e-5, batch: 32, epochs: 3 });
    expect(defaultHyperparameters(BertConfig.preset('tiny'))).toMatchObject({ lr: 1e-4, batch: 32, epochs: 4 });
  });

  it('enumerates every combination, learning rate outermost', () => {
    expect(gridPoints({ lr: [1, 2], batch: [8, 16], epochs: [3] })).toEqual([
      { lr: 1, batch: 8, epochs: 3 },
      { lr: 1, batch: 16, epochs: 3 },
      { lr: 2, batch: 8, epochs: 3 },
      { lr: 2, batch: 16, epochs: 3 },
    ]);
  });

  it('prints one row per run and marks the chosen one', () => {
    const run = (index: number, value: number): SearchRun => ({
      index,
      lr: 1e-4,
      batch: 16,
      epochs: 4,
      dir: '',
      value,
      metrics: {},
      bestStep: 8,
      bestEpoch: 2,
      seconds: 65,
      reused: false,
    });
    const table = formatSearchTable([run(0, 0.5), run(1, 0.75)], 'accuracy', 1).split('\n');
    expect(table[0]).toMatch(/run\s+lr\s+batch\s+epochs\s+dev accuracy\s+best epoch\s+time/);
    expect(table[1]).toMatch(/^\s+0\s+0.0001\s+16\s+4\s+0.5000\s+2\s+1m05s$/);
    expect(table[2]).toMatch(/^\* 1\s/);
  });
});

describe('hyperparameterSearch', () => {
  it('runs every grid point, picks the best by dev, copies it out, tests it once, and resumes an interrupted search', async () => {
    const files = taskFiles(root, 'classification', { train: 240, dev: 60, test: 60 }, { negation: 0 });
    const out = join(root, 'search');
    // lr 1e-7 cannot move the weights in 5 epochs; 3e-3 learns the task.
    const opts = {
      task: 'classification' as const,
      init: tinyConfig(),
      vocab: files.vocab,
      train: files.train,
      dev: files.dev,
      test: files.test,
      out,
      maxLength: 32,
      progressStream: null,
      grid: { lr: [1e-7, 3e-3], batch: [8], epochs: [5] },
    };
    const first = await hyperparameterSearch({ ...opts, stopAfterRuns: 1 });
    expect(first.finished).toBe(false);
    expect(first.runs).toHaveLength(1);
    expect(existsSync(join(out, 'model.safetensors'))).toBe(false);

    const r = await hyperparameterSearch({ ...opts, resume: true });
    expect(r.finished).toBe(true);
    expect(r.gridReason).toBe('given');
    expect(r.runs.map((x) => [x.lr, x.reused])).toEqual([
      [1e-7, true],
      [3e-3, false],
    ]);
    expect(r.runs[0].value).toEqual(first.runs[0].value);
    expect(r.runs[1].value).toBeGreaterThan(0.9);
    expect(r.runs[1].value).toBeGreaterThan(r.runs[0].value);
    expect(r.best!.index).toBe(1);
    // The chosen model is the best run's, and test was scored on it (once, after the choice).
    const bytes = (p: string) => readFileSync(p);
    expect(bytes(join(out, 'model.safetensors')).equals(bytes(join(out, 'search', 'run-1', 'model.safetensors')))).toBe(true);
    expect(existsSync(join(out, 'search', 'run-1', 'checkpoints'))).toBe(false);
    expect(existsSync(join(out, 'search', 'run-0', 'test_results.json'))).toBe(false);
    const summary = JSON.parse(readFileSync(join(out, 'search.json'), 'utf8'));
    expect(summary.best).toBe(1);
    expect(summary.runs).toHaveLength(2);
    expect(summary.test.metrics.accuracy).toBe(r.test!.metrics.accuracy);
    expect(JSON.parse(readFileSync(join(out, 'test_results.json'), 'utf8')).run).toBe(1);
    expect(summary.runs[0].settings).toMatchObject({ maxLength: 32, dropoutMasks: 'stream' });

    // A resume with other settings does not reuse the finished runs: they are run again.
    const lines: string[] = [];
    const progressStream = { write: (s: string) => lines.push(s) };
    const again = await hyperparameterSearch({ ...opts, seed: 1, resume: true, stopAfterRuns: 1, progressStream });
    expect(again.runs.map((x) => x.reused)).toEqual([false]);
    expect(lines.join('')).toMatch(/run 0: the finished run was made with other settings \(seed: null -> 1\); running it again/);
  });
});
