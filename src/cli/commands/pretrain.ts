/**
 * `bert pretrain --corpus FILE... --out DIR ...`: masked LM + next-sentence prediction (src/train/pretrain.ts).
 * The flags are checked before anything runs (src/cli/args.ts); --out is created and locked for the run.
 */
import { givenFlags, parseArgs, RANGES, required, UsageError, type ArgRules, type FlagSpec } from '../args.ts';
import type { Command } from '../command.ts';
import { selectBackendFromEnv } from '../../accel/select.ts';
import { dropoutMasksFlag, dropoutMasksFromFlag } from '../dropout-masks-flag.ts';
import { maxLineBytesFlag, withMaxLineBytes } from '../max-line-bytes-flag.ts';
import { withRunDirectory } from '../run-dir.ts';
import { VocabSizeError } from '../../tokenizer/trainer.ts';
import { Vocab } from '../../tokenizer/vocab.ts';
import { recordedRunOptions } from '../../train/checkpoint.ts';
import { pretrain, type PretrainOptions } from '../../train/pretrain.ts';
import { withInterrupts } from '../interrupt.ts';

const flags: Record<string, FlagSpec> = {
  corpus: { kind: 'list', path: 'file', help: 'training corpus files (one sentence per line, blank line between documents)' },
  vocab: { kind: 'string', path: 'file', help: 'vocab.txt to use (default: train a WordPiece vocabulary on the corpus)' },
  'vocab-size': {
    kind: 'number',
    range: RANGES.count,
    help: "size of the vocabulary to train when --vocab is not given (at least the special tokens and the corpus's alphabet)",
    default: 8000,
  },
  model: { kind: 'string', help: 'tiny|mini|small|medium|base|large or a config.json', default: 'tiny' },
  'seq-len': { kind: 'number', range: { integer: true, min: 8 }, help: 'maximum sequence length', default: 128 },
  batch: { kind: 'number', range: RANGES.count, help: 'sequences per step', default: 32 },
  steps: { kind: 'number', range: RANGES.count, help: 'total optimizer steps of the run (the schedule spans them)' },
  lr: { kind: 'number', range: RANGES.positive, help: 'peak learning rate', default: 1e-4 },
  warmup: { kind: 'number', range: RANGES.countOrOff, help: 'linear warmup steps, at most --steps (default: 10% of --steps)' },
  'eval-corpus': { kind: 'list', path: 'file', help: 'held-out corpus files for evaluation' },
  'eval-every': { kind: 'number', range: RANGES.count, help: 'evaluate every N steps (default: 10 times per run)' },
  'eval-instances': { kind: 'number', range: RANGES.count, help: 'held-out instances per evaluation', default: 1000 },
  'eval-dupe-factor': {
    kind: 'number',
    range: RANGES.count,
    help: 'passes over the held-out documents, each masked anew: a larger, steadier evaluation set',
    default: 1,
  },
  'save-every': { kind: 'number', range: RANGES.count, help: 'checkpoint every N steps (default: 5 times per run)' },
  'stop-after': { kind: 'number', range: RANGES.count, help: 'stop after step N as an interruption would (to test --resume)' },
  out: { kind: 'string', path: 'out-dir', help: 'output directory (model, checkpoints, metrics.jsonl, curves.svg); locked while the run lasts' },
  seed: { kind: 'number', range: RANGES.seed, help: 'random seed', default: 0 },
  resume: { kind: 'boolean', help: "continue from the newest good checkpoint in --out; flags left out keep the run's values" },
  'max-predictions': { kind: 'number', range: RANGES.count, help: 'masked tokens per sequence at most (default: 15% of --seq-len)' },
  'dupe-factor': { kind: 'number', range: RANGES.count, help: 'static masking: copies of the data, each masked differently', default: 3 },
  'dynamic-masking': { kind: 'boolean', help: 'mask anew every epoch instead' },
  'whole-word-mask': { kind: 'boolean', help: 'mask all pieces of a word together' },
  'short-seq-prob': { kind: 'number', range: RANGES.fraction, help: 'probability of a shorter target length', default: 0.1 },
  'weight-decay': { kind: 'number', range: RANGES.nonNegative, help: 'AdamW decoupled weight decay', default: 0.01 },
  clip: { kind: 'number', range: RANGES.positive, help: 'global gradient-norm clip', default: 1 },
  'grad-accum': { kind: 'number', range: RANGES.count, help: 'micro-batches per optimizer step', default: 1 },
  cased: { kind: 'boolean', help: 'keep case and accents (default: uncased)' },
  'bert-adam': { kind: 'boolean', help: 'the original BERT optimizer (no bias correction)' },
  'log-every': { kind: 'number', range: RANGES.count, help: 'progress line every N steps when not on a terminal' },
  'max-line-bytes': maxLineBytesFlag,
  backend: { kind: 'string', help: 'kernels: cpu (the reference), wasm (WebAssembly SIMD matmul), gpujs (default: $BERT_BACKEND or cpu)' },
  'dropout-masks': dropoutMasksFlag,
};

const rules: ArgRules = {
  exclusive: [
    { flags: ['vocab', 'vocab-size'], why: '--vocab gives a vocabulary, --vocab-size is the size of one to train' },
    { flags: ['dynamic-masking', 'dupe-factor'], why: 'the dupe factor counts the copies masked once; dynamic masking masks anew every epoch instead' },
  ],
  needs: [
    { flag: 'eval-every', needs: 'eval-corpus', why: 'there is nothing to evaluate on' },
    { flag: 'eval-instances', needs: 'eval-corpus', why: 'there is nothing to evaluate on' },
    { flag: 'eval-dupe-factor', needs: 'eval-corpus', why: 'there is nothing to evaluate on' },
  ],
};

export const pretrainCommand: Command = {
  name: 'pretrain',
  summary: 'pretrain BERT (masked LM + next-sentence prediction) on a text corpus',
  usage:
    'bert pretrain --corpus FILE... [--vocab FILE | --vocab-size N] --model tiny|...|CONFIG.json --seq-len N --batch N --steps N --lr X --warmup N [--eval-corpus FILE --eval-every N] [--save-every N] [--stop-after N] --out DIR --seed N [--resume]',
  flags,
  async run(argv) {
    const parsed = parseArgs(argv, flags, rules);
    // On --resume a flag left out keeps the run's value, which its checkpoint holds: pass only what was typed.
    const f = parsed.flags.resume ? givenFlags(parsed) : parsed.flags;
    const out = required<string>(f, 'out');
    // The run's data and length, left out on --resume, come from the checkpoint it continues from.
    const recorded = f.resume ? (recordedRunOptions(out) ?? {}) : {};
    const corpus = (f.corpus ?? recorded.corpus ?? required(f, 'corpus')) as string[];
    const steps = (f.steps ?? recorded.steps ?? required(f, 'steps')) as number;
    if (f.warmup !== undefined && (f.warmup as number) > steps) throw new UsageError(`--warmup ${f.warmup} is more than --steps ${steps}`);
    if (f.backend !== undefined) await selectBackendFromEnv({ ...process.env, BERT_BACKEND: f.backend as string });
    const dropoutMasks = f['dropout-masks'] === undefined ? undefined : dropoutMasksFromFlag(f['dropout-masks']);
    const options: PretrainOptions = {
      corpus,
      vocab: f.vocab as string | undefined,
      vocabSize: f['vocab-size'] as number | undefined,
      model: f.model as string | undefined,
      seqLen: f['seq-len'] as number | undefined,
      batch: f.batch as number | undefined,
      steps,
      lr: f.lr as number | undefined,
      warmup: f.warmup as number | undefined,
      evalCorpus: f['eval-corpus'] as string[] | undefined,
      evalEvery: f['eval-every'] as number | undefined,
      evalInstances: f['eval-instances'] as number | undefined,
      evalDupeFactor: f['eval-dupe-factor'] as number | undefined,
      saveEvery: f['save-every'] as number | undefined,
      stopAfter: f['stop-after'] as number | undefined,
      out,
      seed: f.seed as number | undefined,
      resume: Boolean(f.resume),
      maxPredictions: f['max-predictions'] as number | undefined,
      dupeFactor: f['dupe-factor'] as number | undefined,
      dynamicMasking: f['dynamic-masking'] as boolean | undefined,
      wholeWordMask: f['whole-word-mask'] as boolean | undefined,
      shortSeqProb: f['short-seq-prob'] as number | undefined,
      weightDecay: f['weight-decay'] as number | undefined,
      clip: f.clip as number | undefined,
      gradAccum: f['grad-accum'] as number | undefined,
      lowercase: f.cased === undefined ? undefined : !f.cased,
      bertAdam: f['bert-adam'] as boolean | undefined,
      logEvery: f['log-every'] as number | undefined,
      dropoutMasks,
    };
    const { result, exit } = await withMaxLineBytes(parsed.flags['max-line-bytes'], () =>
      withRunDirectory(out, async () => {
        // pretrain() reads a given vocabulary as it is; check it here, where its errors name it.
        if (f.vocab !== undefined) Vocab.fromFile(f.vocab as string);
        try {
          return await withInterrupts('pretrain', (signal) => pretrain({ ...options, signal }));
        } catch (err) {
          if (err instanceof VocabSizeError)
            throw new UsageError(
              `--vocab-size ${err.requested} is below the minimum for this corpus, ${err.minimum} (${err.reason}): ask for at least ${err.minimum}`,
            );
          throw err;
        }
      }),
    );
    if (exit !== null) return exit;
    const e = result.lastEval;
    console.log(`done: ${result.steps} steps in ${result.seconds.toFixed(1)} s, ${Math.round(result.tokensPerSecond)} tokens/s; model in ${result.out}`);
    if (e)
      console.log(
        `held-out: MLM accuracy ${(100 * e.mlmAccuracy).toFixed(2)}%, NSP accuracy ${(100 * e.nspAccuracy).toFixed(2)}%, MLM loss ${e.mlmLoss.toFixed(4)}`,
      );
    return 0;
  },
};
