/**
 * BG/NBD per-customer predictions (Fader, Hardie & Lee 2005): the probability
 * that a customer is still alive and the expected number of purchases in the
 * next `horizon` time units, given frequency x, recency t_x and tenure T.
 */
import { groupTriples } from "./group-customers.ts";
import { betaln } from "./special-functions.ts";
import { integrateUnitInterval } from "./tanh-sinh.ts";
import type { BgNbdParams, RfmColumns } from "./types.ts";

/**
 * ln of the odds that a customer has dropped out: for x > 0,
 * a/(b+x−1) · ((α+T)/(α+t_x))^(r+x); −∞ when x = 0 (no purchase to drop out after).
 */
function logDropoutOdds(params: BgNbdParams, x: number, tx: number, T: number): number {
  if (x <= 0) return Number.NEGATIVE_INFINITY;
  const { r, alpha, a, b } = params;
  return Math.log(a) - Math.log(b + x - 1) + (r + x) * (Math.log(alpha + T) - Math.log(alpha + tx));
}

/**
 * P(alive | x, t_x, T): probability the customer has not dropped out by T.
 *
 * @example
 * pAlive({ r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 }, 2, 30.43, 38.86); // ≈ 0.7266
 */
export function pAlive(
  params: BgNbdParams,
  frequency: number,
  recency: number,
  tenure: number,
): number {
  const logOdds = logDropoutOdds(params, frequency, recency, tenure);
  // 1/(1 + e^l) written to stay exact for large |l|.
  return logOdds > 0 ? Math.exp(-logOdds) / (1 + Math.exp(-logOdds)) : 1 / (1 + Math.exp(logOdds));
}

/** Largest number of series terms before switching to quadrature (z ≳ 0.98). */
const MAX_SERIES_TERMS = 2000;

/**
 * Expected purchases in the next t = `horizon` time units of a customer known
 * to be alive at T with x repeat purchases, E_p[(1 − (1 + p·t/(α+T))^−(r+x)) / p]
 * with p ~ Beta(a, b+x): the 2F1 factor of the paper's equation (10),
 * (a+b+x−1)/(a−1) · [1 − (1−z)^(r+x) 2F1(r+x, b+x; a+b+x−1; z)], z = t/(α+T+t).
 * Multiplied by P(alive) it is the expected number of purchases.
 *
 * Euler's transformation turns (1−z)^(r+x) 2F1(…) into (1−z)^(a−1) 2F1(a+b−1−r, a−1; c; z)
 * with c = a+b+x−1, whose parameters no longer grow with x. Splitting off its
 * leading 1 and dividing by a−1 analytically gives
 *   c·[1 − (1−z)^(a−1)]/(a−1) − (1−z)^(a−1) Σₙ≥₁ (a+b−1−r)ₙ (a)ₙ₋₁ / ((c+1)ₙ₋₁ n!) zⁿ,
 * finite at a = 1 and at c = 0 where the textbook form is 0/0, and free of
 * the cancellation of 1 − (≈1) for short horizons. When z is so close to 1
 * that the series would need more than MAX_SERIES_TERMS terms, the Beta
 * expectation is integrated numerically instead.
 */
export function conditionalPurchaseFactor(
  params: BgNbdParams,
  frequency: number,
  tenure: number,
  horizon: number,
): number {
  const { r, alpha, a, b } = params;
  if (horizon <= 0) return 0;
  const x = frequency;
  const z = horizon / (alpha + tenure + horizon);
  const c = a + b + x - 1;
  const lnOneMinusZ = Math.log1p(-z);
  const d = a - 1;
  // [1 − (1−z)^d]/d, → −ln(1−z) as d → 0.
  const head = d === 0 ? -lnOneMinusZ : -Math.expm1(d * lnOneMinusZ) / d;
  const A = a + b - 1 - r;
  let term = A * z;
  let sum = term;
  for (let n = 1; n < MAX_SERIES_TERMS; n++) {
    const ratio = ((A + n) * (a + n - 1) * z) / ((c + n) * (n + 1));
    term *= ratio;
    sum += term;
    const bound = Math.max(Math.abs(ratio), z);
    if (
      term === 0 ||
      (bound < 1 && (Math.abs(term) * bound) / (1 - bound) <= 1e-16 * Math.abs(sum))
    ) {
      return c * head - Math.exp(d * lnOneMinusZ) * sum;
    }
  }
  return betaExpectationByQuadrature(params, x, tenure, horizon);
}

/** E_p[(1 − (1 + p·s)^−(r+x)) / p], p ~ Beta(a, b+x), s = t/(α+T), by tanh-sinh quadrature. */
function betaExpectationByQuadrature(
  params: BgNbdParams,
  x: number,
  tenure: number,
  horizon: number,
): number {
  const { r, alpha, a, b } = params;
  const s = horizon / (alpha + tenure);
  const k = r + x;
  const bx = b + x;
  const logNorm = betaln(a, bx);
  return integrateUnitInterval(({ p, lnP, lnQ }) => {
    const logDensity = (a - 1) * lnP + (bx - 1) * lnQ - logNorm;
    // p underflows to 0 at the outermost nodes; the integrand's limit there is k·s.
    const g = p === 0 ? k * s : -Math.expm1(-k * Math.log1p(p * s)) / p;
    return logDensity + Math.log(g);
  }).value;
}

/**
 * Expected purchases in the next `horizon` time units for a customer with
 * frequency x, recency t_x and tenure T (equation 10 of Fader, Hardie & Lee 2005).
 *
 * @example
 * expectedPurchases({ r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 }, 2, 30.43, 38.86, 39); // ≈ 1.2259
 */
export function expectedPurchases(
  params: BgNbdParams,
  frequency: number,
  recency: number,
  tenure: number,
  horizon: number,
): number {
  return (
    pAlive(params, frequency, recency, tenure) *
    conditionalPurchaseFactor(params, frequency, tenure, horizon)
  );
}

/** P(alive) and expected purchases for every group of a column set, index for index. */
export interface BgNbdScores {
  readonly pAlive: Float64Array;
  readonly expectedPurchases: Float64Array;
}

/**
 * Scores every (frequency, recency, tenure) group of `data` (a `count` column
 * is ignored). The series factor depends on (frequency, tenure) only, so it
 * is computed once per distinct pair (a few thousand at a million buyers);
 * P(alive) is closed-form per group.
 */
export function scoreBgNbd(
  params: BgNbdParams,
  data: Omit<RfmColumns, "count">,
  horizon: number,
): BgNbdScores {
  const n = data.frequency.length;
  const pairs = groupTriples(data.frequency, data.tenure, new Float64Array(n));
  const factors = new Float64Array(pairs.groups.count.length);
  for (let k = 0; k < factors.length; k++) {
    const x = pairs.groups.frequency[k] as number;
    const T = pairs.groups.recency[k] as number;
    factors[k] = conditionalPurchaseFactor(params, x, T, horizon);
  }
  const alive = new Float64Array(n);
  const expected = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const p = pAlive(
      params,
      data.frequency[i] as number,
      data.recency[i] as number,
      data.tenure[i] as number,
    );
    alive[i] = p;
    expected[i] = p * (factors[pairs.groupOf[i] as number] as number);
  }
  return { pAlive: alive, expectedPurchases: expected };
}
