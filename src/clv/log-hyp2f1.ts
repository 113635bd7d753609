/**
 * Natural log of the Gaussian hypergeometric function 2F1(a, b; c; z) for
 * 0 ≤ z < 1, summed in scaled floating point so that large parameters (the
 * BG/NBD conditional expectation has a, b, c growing with a customer's
 * frequency) neither overflow nor lose digits.
 */

/** Tuning of `logHyp2f1`. */
export interface Hyp2f1Options {
  /** Relative accuracy of the sum (default 1e-15). */
  readonly tolerance?: number;
  /** Terms before giving up and returning NaN (default 100 000). */
  readonly maxTerms?: number;
}

// Terms are kept as value × e^shift; rescaling at 1e200 keeps the running sum
// and the next term inside double range however large the peak term is.
const RESCALE_AT = 1e200;
const LOG_RESCALE = Math.log(RESCALE_AT);

/**
 * ln of the power series Σ (a)_n (b)_n / ((c)_n n!) zⁿ, or NaN when it does not
 * reach `tolerance` within `maxTerms` or the sum is not positive.
 */
function logSeries(
  a: number,
  b: number,
  c: number,
  z: number,
  tolerance: number,
  maxTerms: number,
) {
  let term = 1;
  let sum = 1;
  let shift = 0;
  for (let n = 0; n < maxTerms; n++) {
    const ratio = ((a + n) * (b + n) * z) / ((c + n) * (n + 1));
    term *= ratio;
    sum += term;
    if (term === 0) return Math.log(sum) + shift;
    // Ratios tend to z; once below 1 the rest is bounded by a geometric tail of
    // the larger of the current ratio and z (whichever side they approach from).
    const bound = Math.max(Math.abs(ratio), z);
    if (bound < 1 && (Math.abs(term) * bound) / (1 - bound) <= tolerance * Math.abs(sum)) {
      return sum > 0 ? Math.log(sum) + shift : Number.NaN;
    }
    if (Math.abs(sum) > RESCALE_AT || Math.abs(term) > RESCALE_AT) {
      sum /= RESCALE_AT;
      term /= RESCALE_AT;
      shift += LOG_RESCALE;
    }
  }
  return Number.NaN;
}

/**
 * ln 2F1(a, b; c; z) for 0 ≤ z < 1 and c not a non-positive integer, when the
 * function value is positive. Picks between the direct series and Euler's
 * transformation 2F1(a, b; c; z) = (1 − z)^(c−a−b) 2F1(c−a, c−b; c; z),
 * whichever has the smaller leading ratio: with a, b, c all growing together
 * (BG/NBD: r+x, b+x, a+b+x−1) the transformed parameters c−a, c−b stay small
 * and the series converges fast instead of peaking near e^x.
 * Returns NaN outside the domain or when the series does not converge.
 *
 * @example
 * Math.exp(logHyp2f1(1, 1, 2, 0.5)); // −ln(0.5)/0.5 ≈ 1.3863
 */
export function logHyp2f1(
  a: number,
  b: number,
  c: number,
  z: number,
  options: Hyp2f1Options = {},
): number {
  const tolerance = options.tolerance ?? 1e-15;
  const maxTerms = options.maxTerms ?? 100_000;
  if (!(z >= 0 && z < 1) || (c <= 0 && Number.isInteger(c))) return Number.NaN;
  if (z === 0 || a === 0 || b === 0) return 0;
  const direct = Math.abs(a * b);
  const euler = Math.abs((c - a) * (c - b));
  if (euler < direct) {
    const prefactor = (c - a - b) * Math.log1p(-z);
    return prefactor + logSeries(c - a, c - b, c, z, tolerance, maxTerms);
  }
  return logSeries(a, b, c, z, tolerance, maxTerms);
}
