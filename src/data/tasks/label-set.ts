/**
 * The classes of a classification task: label names <-> ids.
 *
 * The set is built from the TRAINING file and then fixed: a label in a dev or test file that the training file
 * never used is an error naming the file, the line and the known labels - never a silent new class, which
 * would give the model a class it has no output for.
 *
 * Order of the ids (`LabelSet.fromValues`): sorted, so that the ids do not depend on the order of the
 * training rows (Hugging Face's run_glue / run_ner sort the label list too). When every label is an integer
 * ("0", "1", "2", "-1") the order is numeric, so GLUE's 0/1 labels keep their meaning as ids; otherwise it is
 * plain string order (UTF-16 code units, the same as Python's for text without astral characters).
 * `'first-seen'` keeps the order of first appearance instead.
 *
 * Save `toConfig()` with the model (Hugging Face's `id2label` / `label2id` in config.json) and rebuild with
 * `LabelSet.fromConfig` for evaluation and prediction.
 */
import { TaskDataError } from './errors.ts';

export type LabelOrder = 'sorted' | 'first-seen';

/** Hugging Face config fields: `id2label` has string keys "0".."n-1". */
export interface LabelConfig {
  id2label: Record<string, string>;
  label2id: Record<string, number>;
}

export class LabelSet {
  /** Label names; the index is the class id. */
  readonly labels: readonly string[];
  private readonly index: Map<string, number>;

  /** @param labels class names in id order: non-empty strings, no duplicates, at least one */
  constructor(labels: readonly string[]) {
    if (labels.length === 0) throw new Error('LabelSet: expected at least one label, got none');
    const index = new Map<string, number>();
    labels.forEach((l, i) => {
      if (typeof l !== 'string' || l === '') throw new Error(`LabelSet: label ${i} must be a non-empty string, got ${JSON.stringify(l)}`);
      if (index.has(l)) throw new Error(`LabelSet: label ${JSON.stringify(l)} appears twice (ids ${index.get(l)} and ${i})`);
      index.set(l, i);
    });
    this.labels = [...labels];
    this.index = index;
  }

  /** The distinct values, ordered as the file comment says (default 'sorted'). */
  static fromValues(values: Iterable<string>, order: LabelOrder = 'sorted'): LabelSet {
    const distinct = [...new Set(values)];
    if (order === 'sorted') {
      const integers = distinct.every((v) => /^-?\d+$/.test(v));
      distinct.sort(integers ? (a, b) => Number(a) - Number(b) : (a, b) => (a < b ? -1 : a > b ? 1 : 0));
    } else if (order !== 'first-seen') {
      throw new Error(`LabelSet.fromValues: unknown order ${JSON.stringify(order)}; expected 'sorted' or 'first-seen'`);
    }
    return new LabelSet(distinct);
  }

  /** Rebuild from a Hugging Face config's `id2label` (keys "0".."n-1", all present). */
  static fromConfig(config: { id2label: Record<string, string> }): LabelSet {
    const n = Object.keys(config.id2label).length;
    const labels: string[] = [];
    for (let i = 0; i < n; i++) {
      const l = config.id2label[String(i)];
      if (l === undefined) throw new Error(`LabelSet.fromConfig: id2label has ${n} entries but no id "${i}"`);
      labels.push(l);
    }
    return new LabelSet(labels);
  }

  get size(): number {
    return this.labels.length;
  }

  has(label: string): boolean {
    return this.index.has(label);
  }

  /**
   * The id of `label`.
   * @throws TaskDataError naming `file`, `line` and the known labels when the label is unknown
   */
  id(label: string, file = '<labels>', line?: number): number {
    const id = this.index.get(label);
    if (id === undefined) {
      throw new TaskDataError(
        `unknown label ${JSON.stringify(label)}; the known labels (from the training data) are: ${this.labels.map((l) => JSON.stringify(l)).join(', ')}`,
        file,
        line,
      );
    }
    return id;
  }

  /** The name of class `id`; throws for an id outside 0..size-1. */
  name(id: number): string {
    const l = this.labels[id];
    if (l === undefined) throw new Error(`LabelSet: id ${id} is outside 0..${this.labels.length - 1}`);
    return l;
  }

  /** `id2label` / `label2id` for config.json. */
  toConfig(): LabelConfig {
    const id2label: Record<string, string> = {};
    const label2id: Record<string, number> = {};
    this.labels.forEach((l, i) => {
      id2label[String(i)] = l;
      label2id[l] = i;
    });
    return { id2label, label2id };
  }
}
