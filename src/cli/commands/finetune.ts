/**
 * `bert finetune --task T --init DIR --train F --dev F [--test F] --out DIR [--epochs N --batch N --lr X | --search]`
 *
 * Fixed values train once (values left out are chosen by the model's size, see train/finetune-defaults.ts);
 * `--search` runs the grid (--grid-lr / --grid-batch / --grid-epochs, defaults by size) and keeps the best
 * run by the dev metric.
 */
import { givenFlags, parseArgs, RANGES, required, type ArgRules, type FlagSpec, type ParsedArgs } from '../args.ts';
import type { Command } from '../command.ts';
import { selectBackendFromEnv } from '../../accel/select.ts';
import { dropoutMasksFlag, dropoutMasksFromFlag } from '../dropout-masks-flag.ts';
import { maxLineBytesFlag, withMaxLineBytes } from '../max-line-bytes-flag.ts';
import { withRunDirectory } from '../run-dir.ts';
import { Vocab } from '../../tokenizer/vocab.ts';
import { recordedRunOptions } from '../../train/checkpoint.ts';
import { finetune, formatScalars, type FinetuneOptions } from '../../train/finetune.ts';
import { FINETUNE_TASKS, parseTask } from '../../train/finetune-tasks.ts';
import { hyperparameterSearch } from '../../train/search.ts';
import { withInterrupts } from '../interrupt.ts';

const flags: Record<string, FlagSpec> = {
  task: { kind: 'string', help: FINETUNE_TASKS.join('|') },
  init: { kind: 'string', help: 'pretrained checkpoint directory, or tiny|mini|small|medium|base|large|CONFIG.json for random weights (needs --vocab)' },
  vocab: { kind: 'string', path: 'file', help: "vocab.txt (default: the --init directory's)" },
  'initializer-range': {
    kind: 'number',
    range: RANGES.positive,
    help: "std of the random initial weights (the whole model from scratch, else the new head; default: the config's, 0.02)",
  },
  train: { kind: 'string', path: 'file', help: 'training file (TSV/CSV, CoNLL, SQuAD JSON or JSON Lines, by task)' },
  dev: { kind: 'string', path: 'file', help: 'dev file: evaluated after every epoch, picks the best weights' },
  test: { kind: 'string', path: 'file', help: 'test file: the best weights are scored on it once, at the end' },
  out: { kind: 'string', path: 'out-dir', help: 'output directory (model, checkpoints, metrics.jsonl, curves.svg, results); locked while the run lasts' },
  epochs: { kind: 'number', range: RANGES.count, help: 'epochs (default by model size: 3 for Base/Large, 4 for smaller)' },
  batch: { kind: 'number', range: RANGES.count, help: 'examples per step (default 32)' },
  lr: { kind: 'number', range: RANGES.positive, help: 'peak learning rate (default by model size: 3e-5 for Base/Large, 1e-4 for smaller)' },
  search: { kind: 'boolean', help: 'grid search over lr x batch x epochs instead of one run' },
  'grid-lr': { kind: 'numbers', range: RANGES.positive, help: 'learning rates to search (default by model size)' },
  'grid-batch': { kind: 'numbers', range: RANGES.count, help: 'batch sizes to search (default 16 32)' },
  'grid-epochs': { kind: 'numbers', range: RANGES.count, help: 'epoch counts to search (default by model size)' },
  'max-length': { kind: 'number', range: { integer: true, min: 8 }, help: 'tokens per row (default 128, question answering 384)' },
  'pad-multiple': {
    kind: 'number',
    range: RANGES.count,
    help: 'pad training batches to a multiple of N tokens, for GPU backends (default: to the longest row)',
  },
  'warmup-ratio': { kind: 'number', range: RANGES.fraction, help: 'warmup steps as a fraction of all steps', default: 0.1 },
  'weight-decay': { kind: 'number', range: RANGES.nonNegative, help: 'AdamW decoupled weight decay', default: 0.01 },
  'adam-eps': { kind: 'number', range: RANGES.positive, help: "AdamW's epsilon (default 1e-6 as BERT; Hugging Face's Trainer uses 1e-8)" },
  clip: { kind: 'number', range: RANGES.positive, help: 'global gradient-norm clip', default: 1 },
  seed: { kind: 'number', range: RANGES.seed, help: 'random seed', default: 0 },
  patience: { kind: 'number', range: RANGES.countOrOff, help: 'stop after N epochs without a better dev metric (0: off)', default: 0 },
  'eval-every': { kind: 'number', range: RANGES.countOrOff, help: 'also evaluate on dev every N steps (0: only after each epoch)', default: 0 },
  'save-every': { kind: 'number', range: RANGES.count, help: 'checkpoint every N steps (default: after each epoch)' },
  'stop-after': { kind: 'number', range: RANGES.count, help: 'stop after step N as an interruption would (to test --resume)' },
  resume: {
    kind: 'boolean',
    help: "continue from the newest good checkpoint in --out; flags left out keep the run's values (a search: give the same flags; finished runs are reused)",
  },
  cased: { kind: 'boolean', help: "keep case and accents (default: the model's tokenizer_config.json, else uncased)" },
  'text-column': { kind: 'string', help: 'table column of the text (default: detected by name)' },
  'pair-column': { kind: 'string', help: 'table column of the second text of a pair' },
  'label-column': { kind: 'string', help: 'table column of the label' },
  'doc-stride': { kind: 'number', range: RANGES.count, help: 'question answering: context tokens shared by consecutive windows', default: 128 },
  'max-question-length': { kind: 'number', range: RANGES.count, help: 'question answering: question tokens at most', default: 64 },
  'max-answer-length': { kind: 'number', range: RANGES.count, help: 'question answering: answer tokens at most', default: 30 },
  'null-threshold': { kind: 'number', range: RANGES.any, help: 'SQuAD v2.0: answer "" when null score - best span score exceeds this', default: 0 },
  'eval-batch': { kind: 'number', range: RANGES.count, help: 'rows per evaluation batch', default: 64 },
  'log-every': { kind: 'number', range: RANGES.count, help: 'progress line every N steps when not on a terminal' },
  backend: { kind: 'string', help: 'kernels: cpu (the reference, deterministic), wasm, gpujs (default: $BERT_BACKEND or cpu)' },
  'max-line-bytes': maxLineBytesFlag,
  'dropout-masks': dropoutMasksFlag,
};

const rules: ArgRules = {
  exclusive: [
    ...(['lr', 'batch', 'epochs'] as const).map((name) => ({
      flags: ['search', name] as [string, string],
      why: `--${name} fixes one value; with --search give the values to try with --grid-${name}`,
    })),
    { flags: ['search', 'stop-after'], why: '--stop-after applies to a single run, not to a search' },
  ],
  needs: ['grid-lr', 'grid-batch', 'grid-epochs'].map((flag) => ({ flag, needs: 'search', why: 'the grid is what --search tries' })),
};

/** `o` without its undefined entries, or undefined when none is left. */
function given<T extends object>(o: T): Partial<T> | undefined {
  const entries = Object.entries(o).filter(([, v]) => v !== undefined);
  return entries.length ? (Object.fromEntries(entries) as Partial<T>) : undefined;
}

/** A column flag: a number means a 0-based index. */
function column(v: unknown): string | number | undefined {
  if (v === undefined) return undefined;
  const s = String(v);
  return /^\d+$/.test(s) ? Number(s) : s;
}

export const finetuneCommand: Command = {
  name: 'finetune',
  summary: 'fine-tune BERT on a classification, regression, NER, QA or multiple-choice task',
  usage:
    'bert finetune --task classification|regression|token-classification|question-answering|multiple-choice --init DIR|tiny|... [--vocab FILE] --train F --dev F [--test F] --out DIR [--epochs N --batch N --lr X | --search [--grid-lr X... --grid-batch N... --grid-epochs N...]] [--patience N] [--resume]',
  flags,
  async run(argv) {
    const parsed = parseArgs(argv, flags, rules);
    // A single run's --resume: a flag left out keeps the run's value, which its checkpoint holds, so only what
    // was typed is passed on. A search records no settings of its own: its --resume takes the whole command.
    const single = Boolean(parsed.flags.resume) && !parsed.flags.search;
    const f = single ? givenFlags(parsed) : parsed.flags;
    if (f.backend !== undefined) await selectBackendFromEnv({ ...process.env, BERT_BACKEND: f.backend as string });
    const dropoutMasks = f['dropout-masks'] === undefined ? undefined : dropoutMasksFromFlag(f['dropout-masks']);
    // The run's task and files, left out on --resume, come from the checkpoint it continues from.
    const recorded = single && typeof f.out === 'string' ? (recordedRunOptions(f.out) ?? {}) : {};
    const fromRun = <T>(name: string, key: string): T => (f[name] ?? recorded[key] ?? required(f, name)) as T;
    const task = parseTask(fromRun<string>('task', 'task'));
    const columns = { text: column(f['text-column']), textPair: column(f['pair-column']), label: column(f['label-column']) };
    const base: FinetuneOptions = {
      task,
      dropoutMasks,
      init: fromRun<string>('init', 'init'),
      vocab: f.vocab as string | undefined,
      initializerRange: f['initializer-range'] as number | undefined,
      train: fromRun<string>('train', 'train'),
      dev: fromRun<string>('dev', 'dev'),
      test: f.test as string | undefined,
      out: required<string>(f, 'out'),
      epochs: f.epochs as number | undefined,
      batch: f.batch as number | undefined,
      lr: f.lr as number | undefined,
      maxLength: f['max-length'] as number | undefined,
      padMultiple: f['pad-multiple'] as number | undefined,
      warmupRatio: f['warmup-ratio'] as number | undefined,
      weightDecay: f['weight-decay'] as number | undefined,
      adamEps: f['adam-eps'] as number | undefined,
      clip: f.clip as number | undefined,
      seed: f.seed as number | undefined,
      patience: f.patience as number | undefined,
      evalEvery: f['eval-every'] as number | undefined,
      saveEvery: f['save-every'] as number | undefined,
      stopAfter: f['stop-after'] as number | undefined,
      resume: Boolean(f.resume),
      lowercase: f.cased ? false : undefined,
      columns: given(columns),
      qa: given({
        stride: f['doc-stride'] as number | undefined,
        maxQuestionLength: f['max-question-length'] as number | undefined,
        maxAnswerLength: f['max-answer-length'] as number | undefined,
        nullScoreDiffThreshold: f['null-threshold'] as number | undefined,
      }),
      evalBatch: f['eval-batch'] as number | undefined,
      logEvery: f['log-every'] as number | undefined,
    };
    if (f.vocab !== undefined) Vocab.fromFile(f.vocab as string); // finetune() reads it as it is: check it here
    return withMaxLineBytes(parsed.flags['max-line-bytes'], () => withRunDirectory(base.out, () => run(f, base)));
  },
};

/** The search or the single run, with --out locked. */
async function run(f: ParsedArgs['flags'], base: FinetuneOptions): Promise<number> {
  if (f.search) {
    const grid = f as Record<string, number[] | undefined>;
    const { result: r, exit } = await withInterrupts('finetune', (signal) =>
      hyperparameterSearch({ ...base, grid: { lr: grid['grid-lr'], batch: grid['grid-batch'], epochs: grid['grid-epochs'] }, signal }),
    );
    if (exit !== null) return exit;
    console.log(
      `search done: ${r.runs.length} runs; best run ${r.best?.index} (lr ${r.best?.lr}, batch ${r.best?.batch}, ${r.best?.epochs} epochs), dev ${r.metric} ${r.best?.value.toFixed(4)}; model in ${r.out}, table in ${r.out}/search.json`,
    );
    if (r.test) console.log(`test: ${formatScalars(r.test.metrics)}`);
    return 0;
  }
  const { result: r, exit } = await withInterrupts('finetune', (signal) => finetune({ ...base, signal }));
  if (exit !== null) return exit;
  if (!r.finished) {
    console.log(`stopped at step ${r.steps} of ${r.totalSteps}; continue with --resume`);
    return 0;
  }
  const b = r.best;
  console.log(
    `done: ${r.steps} steps (${r.epochs} epochs${r.stoppedEarly ? ', stopped early' : ''}) in ${r.seconds.toFixed(1)} s; ` +
      (b ? `best dev ${b.metric} ${b.value.toFixed(4)} at epoch ${Number.isInteger(b.epoch) ? b.epoch : b.epoch.toFixed(2)} (step ${b.step}); ` : '') +
      `model in ${r.out}`,
  );
  if (r.test) console.log(`test: ${formatScalars(r.test.metrics)}`);
  return 0;
}
