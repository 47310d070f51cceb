/**
 * erf, GELU and GELU' for float32 tensors: a rational approximation that is as accurate as float32 can
 * store and about ten times faster than the float64-exact erf of tensor/scalar-math.ts (which needs one of four
 * branches, two polynomials and often an exp).
 *
 *   erf(x) ~= x P(x^2) / Q(x^2),  x clamped to [-4, 4]  (beyond, erf rounds to +-1 in float32)
 *
 * with P of degree 6 and Q of degree 4 in x^2. The coefficients are those of the float32 erf in the Eigen
 * and XLA libraries. Over [-8, 8] the largest difference from the exact erf is 6.5e-8 absolute and relative
 * (half a float32 unit at 1; test/ops/erf-float32.test.ts measures it). float64 tensors keep the exact
 * functions: their gradients are checked against finite differences to 1e-6.
 */

/**
 * The coefficients, highest power of z = x^2 first: erf(x) ~= x P(z) / Q(z). erfFloat32 below spells them
 * out as literals (V8 then folds them into the code); the GPU kernels are generated from these arrays;
 * a test checks that the two agree.
 */
export const ERF_FLOAT32_P = [
  -2.72614225801306e-10, 2.77068142495902e-8, -2.10102402082508e-6, -5.69250639462346e-5, -7.34990630326855e-4, -2.95459980854025e-3, -1.60960333262415e-2,
];
export const ERF_FLOAT32_Q = [-1.45660718464996e-5, -2.13374055278905e-4, -1.68282697438203e-3, -7.37332916720468e-3, -1.42647390514189e-2];

/** erf(x) to float32 accuracy (max error 6.5e-8). [docs: erf-float32] */
export function erfFloat32(v: number): number {
  const x = v > 4 ? 4 : v < -4 ? -4 : v;
  const z = x * x;
  // Horner's rule in z = x^2, highest coefficient first.
  let p = -2.72614225801306e-10;
  p = p * z + 2.77068142495902e-8;
  p = p * z - 2.10102402082508e-6;
  p = p * z - 5.69250639462346e-5;
  p = p * z - 7.34990630326855e-4;
  p = p * z - 2.95459980854025e-3;
  p = p * z - 1.60960333262415e-2;
  let q = -1.45660718464996e-5;
  q = q * z - 2.13374055278905e-4;
  q = q * z - 1.68282697438203e-3;
  q = q * z - 7.37332916720468e-3;
  q = q * z - 1.42647390514189e-2;
  return (x * p) / q;
}

const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** gelu(x) = x/2 (1 + erf(x / sqrt 2)), with erfFloat32. */
export function geluFloat32(x: number): number {
  return 0.5 * x * (1 + erfFloat32(x * SQRT1_2));
}

/** gelu'(x) = Phi(x) + x phi(x) = (1 + erf(x / sqrt 2)) / 2 + x exp(-x^2/2) / sqrt(2 pi), with erfFloat32. */
export function geluDerivativeFloat32(x: number): number {
  return 0.5 * (1 + erfFloat32(x * SQRT1_2)) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x);
}
