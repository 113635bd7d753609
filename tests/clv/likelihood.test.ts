import { describe, expect, it } from "vitest";
import {
  bgNbdLogLikelihood,
  bgNbdTheta,
  prepareBgNbdLikelihood,
} from "../../src/clv/bgnbd-likelihood.ts";
import {
  gammaGammaLogLikelihood,
  gammaGammaTheta,
  prepareGammaGammaLikelihood,
} from "../../src/clv/gamma-gamma-likelihood.ts";
import { betaln, gammaln } from "../../src/clv/special-functions.ts";
import type { BgNbdParams, PreparedLikelihood, RfmColumns } from "../../src/clv/types.ts";

const cdnow: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };

/** Equation (6) of the BG/NBD paper for one customer, written out directly. */
function naiveBgNbd({ r, alpha, a, b }: BgNbdParams, x: number, tx: number, T: number): number {
  const common =
    gammaln(r + x) - gammaln(r) + r * Math.log(alpha) + betaln(a, b + x) - betaln(a, b);
  const alive = Math.exp(-(r + x) * Math.log(alpha + T));
  const dead = x > 0 ? (a / (b + x - 1)) * Math.exp(-(r + x) * Math.log(alpha + tx)) : 0;
  return common + Math.log(alive + dead);
}

const rfm: RfmColumns = {
  frequency: [0, 0, 1, 2, 2, 7, 30],
  recency: [0, 0, 3.5, 30.43, 10, 35, 38],
  tenure: [38.86, 12, 20, 38.86, 38.86, 38.86, 39],
  count: [1411, 5, 2, 1, 3, 4, 1],
};

/** Checks the analytic gradient against central differences of the value. */
function expectGradientMatches(likelihood: PreparedLikelihood, theta: Float64Array): void {
  const gradient = new Float64Array(theta.length);
  likelihood.evaluate(theta, gradient);
  for (let i = 0; i < theta.length; i++) {
    const h = 1e-6;
    const plus = Float64Array.from(theta);
    const minus = Float64Array.from(theta);
    plus[i] = (plus[i] as number) + h;
    minus[i] = (minus[i] as number) - h;
    const numeric = (likelihood.evaluate(plus) - likelihood.evaluate(minus)) / (2 * h);
    expect(Math.abs((gradient[i] as number) - numeric)).toBeLessThan(
      1e-5 * Math.max(1, Math.abs(numeric)),
    );
  }
}

describe("BG/NBD log-likelihood", () => {
  it("equals the per-customer formula summed with counts", () => {
    let expected = 0;
    for (let i = 0; i < rfm.count.length; i++) {
      expected +=
        (rfm.count[i] as number) *
        naiveBgNbd(
          cdnow,
          rfm.frequency[i] as number,
          rfm.recency[i] as number,
          rfm.tenure[i] as number,
        );
    }
    expect(bgNbdLogLikelihood(cdnow, rfm)).toBeCloseTo(expected, 9);
  });

  it("has an analytic gradient that matches finite differences", () => {
    const likelihood = prepareBgNbdLikelihood(rfm);
    expectGradientMatches(likelihood, bgNbdTheta(cdnow));
    expectGradientMatches(likelihood, bgNbdTheta({ r: 2, alpha: 0.7, a: 3, b: 0.3 }));
  });

  it("shifts by −Σx·ln 7 when time goes from weeks to days (α × 7)", () => {
    const days: RfmColumns = {
      ...rfm,
      recency: Array.from(rfm.recency, (v) => v * 7),
      tenure: Array.from(rfm.tenure, (v) => v * 7),
    };
    let sumX = 0;
    for (let i = 0; i < rfm.count.length; i++)
      sumX += (rfm.count[i] as number) * (rfm.frequency[i] as number);
    const weeks = bgNbdLogLikelihood(cdnow, rfm);
    const inDays = bgNbdLogLikelihood({ ...cdnow, alpha: cdnow.alpha * 7 }, days);
    expect(inDays).toBeCloseTo(weeks - sumX * Math.log(7), 9);
  });

  it("stays finite for huge frequencies (log-sum-exp)", () => {
    const ll = bgNbdLogLikelihood(cdnow, {
      frequency: [5000],
      recency: [100],
      tenure: [700],
      count: [1],
    });
    expect(Number.isFinite(ll)).toBe(true);
  });

  it("rejects invalid groups with a message naming the group", () => {
    expect(() =>
      prepareBgNbdLikelihood({ frequency: [1, 2], recency: [1, 9], tenure: [5, 8], count: [1, 1] }),
    ).toThrow(/group 1 is invalid/);
    expect(() =>
      prepareBgNbdLikelihood({ frequency: [0], recency: [2], tenure: [5], count: [1] }),
    ).toThrow(/group 0/);
    expect(() =>
      prepareBgNbdLikelihood({ frequency: [1.5], recency: [2], tenure: [5], count: [1] }),
    ).toThrow(/integer frequency/);
  });
});

describe("Gamma-Gamma log-likelihood", () => {
  const spend = {
    frequency: [1, 2, 2, 5, 40],
    monetary: [14.96, 22.345, 35, 12.5, 50.01],
    count: [3, 1, 2, 1, 1],
  };
  const params = { p: 6.25, q: 3.74, v: 15.44 };

  it("equals the per-customer formula summed with counts", () => {
    const { p, q, v } = params;
    let expected = 0;
    for (let i = 0; i < spend.count.length; i++) {
      const x = spend.frequency[i] as number;
      const m = spend.monetary[i] as number;
      expected +=
        (spend.count[i] as number) *
        (gammaln(p * x + q) -
          gammaln(p * x) -
          gammaln(q) +
          q * Math.log(v) +
          (p * x - 1) * Math.log(m) +
          p * x * Math.log(x) -
          (p * x + q) * Math.log(x * m + v));
    }
    expect(gammaGammaLogLikelihood(params, spend)).toBeCloseTo(expected, 9);
  });

  it("has an analytic gradient that matches finite differences", () => {
    const likelihood = prepareGammaGammaLikelihood(spend);
    expectGradientMatches(likelihood, gammaGammaTheta(params));
    expectGradientMatches(likelihood, gammaGammaTheta({ p: 0.4, q: 0.9, v: 300 }));
  });

  it("rejects zero spend and zero frequency", () => {
    expect(() =>
      prepareGammaGammaLikelihood({ frequency: [1], monetary: [0], count: [1] }),
    ).toThrow(/monetary > 0/);
    expect(() =>
      prepareGammaGammaLikelihood({ frequency: [0], monetary: [5], count: [1] }),
    ).toThrow(/group 0/);
  });
});
