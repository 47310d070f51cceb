/**
 * `bert predict --model DIR --data F [--out FILE]`: one JSON line per example of F (see src/train/predict.ts
 * for the fields of each task), to --out or stdout.
 */
import { parseArgs, RANGES, required, type FlagSpec } from '../args.ts';
import type { Command } from '../command.ts';
import { maxLineBytesFlag, withMaxLineBytes } from '../max-line-bytes-flag.ts';
import { makeParentDirectory } from '../run-dir.ts';
import { selectBackendFromEnv } from '../../accel/select.ts';
import { writeFileAtomic } from '../../io/atomic.ts';
import { loadTaskModel } from '../../train/evaluate-task.ts';
import { predictTaskModel, toJsonl } from '../../train/predict.ts';

const flags: Record<string, FlagSpec> = {
  model: { kind: 'string', path: 'dir', help: 'fine-tuned model directory (bert finetune --out)' },
  data: {
    kind: 'string',
    path: 'file',
    help: "input file in the task's format (labels not needed; token classification also takes a .txt file, one sentence per line)",
  },
  out: { kind: 'string', path: 'out-file', help: 'JSON Lines output file (default: stdout)' },
  batch: { kind: 'number', range: RANGES.count, help: 'rows per forward pass', default: 64 },
  'max-length': { kind: 'number', range: { integer: true, min: 8 }, help: 'tokens per row (default: as in training)' },
  cased: { kind: 'boolean', help: 'keep case (default: as in training)' },
  backend: { kind: 'string', help: 'kernels: cpu, wasm, gpujs (default: $BERT_BACKEND or cpu)' },
  'max-line-bytes': maxLineBytesFlag,
};

export const predictCommand: Command = {
  name: 'predict',
  summary: 'predict with a fine-tuned model: one JSON line per example',
  usage: 'bert predict --model DIR --data F [--out FILE.jsonl]',
  flags,
  async run(argv) {
    const { flags: f } = parseArgs(argv, flags);
    if (f.backend !== undefined) await selectBackendFromEnv({ ...process.env, BERT_BACKEND: f.backend as string });
    const tm = loadTaskModel(required<string>(f, 'model'), { maxLength: f['max-length'] as number | undefined, lowercase: f.cased ? false : undefined });
    const data = required<string>(f, 'data');
    const rows = await withMaxLineBytes(f['max-line-bytes'], async () => predictTaskModel(tm, data, { batchSize: f.batch as number }));
    const text = toJsonl(rows);
    const out = f.out as string | undefined;
    if (out) {
      makeParentDirectory(out, 'out');
      await writeFileAtomic(out, text);
      console.error(`wrote ${rows.length} predictions to ${out}`);
    } else {
      process.stdout.write(text);
    }
    return 0;
  },
};
