/**
 * BG/NBD log-likelihood (Fader, Hardie & Lee 2005, equation 6) over aggregated
 * (frequency, recency, tenure, count) groups, with its analytic gradient in
 * log-parameters. Terms that depend on one coordinate only are computed once
 * per distinct value, so an evaluation costs one exp and one log1p per group.
 */

import { distinctIndex } from "../util/distinct-index.ts";
import { InputError } from "../util/errors.ts";
import { digamma, gammaln } from "./special-functions.ts";
import type { BgNbdParams, PreparedLikelihood, RfmColumns } from "./types.ts";

/** Throws an InputError naming the first group that is not valid BG/NBD input. */
function validate(data: RfmColumns): void {
  const n = data.frequency.length;
  if (data.recency.length !== n || data.tenure.length !== n || data.count.length !== n) {
    throw new InputError("BG/NBD input columns differ in length");
  }
  for (let i = 0; i < n; i++) {
    const x = data.frequency[i] as number;
    const tx = data.recency[i] as number;
    const T = data.tenure[i] as number;
    const c = data.count[i] as number;
    const ok =
      Number.isInteger(x) &&
      x >= 0 &&
      tx >= 0 &&
      tx <= T &&
      Number.isFinite(T) &&
      c >= 0 &&
      Number.isFinite(c) &&
      (x > 0 || tx === 0);
    if (!ok) {
      throw new InputError(
        `BG/NBD input group ${i} is invalid: frequency=${x} recency=${tx} tenure=${T} count=${c} ` +
          "(need integer frequency ≥ 0, 0 ≤ recency ≤ tenure, recency 0 when frequency is 0, count ≥ 0)",
      );
    }
  }
}

/**
 * Prepares the BG/NBD log-likelihood of `data` for the optimiser. Groups with
 * count 0 contribute nothing; invalid groups throw an InputError.
 *
 * @example
 * const ll = prepareBgNbdLikelihood({ frequency: [2], recency: [30.43], tenure: [38.86], count: [1] });
 * ll.evaluate([Math.log(0.243), Math.log(4.414), Math.log(0.793), Math.log(2.426)]);
 */
export function prepareBgNbdLikelihood(data: RfmColumns): PreparedLikelihood {
  validate(data);
  const groups = data.frequency.length;
  const xs = distinctIndex(data.frequency);
  const ts = distinctIndex(data.tenure);
  const rs = distinctIndex(data.recency);
  const count = Float64Array.from(data.count);
  const frequency = Float64Array.from(data.frequency);
  const xCount = new Float64Array(xs.values.length);
  let customers = 0;
  for (let i = 0; i < groups; i++) {
    const ix = xs.index[i] as number;
    xCount[ix] = (xCount[ix] as number) + (count[i] as number);
    customers += count[i] as number;
  }
  const lnAT = new Float64Array(ts.values.length);
  const invAT = new Float64Array(ts.values.length);
  const lnAtx = new Float64Array(rs.values.length);
  const invAtx = new Float64Array(rs.values.length);
  const lnA4 = new Float64Array(xs.values.length);
  const w4ByX = new Float64Array(xs.values.length);

  const evaluate = (theta: ArrayLike<number>, gradient?: Float64Array): number => {
    const r = Math.exp(theta[0] as number);
    const alpha = Math.exp(theta[1] as number);
    const a = Math.exp(theta[2] as number);
    const b = Math.exp(theta[3] as number);
    const lnAlpha = Math.log(alpha);
    let ll = customers * r * lnAlpha;
    const gammaShared = gammaln(a + b) - gammaln(r) - gammaln(b);
    for (let k = 0; k < xs.values.length; k++) {
      const x = xs.values[k] as number;
      ll +=
        (xCount[k] as number) *
        (gammaln(r + x) + gammaln(b + x) - gammaln(a + b + x) + gammaShared);
      lnA4[k] = x > 0 ? Math.log(a) - Math.log(b + x - 1) : Number.NEGATIVE_INFINITY;
    }
    for (let j = 0; j < ts.values.length; j++) {
      const s = alpha + (ts.values[j] as number);
      lnAT[j] = Math.log(s);
      invAT[j] = 1 / s;
    }
    for (let j = 0; j < rs.values.length; j++) {
      const s = alpha + (rs.values[j] as number);
      lnAtx[j] = Math.log(s);
      invAtx[j] = 1 / s;
    }
    w4ByX.fill(0);
    // Σ c·∂(log-sum-exp)/∂r and /∂α, accumulated with the weights w3 + w4 = 1
    // of the two terms (w4 = share of the "dropped out after t_x" term).
    let sumR = 0;
    let sumAlpha = 0;
    const xIndex = xs.index;
    const tIndex = ts.index;
    const rIndex = rs.index;
    for (let i = 0; i < groups; i++) {
      const c = count[i] as number;
      if (c === 0) continue;
      const x = frequency[i] as number;
      const rx = r + x;
      const it = tIndex[i] as number;
      const a3 = -rx * (lnAT[it] as number);
      if (x === 0) {
        ll += c * a3;
        sumR += c * (lnAT[it] as number);
        sumAlpha += c * rx * (invAT[it] as number);
        continue;
      }
      const ix = xIndex[i] as number;
      const itx = rIndex[i] as number;
      const a4 = (lnA4[ix] as number) - rx * (lnAtx[itx] as number);
      const high = Math.max(a3, a4);
      const e = Math.exp(-Math.abs(a3 - a4));
      ll += c * (high + Math.log1p(e));
      if (gradient) {
        const w4 = a4 >= a3 ? 1 / (1 + e) : e / (1 + e);
        const w3 = 1 - w4;
        sumR += c * (w3 * (lnAT[it] as number) + w4 * (lnAtx[itx] as number));
        sumAlpha += c * rx * (w3 * (invAT[it] as number) + w4 * (invAtx[itx] as number));
        w4ByX[ix] = (w4ByX[ix] as number) + c * w4;
      }
    }
    if (gradient) {
      const psiR = digamma(r);
      const psiB = digamma(b);
      const psiAB = digamma(a + b);
      let dr = customers * lnAlpha - sumR;
      let da = 0;
      let db = 0;
      for (let k = 0; k < xs.values.length; k++) {
        const x = xs.values[k] as number;
        const n = xCount[k] as number;
        const psiABX = digamma(a + b + x);
        dr += n * (digamma(r + x) - psiR);
        da += n * (psiAB - psiABX);
        db += n * (psiAB + digamma(b + x) - psiB - psiABX);
        if (x > 0) {
          da += (w4ByX[k] as number) / a;
          db -= (w4ByX[k] as number) / (b + x - 1);
        }
      }
      const dAlpha = (customers * r) / alpha - sumAlpha;
      // Chain rule for θ = ln(parameter): ∂ℓ/∂θ = parameter · ∂ℓ/∂parameter.
      gradient[0] = r * dr;
      gradient[1] = alpha * dAlpha;
      gradient[2] = a * da;
      gradient[3] = b * db;
    }
    return ll;
  };
  return { customers, groups, evaluate };
}

/** ln of the parameters, in the order the prepared likelihood expects. */
export function bgNbdTheta(params: BgNbdParams): Float64Array {
  return Float64Array.of(
    Math.log(params.r),
    Math.log(params.alpha),
    Math.log(params.a),
    Math.log(params.b),
  );
}

/**
 * BG/NBD log-likelihood of `data` at `params`, summed over customers.
 *
 * @example
 * bgNbdLogLikelihood({ r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 }, cdnowWeeks); // ≈ −9582.4
 */
export function bgNbdLogLikelihood(params: BgNbdParams, data: RfmColumns): number {
  return prepareBgNbdLikelihood(data).evaluate(bgNbdTheta(params));
}
