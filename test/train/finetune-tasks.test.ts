/**
 * Helpers of the fine-tuning tasks that `bert predict` uses on each row's logits: softmaxOf follows the
 * library's softmax conventions (tested on hand-worked values), argmaxOf picks the first maximum.
 */
import { describe, expect, it } from 'vitest';
import { argmaxOf, softmaxOf } from '../../src/train/finetune-tasks.ts';

describe('softmaxOf', () => {
  it('gives exp(x - max) / sum for ordinary logits', () => {
    const p = softmaxOf([0, Math.log(3)]); // e^0 : e^ln3 = 1 : 3
    expect(p[0]).toBeCloseTo(0.25, 12);
    expect(p[1]).toBeCloseTo(0.75, 12);
    expect(softmaxOf([1000, 1000])).toEqual([0.5, 0.5]); // no overflow: the max is subtracted first
  });

  it('follows the library conventions for masked and broken rows (not NaN from -Infinity - -Infinity)', () => {
    expect(softmaxOf([-Infinity, -Infinity])).toEqual([0, 0]);
    expect(softmaxOf([-Infinity, 2])).toEqual([0, 1]);
    expect(softmaxOf([1, Infinity]).every(Number.isNaN)).toBe(true);
    expect(softmaxOf([1, NaN]).every(Number.isNaN)).toBe(true);
    expect(softmaxOf([])).toEqual([]);
  });

  it('argmaxOf picks the first of equal maxima within the given row', () => {
    expect(argmaxOf(Float32Array.from([0, 5, 5, 1, 9]), 0, 4)).toBe(1);
    expect(argmaxOf(Float32Array.from([0, 5, 5, 1, 9]), 3, 2)).toBe(1);
  });
});
