/**
 * The float32 erf / GELU / GELU' against the float64-exact functions of scalar-math.ts on a dense grid:
 * the error bound the JSDoc of src/ops/erf-float32.ts states, and what it means for GELU.
 */
import { describe, expect, it } from 'vitest';
import { ERF_FLOAT32_P, ERF_FLOAT32_Q, erfFloat32, geluDerivativeFloat32, geluFloat32 } from '../../src/ops/erf-float32.ts';
import { erf, gelu, geluDerivative } from '../../src/tensor/scalar-math.ts';

/** x = -8 .. 8 in steps of 1e-4, and a few far values. */
function grid(): number[] {
  const xs: number[] = [];
  for (let i = -80_000; i <= 80_000; i++) xs.push(i / 10_000);
  xs.push(-1e6, -30, 30, 1e6, 1e-30, -1e-30);
  return xs;
}

describe('erfFloat32', () => {
  it('spells out the same coefficients as ERF_FLOAT32_P / _Q, from which the GPU kernels are generated', () => {
    const horner = (cs: number[], z: number) => cs.reduce((acc, c, i) => (i === 0 ? c : acc * z + c), 0);
    for (let x = -5; x <= 5; x += 0.037) {
      const c = Math.min(Math.max(x, -4), 4);
      expect(erfFloat32(x)).toBe((c * horner(ERF_FLOAT32_P, c * c)) / horner(ERF_FLOAT32_Q, c * c));
    }
  });

  it('stays within 6.5e-8 of the exact erf, absolute and relative (half a float32 unit at 1)', () => {
    let worstAbs = 0;
    let worstRel = 0;
    for (const x of grid()) {
      const exact = erf(x);
      const err = Math.abs(erfFloat32(x) - exact);
      worstAbs = Math.max(worstAbs, err);
      if (exact !== 0) worstRel = Math.max(worstRel, err / Math.abs(exact));
    }
    expect(worstAbs).toBeLessThan(6.5e-8);
    expect(worstRel).toBeLessThan(6.6e-8);
  });

  it('is odd, and 0 at 0', () => {
    for (const x of [0.1, 0.7, 1.3, 2.9, 5]) expect(erfFloat32(-x)).toBe(-erfFloat32(x));
    expect(erfFloat32(0)).toBe(0);
  });
});

describe('GELU and its derivative in float32', () => {
  it('differ from the exact functions by at most 5e-8 |x| + 1e-7 (erf error times |x| / 2, plus exp rounding)', () => {
    let worstGelu = 0;
    let worstDerivative = 0;
    for (const x of grid()) {
      if (Math.abs(x) > 100) continue;
      worstGelu = Math.max(worstGelu, Math.abs(geluFloat32(x) - gelu(x)) / (5e-8 * Math.abs(x) + 1e-7));
      worstDerivative = Math.max(worstDerivative, Math.abs(geluDerivativeFloat32(x) - geluDerivative(x)) / 1e-7);
    }
    expect(worstGelu).toBeLessThan(1);
    expect(worstDerivative).toBeLessThan(1);
  });
});
