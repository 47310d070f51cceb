/**
 * Metrics as JSON lines: one object per record, e.g. {"step": 100, "split": "train", "loss": 5.2, ...}.
 * Appended as the run goes, so a crash loses nothing already logged; a resumed run truncates records
 * after its checkpoint's step, so the file describes one consistent run.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { writeFileAtomicSync } from '../io/atomic.ts';

export interface MetricsRecord {
  step: number;
  split: string;
  [key: string]: number | string;
}

export class MetricsLog {
  constructor(readonly path: string) {}

  append(record: MetricsRecord): void {
    appendFileSync(this.path, JSON.stringify(record) + '\n');
  }

  /** Every record in the file (an unreadable line is an error naming the line). */
  read(): MetricsRecord[] {
    if (!existsSync(this.path)) return [];
    const lines = readFileSync(this.path, 'utf8').split('\n');
    const out: MetricsRecord[] = [];
    lines.forEach((line, i) => {
      if (!line.trim()) return;
      try {
        out.push(JSON.parse(line) as MetricsRecord);
      } catch {
        throw new Error(`${this.path}:${i + 1}: not a JSON object`);
      }
    });
    return out;
  }

  /**
   * Keep only records up to and including `step` (used when resuming from a checkpoint at `step`). The file
   * is replaced atomically: a run killed while doing this leaves the old file, not a part of it.
   */
  truncateAfter(step: number): void {
    const kept = this.read().filter((r) => r.step <= step);
    writeFileAtomicSync(this.path, kept.map((r) => JSON.stringify(r) + '\n').join(''));
  }
}
