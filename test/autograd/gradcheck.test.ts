/**
 * gradcheck itself: it must pass correct gradients, catch wrong ones (so the op tests can fail), and refuse
 * inputs it cannot check in float64.
 */
import { describe, expect, it } from 'vitest';
import { gradcheck, mul, record, square, sum, Tensor, tensor } from '../ops/core.ts';
import { t64 } from '../ops/helpers.ts';

/** x^3 elementwise with a chosen (possibly wrong) derivative factor. */
function cubeWithDerivative(factor: number) {
  return (x: Tensor): Tensor => {
    const out = new Tensor(
      Float64Array.from(x.data, (v) => v ** 3),
      x.shape,
    );
    return record(out, [x], 'cube', (g) => [
      new Tensor(
        Float64Array.from(g.data, (gv, i) => gv * factor * x.data[i] ** 2),
        x.shape,
      ),
    ]);
  };
}

describe('gradcheck', () => {
  it('passes a correct gradient (scalar and non-scalar outputs)', () => {
    const x = t64([3], [0.5, -1, 2]);
    const ok = gradcheck(cubeWithDerivative(3), [x]);
    expect(ok.ok).toBe(true);
    expect(ok.worstRatio).toBeLessThan(1);
    expect(gradcheck((t) => sum(cubeWithDerivative(3)(t)), [x]).ok).toBe(true);
  });

  it('catches a wrong gradient and says where', () => {
    const x = t64([3], [0.5, -1, 2]);
    const bad = gradcheck(cubeWithDerivative(3.001), [x]);
    expect(bad.ok).toBe(false);
    expect(bad.worstRatio).toBeGreaterThan(1);
    expect(bad.worst).toMatch(/^input 0 element 2: analytic .*, numeric .*$/);
  });

  it('catches a gradient that is missing for one input of two', () => {
    const a = t64([2], [1, 2]);
    const b = t64([2], [3, 4]);
    const dropsB = (x: Tensor, y: Tensor) => {
      const out = new Tensor(
        Float64Array.from(x.data, (v, i) => v * y.data[i]),
        x.shape,
      );
      return record(out, [x, y], 'mulNoB', (g) => [mul(g, y), null]);
    };
    const r = gradcheck(dropsB, [a, b]);
    expect(r.ok).toBe(false);
    expect(r.worst).toMatch(/^input 1 /);
    expect(gradcheck((x, y) => mul(x, y), [a, b]).ok).toBe(true);
  });

  it('reports NaN gradients as a failure', () => {
    const x = t64([1], [1]);
    const nan = (t: Tensor) => record(new Tensor(Float64Array.from(t.data), t.shape), [t], 'nan', () => [t64([1], [NaN], false)]);
    const r = gradcheck(nan, [x]);
    expect(r.ok).toBe(false);
    expect(r.worstRatio).toBe(Infinity);
  });

  it('leaves the inputs unchanged and their .grad set by the analytic pass', () => {
    const x = t64([2], [0.3, -0.7]);
    gradcheck((t) => sum(square(t)), [x]);
    expect(Array.from(x.data)).toEqual([0.3, -0.7]);
    expect(Array.from(x.grad!.data)).toEqual([0.6, -1.4]);
  });

  it('refuses float32 inputs, float32 outputs and outputs that need no gradient', () => {
    expect(() => gradcheck((t) => square(t), [tensor([1, 2], { requiresGrad: true })])).toThrow(
      /^gradcheck: input 0 must be float64 to be checked, got float32$/,
    );
    const x = t64([2], [1, 2]);
    const toF32 = (t: Tensor) => record(new Tensor(Float32Array.from(t.data), t.shape), [t], 'toF32', (g) => [g]);
    expect(() => gradcheck(toF32, [x])).toThrow(/^gradcheck: the function must return float64, got float32$/);
    expect(() => gradcheck(() => t64([1], [1], false), [x])).toThrow(/^gradcheck: the output does not depend on any input that requires a gradient$/);
  });
});
