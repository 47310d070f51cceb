/**
 * Hyperparameter search for fine-tuning: a grid over learning rate, batch size and epochs, as the BERT paper
 * did it. Every grid point is a separate fine-tuning run (its own warmup and decay over its own number of
 * steps, the same seed) in `<out>/search/run-<i>/`; each is scored by its best dev metric; the best run's
 * model is copied into `<out>/` and scored once on the test file. The test file never influences the choice.
 *
 * The default grid depends on the model's size (finetune-defaults.ts). A finished run leaves
 * `search_run.json` behind and its checkpoints are deleted; with `resume`, finished runs are reused and an
 * interrupted one continues from its checkpoint, so an interrupted search picks up where it stopped.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.ts';
import { CHECKPOINT_DIR, latestCheckpoint } from './checkpoint.ts';
import { defaultSearchGrid, type Hyperparameters, type SearchGrid } from './finetune-defaults.ts';
import { FINETUNE_SETTINGS_FILE, LABELS_FILE, TOKENIZER_CONFIG_FILE, finetune, resolveInit, scoresRecord, type FinetuneOptions } from './finetune.ts';
import { TASK_METRICS, isBetter, parseTask, type TaskScores } from './finetune-tasks.ts';
import { evaluateTaskModel, loadTaskModel } from './evaluate-task.ts';
import { formatDuration } from './progress.ts';
import { activeDevice } from '../accel/device.ts';
import { effectiveDropoutMasks } from './checkpoint.ts';
import type { Interruption } from './interrupt.ts';

export interface SearchOptions extends Omit<FinetuneOptions, 'lr' | 'batch' | 'epochs' | 'stopAfter'> {
  /** Values to try; a list left out comes from the default grid for the model's size. */
  grid?: Partial<SearchGrid>;
  /** Stop after this many runs as an interruption would (for testing resume). */
  stopAfterRuns?: number;
}

/** One grid point's outcome. */
export interface SearchRun extends Hyperparameters {
  index: number;
  dir: string;
  /** The best dev metric of the run (NaN when it produced none). */
  value: number;
  metrics: Record<string, number>;
  bestStep: number | null;
  bestEpoch: number | null;
  seconds: number;
  /** Taken over from an earlier, finished run of the same search (resume). */
  reused: boolean;
  /** The options it ran with besides its grid point (runSettings); absent in runs of older searches. */
  settings?: Record<string, unknown>;
}

export interface SearchResult {
  out: string;
  grid: SearchGrid;
  /** Why the grid is what it is (the default rule, or "given"). */
  gridReason: string;
  metric: string;
  runs: SearchRun[];
  /** The chosen run (best dev metric; the earlier run on ties). */
  best: SearchRun | null;
  /** The chosen model on the test file. */
  test?: TaskScores;
  /** False when `stopAfterRuns` or `signal` cut the search short. */
  finished: boolean;
  /** Set when `signal` stopped the search: the run it stopped and where that run's checkpoint is. */
  interrupted?: Interruption & { run: number };
}

/** Every combination of the grid, learning rate outermost, then batch size, then epochs. */
export function gridPoints(grid: SearchGrid): Hyperparameters[] {
  const points: Hyperparameters[] = [];
  for (const lr of grid.lr) for (const batch of grid.batch) for (const epochs of grid.epochs) points.push({ lr, batch, epochs });
  return points;
}

/** The grid with every list checked (non-empty, positive; integers for batch and epochs). */
function checkGrid(grid: SearchGrid): SearchGrid {
  for (const [name, values] of Object.entries(grid) as [keyof SearchGrid, number[]][]) {
    if (values.length === 0) throw new Error(`search grid: ${name} needs at least one value`);
    for (const v of values) {
      if (!(Number.isFinite(v) && v > 0) || (name !== 'lr' && !Number.isInteger(v))) {
        throw new Error(`search grid: ${name} values must be positive${name === 'lr' ? '' : ' integers'}, got ${v}`);
      }
    }
  }
  return grid;
}

/**
 * All runs as a table, the chosen one marked with `*`:
 *
 *     run      lr  batch  epochs  dev accuracy  best epoch    time
 *       0  3e-4      16       4        0.9500           3     41s
 *   * 1  ...
 */
export function formatSearchTable(runs: readonly SearchRun[], metric: string, bestIndex: number | null): string {
  const header = ['run', 'lr', 'batch', 'epochs', `dev ${metric}`, 'best epoch', 'time'];
  const rows = runs.map((r) => [
    `${r.index === bestIndex ? '* ' : ''}${r.index}`,
    String(r.lr),
    String(r.batch),
    String(r.epochs),
    Number.isFinite(r.value) ? (Math.abs(r.value) >= 100 ? r.value.toFixed(2) : r.value.toFixed(4)) : String(r.value),
    r.bestEpoch === null ? '-' : Number.isInteger(r.bestEpoch) ? String(r.bestEpoch) : r.bestEpoch.toFixed(2),
    `${formatDuration(r.seconds)}${r.reused ? ' (earlier)' : ''}`,
  ]);
  const all = [header, ...rows];
  const widths = header.map((_, j) => Math.max(...all.map((row) => row[j].length)));
  return all.map((row) => row.map((c, j) => c.padStart(widths[j])).join('  ')).join('\n') + '\n';
}

const RUN_FILE = 'search_run.json';

/**
 * What, besides its grid point, decides what a run computes: the search's options without where it writes,
 * what it prints and how it resumes, plus how dropout masks are made. A finished run is reused on resume
 * only when these are unchanged.
 */
function runSettings(opts: SearchOptions): Record<string, unknown> {
  const {
    out: _out,
    test: _test,
    resume: _resume,
    progressStream: _progress,
    logEvery: _log,
    saveEvery: _save,
    evalBatch: _evalBatch,
    grid: _grid,
    stopAfterRuns: _stop,
    signal: _signal,
    init,
    ...rest
  } = opts;
  const settings = {
    ...rest,
    init: typeof init === 'string' ? init : init.toJSON(),
    dropoutMasks: effectiveDropoutMasks(opts.dropoutMasks ?? 'auto', activeDevice() !== null),
  };
  return JSON.parse(JSON.stringify(settings)) as Record<string, unknown>; // drops undefined values
}

/** The first setting whose value differs, as "name: before -> now", or null when they agree. */
function changedSetting(before: Record<string, unknown>, now: Record<string, unknown>): string | null {
  for (const key of new Set([...Object.keys(before), ...Object.keys(now)])) {
    const a = JSON.stringify(before[key] ?? null);
    const b = JSON.stringify(now[key] ?? null);
    if (a !== b) return `${key}: ${a} -> ${b}`;
  }
  return null;
}

/** The files of the chosen model that are copied into the search's output directory. */
const MODEL_FILES = [
  'config.json',
  'model.safetensors',
  'vocab.txt',
  TOKENIZER_CONFIG_FILE,
  FINETUNE_SETTINGS_FILE,
  LABELS_FILE,
  'dev_results.json',
  'curves.svg',
  'metrics.jsonl',
];

/** Run the grid search; see the file comment and SearchOptions. */
export async function hyperparameterSearch(opts: SearchOptions): Promise<SearchResult> {
  const task = parseTask(opts.task);
  const say = opts.progressStream === null ? () => {} : (s: string) => (opts.progressStream ?? process.stderr).write(s + '\n');
  const source = resolveInit(opts.init);
  const defaults = defaultSearchGrid(source.config);
  const given = opts.grid ?? {};
  const grid = checkGrid({ lr: given.lr ?? defaults.lr, batch: given.batch ?? defaults.batch, epochs: given.epochs ?? defaults.epochs });
  const gridReason =
    given.lr && given.batch && given.epochs ? 'given' : `${given.lr || given.batch || given.epochs ? 'partly given; the rest ' : ''}${defaults.reason}`;
  const points = gridPoints(grid);
  const metric = TASK_METRICS[task];
  mkdirSync(join(opts.out, 'search'), { recursive: true });
  say(
    `grid search: ${points.length} runs, lr {${grid.lr.join(', ')}} x batch {${grid.batch.join(', ')}} x epochs {${grid.epochs.join(', ')}} (${gridReason}); choosing by dev ${metric}`,
  );

  const result: SearchResult = { out: opts.out, grid, gridReason, metric, runs: [], best: null, finished: false };
  const settings = runSettings(opts);
  const writeSummary = async () => {
    const summary = {
      task,
      metric,
      grid,
      grid_reason: gridReason,
      runs: result.runs,
      best: result.best?.index ?? null,
      test: result.test ? scoresRecord(result.test) : null,
      finished: result.finished,
    };
    await writeFileAtomic(join(opts.out, 'search.json'), JSON.stringify(summary, null, 2) + '\n');
  };

  for (const [index, hp] of points.entries()) {
    if (opts.stopAfterRuns !== undefined && index >= opts.stopAfterRuns) {
      await writeSummary();
      return result;
    }
    const dir = join(opts.out, 'search', `run-${index}`);
    const done = join(dir, RUN_FILE);
    if (opts.resume && existsSync(done)) {
      const run = JSON.parse(readFileSync(done, 'utf8')) as SearchRun;
      // Runs written before the settings were recorded are matched by their grid point alone.
      const changed = run.settings ? changedSetting(run.settings, settings) : null;
      if (run.lr === hp.lr && run.batch === hp.batch && run.epochs === hp.epochs && changed === null) {
        result.runs.push({ ...run, value: run.value ?? NaN, reused: true });
        say(
          `run ${index} (${index + 1} of ${points.length}): lr ${hp.lr}, batch ${hp.batch}, ${hp.epochs} epochs: finished earlier, dev ${metric} ${run.value}`,
        );
        continue;
      }
      if (changed !== null) say(`run ${index}: the finished run was made with other settings (${changed}); running it again`);
    }
    const resumeRun = Boolean(opts.resume) && latestCheckpoint(dir) !== null;
    if (!resumeRun) rmSync(dir, { recursive: true, force: true });
    say(`\nrun ${index} (${index + 1} of ${points.length}): lr ${hp.lr}, batch ${hp.batch}, ${hp.epochs} epochs${resumeRun ? ' (resuming)' : ''}`);
    const t0 = performance.now();
    const r = await finetune({ ...opts, ...hp, out: dir, test: undefined, resume: resumeRun });
    if (r.interrupted) {
      // Stopped on request: this run resumes from its checkpoint with the search's --resume.
      result.interrupted = { ...r.interrupted, run: index };
      await writeSummary();
      return result;
    }
    const run: SearchRun = {
      index,
      ...hp,
      dir,
      value: r.best?.value ?? NaN,
      metrics: r.best?.metrics ?? {},
      bestStep: r.best?.step ?? null,
      bestEpoch: r.best?.epoch ?? null,
      seconds: (performance.now() - t0) / 1000,
      reused: false,
      settings,
    };
    await writeFileAtomic(done, JSON.stringify(run, null, 2) + '\n');
    rmSync(join(dir, CHECKPOINT_DIR), { recursive: true, force: true });
    result.runs.push(run);
    await writeSummary();
  }

  // The chosen run: the best dev metric, the earlier run on ties.
  for (const r of result.runs) if (result.best === null || isBetter(r.value, result.best.value)) result.best = r;
  const best = result.best;
  say(`\n${formatSearchTable(result.runs, metric, best?.index ?? null)}`);
  if (!best || !existsSync(join(best.dir, 'model.safetensors'))) throw new Error('search: no run produced a model (every dev evaluation failed)');
  for (const name of MODEL_FILES) if (existsSync(join(best.dir, name))) copyFileSync(join(best.dir, name), join(opts.out, name));
  say(`best: run ${best.index} (lr ${best.lr}, batch ${best.batch}, ${best.epochs} epochs), dev ${metric} ${best.value}; model copied to ${opts.out}`);
  if (opts.test) {
    const evaluation = evaluateTaskModel(loadTaskModel(opts.out), opts.test, { batchSize: opts.evalBatch });
    result.test = evaluation.scores;
    await writeFileAtomic(
      join(opts.out, 'test_results.json'),
      JSON.stringify({ ...scoresRecord(evaluation.scores), file: opts.test, run: best.index }, null, 2) + '\n',
    );
    say(`test (chosen run ${best.index}, evaluated once): ${metric} ${evaluation.scores.value}`);
  }
  result.finished = true;
  await writeSummary();
  return result;
}
