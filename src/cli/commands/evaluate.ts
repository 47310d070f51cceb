/**
 * `bert evaluate --model DIR --data F [--json FILE] [--svg FILE] [--out DIR]`: the metrics table of a
 * fine-tuned model on a labelled file, written as JSON too; for classification also the confusion matrix as
 * text and SVG.
 */
import { basename, dirname, extname, join } from 'node:path';
import { parseArgs, RANGES, required, type FlagSpec } from '../args.ts';
import type { Command } from '../command.ts';
import { maxLineBytesFlag, withMaxLineBytes } from '../max-line-bytes-flag.ts';
import { makeParentDirectory } from '../run-dir.ts';
import { selectBackendFromEnv } from '../../accel/select.ts';
import { writeFileAtomic } from '../../io/atomic.ts';
import { evaluateTaskModel, loadTaskModel } from '../../train/evaluate-task.ts';

const flags: Record<string, FlagSpec> = {
  model: { kind: 'string', path: 'dir', help: 'fine-tuned model directory (bert finetune --out)' },
  data: { kind: 'string', path: 'file', help: "labelled file in the task's format" },
  out: { kind: 'string', path: 'out-dir', help: 'directory for eval-<data>.json and the confusion matrix files (default: the model directory)' },
  json: { kind: 'string', path: 'out-file', help: 'write the JSON results here instead' },
  svg: { kind: 'string', path: 'out-file', help: 'classification: write the confusion-matrix SVG here instead' },
  batch: { kind: 'number', range: RANGES.count, help: 'rows per forward pass', default: 64 },
  'max-length': { kind: 'number', range: { integer: true, min: 8 }, help: 'tokens per row (default: as in training)' },
  cased: { kind: 'boolean', help: 'keep case (default: as in training)' },
  backend: { kind: 'string', help: 'kernels: cpu, wasm, gpujs (default: $BERT_BACKEND or cpu)' },
  'max-line-bytes': maxLineBytesFlag,
};

export const evaluateCommand: Command = {
  name: 'evaluate',
  summary: 'score a fine-tuned model on a labelled file (metrics table, JSON, confusion matrix)',
  usage: 'bert evaluate --model DIR --data F [--out DIR] [--json FILE] [--svg FILE]',
  flags,
  async run(argv) {
    const { flags: f } = parseArgs(argv, flags);
    if (f.backend !== undefined) await selectBackendFromEnv({ ...process.env, BERT_BACKEND: f.backend as string });
    const modelDir = required<string>(f, 'model');
    const data = required<string>(f, 'data');
    const tm = loadTaskModel(modelDir, { maxLength: f['max-length'] as number | undefined, lowercase: f.cased ? false : undefined });
    const e = await withMaxLineBytes(f['max-line-bytes'], async () => evaluateTaskModel(tm, data, { batchSize: f.batch as number }));
    console.log(`${tm.settings.task} on ${data}: ${e.scores.metric} ${e.scores.value.toFixed(4)}\n`);
    console.log(e.text);
    const outDir = (f.out as string | undefined) ?? modelDir;
    const stem = `eval-${basename(data, extname(data))}`;
    const jsonPath = (f.json as string | undefined) ?? join(outDir, `${stem}.json`);
    makeParentDirectory(jsonPath, f.json !== undefined ? 'json' : 'out');
    await writeFileAtomic(jsonPath, JSON.stringify(e.json, null, 2) + '\n');
    const written = [jsonPath];
    if (e.confusion) {
      const svgPath = (f.svg as string | undefined) ?? join(outDir, `${stem}-confusion.svg`);
      const txtPath = join(dirname(svgPath), `${basename(svgPath, '.svg')}.txt`);
      makeParentDirectory(svgPath, f.svg !== undefined ? 'svg' : 'out');
      await writeFileAtomic(svgPath, e.confusion.svg);
      await writeFileAtomic(txtPath, e.confusion.text);
      written.push(svgPath, txtPath);
    }
    console.log(`wrote ${written.join(', ')}`);
    return 0;
  },
};
