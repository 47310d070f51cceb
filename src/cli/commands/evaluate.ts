/**
 * `bert evaluate --model DIR --data F [--json FILE] [--svg FILE] [--out DIR]`: the metrics table of a
 * fine-tuned model on a labelled file, written as JSON too; for classification also the confusion matrix as
 * text and SVG.
 */
import { mkdirSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { parseArgs, required, type FlagSpec } from '../args.ts';
import type { Command } from '../command.ts';
import { selectBackendFromEnv } from '../../accel/select.ts';
import { writeFileAtomic } from '../../io/atomic.ts';
import { evaluateTaskModel, loadTaskModel } from '../../train/evaluate-task.ts';

const flags: Record<string, FlagSpec> = {
  model: { kind: 'string', help: 'fine-tuned model directory (bert finetune --out)' },
  data: { kind: 'string', help: 'labelled file in the task\'s format' },
  out: { kind: 'string', help: 'directory for eval-<data>.json and the confusion matrix files (default: the model directory)' },
  json: { kind: 'string', help: 'write the JSON results here instead' },
  svg: { kind: 'string', help: 'classification: write the confusion-matrix SVG here instead' },
  batch: { kind: 'number', help: 'rows per forward pass', default: 64 },
  'max-length': { kind: 'number', help: 'tokens per row (default: as in training)' },
  cased: { kind: 'boolean', help: 'keep case (default: as in training)' },
  backend: { kind: 'string', help: 'kernels: cpu, wasm, gpujs (default: $BERT_BACKEND or cpu)' },
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
    const e = evaluateTaskModel(tm, data, { batchSize: f.batch as number });
    console.log(`${tm.settings.task} on ${data}: ${e.scores.metric} ${e.scores.value.toFixed(4)}\n`);
    console.log(e.text);
    const outDir = (f.out as string | undefined) ?? modelDir;
    const stem = `eval-${basename(data, extname(data))}`;
    const jsonPath = (f.json as string | undefined) ?? join(outDir, `${stem}.json`);
    mkdirSync(dirname(jsonPath), { recursive: true });
    await writeFileAtomic(jsonPath, JSON.stringify(e.json, null, 2) + '\n');
    const written = [jsonPath];
    if (e.confusion) {
      const svgPath = (f.svg as string | undefined) ?? join(outDir, `${stem}-confusion.svg`);
      const txtPath = join(dirname(svgPath), `${basename(svgPath, '.svg')}.txt`);
      mkdirSync(dirname(svgPath), { recursive: true });
      await writeFileAtomic(svgPath, e.confusion.svg);
      await writeFileAtomic(txtPath, e.confusion.text);
      written.push(svgPath, txtPath);
    }
    console.log(`wrote ${written.join(', ')}`);
    return 0;
  },
};
