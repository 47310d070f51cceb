/**
 * Scalar functions JavaScript's Math lacks: erf, and the exact (erf-form) GELU with its derivative.
 *
 * erf(x) = 2/sqrt(pi) * integral_0^x exp(-t^2) dt. The rational approximations below are the classic
 * ones of Sun's fdlibm (1993): four ranges of |x|, each a ratio of polynomials whose coefficients were fitted
 * so that the error stays below one unit in the last place of a float64. Accuracy at that level matters:
 * gradients are checked against central differences of this very function in float64.
 */

// |x| < 0.84375: erf(x) = x + x * P(x^2) / Q(x^2)
const EFX = 1.28379167095512586316e-1; // 2/sqrt(pi) - 1
const PP = [1.28379167095512558561e-1, -3.2504210724700149937e-1, -2.84817495755985104766e-2, -5.77027029648944159157e-3, -2.37630166566501626084e-5];
const QQ = [1, 3.97917223959155352819e-1, 6.50222499887672944485e-2, 5.08130628187576562776e-3, 1.32494738004321644526e-4, -3.9602282787753681232e-6];
// 0.84375 <= |x| < 1.25: erf(x) = c + P(s)/Q(s), s = |x| - 1
const ERX = 8.45062911510467529297e-1;
const PA = [
  -2.36211856075265944077e-3, 4.14856118683748331666e-1, -3.72207876035701323847e-1, 3.18346619901161753674e-1, -1.10894694282396677476e-1,
  3.54783043256182359371e-2, -2.166375594868790843e-3,
];
const QA = [
  1, 1.06420880400844228286e-1, 5.40397917702171048937e-1, 7.18286544141962662868e-2, 1.26171219808761642112e-1, 1.36370839120290507362e-2,
  1.1984499846799107417e-2,
];
// 1.25 <= |x| < 1/0.35: erfc(x) = exp(-x^2 - 0.5625 + R(z)/S(z)) / x, z = 1/x^2
const RA = [
  -9.86494403484714822705e-3, -6.93858572707181764372e-1, -1.05586262253232909814e1, -6.23753324503260060396e1, -1.62396669462573470355e2,
  -1.84605092906711035994e2, -8.12874355063065934246e1, -9.81432934416914548592,
];
const SA = [
  1, 1.96512716674392571292e1, 1.376577541435190426e2, 4.34565877475229228821e2, 6.45387271733267880336e2, 4.29008140027567833386e2, 1.08635005541779435134e2,
  6.57024977031928170135, -6.04244152148580987438e-2,
];
// 1/0.35 <= |x| < 6: the same form with other coefficients
const RB = [
  -9.86494292470009928597e-3, -7.99283237680523006574e-1, -1.77579549177547519889e1, -1.60636384855821916062e2, -6.37566443368389627722e2,
  -1.02509513161107724954e3, -4.83519191608651397019e2,
];
const SB = [
  1, 3.03380607434824582924e1, 3.25792512996573918826e2, 1.53672958608443695994e3, 3.19985821950859553908e3, 2.55305040643316442583e3, 4.74528541206955367215e2,
  -2.24409524465858183362e1,
];

/** Evaluate c[0] + c[1] x + c[2] x^2 + ... by Horner's rule. */
function poly(c: readonly number[], x: number): number {
  let r = c[c.length - 1];
  for (let i = c.length - 2; i >= 0; i--) r = r * x + c[i];
  return r;
}

/** The error function, accurate to about one float64 ulp. erf(-x) = -erf(x). */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  const sign = x < 0 ? -1 : 1;
  if (ax < 0.84375) {
    if (ax < 3.7252902984e-9) return x + EFX * x; // 2^-28: the series' first term is exact
    const z = x * x;
    return x + (x * poly(PP, z)) / poly(QQ, z);
  }
  if (ax < 1.25) {
    const s = ax - 1;
    return sign * (ERX + poly(PA, s) / poly(QA, s));
  }
  if (ax >= 6) return sign; // 1 - erf(6) < 1e-17
  const z = 1 / (ax * ax);
  const ratio = ax < 1 / 0.35 ? poly(RA, z) / poly(SA, z) : poly(RB, z) / poly(SB, z);
  const erfc = Math.exp(-ax * ax - 0.5625 + ratio) / ax;
  return sign * (1 - erfc);
}

const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** GELU in its exact form: gelu(x) = x * Phi(x) = x/2 * (1 + erf(x / sqrt 2)). [docs: gelu-exact] */
export function gelu(x: number): number {
  return 0.5 * x * (1 + erf(x * SQRT1_2));
}

/** d gelu / dx = Phi(x) + x * phi(x), with phi(x) = exp(-x^2/2) / sqrt(2 pi) the normal density. [docs: gelu-derivative] */
export function geluDerivative(x: number): number {
  return 0.5 * (1 + erf(x * SQRT1_2)) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x);
}
