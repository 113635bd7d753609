import { describe, expect, it } from "vitest";
import {
  conditionalPurchaseFactor,
  expectedPurchases,
  pAlive,
  scoreBgNbd,
} from "../../src/clv/bgnbd-score.ts";
import { conditionalExpectedSpend } from "../../src/clv/gamma-gamma-score.ts";
import { logHyp2f1 } from "../../src/clv/log-hyp2f1.ts";
import type { BgNbdParams } from "../../src/clv/types.ts";

const cdnow: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };

/** Equation (10) of Fader, Hardie & Lee (2005) as printed, with the general 2F1. */
function textbookExpected(params: BgNbdParams, x: number, tx: number, T: number, t: number) {
  const { r, alpha, a, b } = params;
  const z = t / (alpha + T + t);
  const log2f1 = logHyp2f1(r + x, b + x, a + b + x - 1, z);
  const numerator =
    ((a + b + x - 1) / (a - 1)) *
    -Math.expm1((r + x) * Math.log((alpha + T) / (alpha + T + t)) + log2f1);
  const odds = x > 0 ? (a / (b + x - 1)) * ((alpha + T) / (alpha + tx)) ** (r + x) : 0;
  return numerator / (1 + odds);
}

/** relative |actual/expected − 1| ≤ tolerance. */
function expectRelative(actual: number, expected: number, tolerance: number): void {
  expect(Number.isFinite(actual)).toBe(true);
  expect(Math.abs(actual / expected - 1)).toBeLessThanOrEqual(tolerance);
}

describe("BG/NBD scoring", () => {
  it("reproduces the CDNOW worked example (customer 1, 39 weeks)", () => {
    // The published 1.2259 comes from the unrounded fit (checked in
    // cdnow.test.ts); the 3-digit parameters give 1.22603, still 1.226 to 4 digits.
    expect(pAlive(cdnow, 2, 30.43, 38.86)).toBeCloseTo(0.7266, 4);
    expect(Number(expectedPurchases(cdnow, 2, 30.43, 38.86, 39).toPrecision(4))).toBe(1.226);
  });

  it("matches equation (10) evaluated by mpmath at 60 digits, including huge frequencies", () => {
    const cases = [
      [cdnow, 0, 0, 38.86, 39, 0.19509805201126265],
      [cdnow, 2, 30.43, 38.86, 39, 1.2260281747671444],
      [cdnow, 1, 1, 5, 1, 0.07829050687104239],
      [cdnow, 50, 300, 310, 90, 12.082727582559924],
      [cdnow, 1000, 700, 730, 90, 1.127933295873903e-13],
      [cdnow, 5000, 729, 730, 365, 1838.9115078728237],
      [cdnow, 0, 0, 0, 90, 2.025582126476044],
      [cdnow, 3, 2, 2, 1000, 33.3055104386304],
      // a ≈ 1, where the printed formula is 0/0 in the limit.
      [{ r: 0.6, alpha: 42, a: 1.0001, b: 2.5 }, 0, 0, 38.86, 39, 0.26230352848464505],
      [{ r: 0.6, alpha: 42, a: 1.0001, b: 2.5 }, 2, 30.43, 38.86, 39, 0.7908348261458121],
      [{ r: 0.6, alpha: 42, a: 1.0001, b: 2.5 }, 5000, 729, 730, 365, 1712.5122539559554],
      [{ r: 0.6, alpha: 42, a: 1.0001, b: 2.5 }, 0, 0, 0, 90, 0.9204778461853897],
      // Tiny α: z = t/(α+T+t) ≈ 0.9975, where the series is slow and quadrature takes over.
      [{ r: 2, alpha: 0.5, a: 3, b: 0.4 }, 0, 0, 0, 90, 1.1998727073693867],
      [{ r: 2, alpha: 0.5, a: 3, b: 0.4 }, 3, 2, 2, 1000, 1.1999907058085035],
      [{ r: 2, alpha: 0.5, a: 3, b: 0.4 }, 50, 300, 310, 90, 7.799147646101691],
      [{ r: 2, alpha: 0.5, a: 3, b: 0.4 }, 1, 1, 5, 1, 0.0011739683473308156],
    ] as const;
    for (const [params, x, tx, T, t, expected] of cases) {
      expectRelative(expectedPurchases(params, x, tx, T, t), expected, 1e-10);
    }
  });

  it("agrees with the textbook form through the general 2F1 away from a = 1", () => {
    for (const x of [0, 1, 4, 30, 300]) {
      for (const T of [0, 10, 38.86]) {
        const tx = x === 0 ? 0 : T / 2;
        expectRelative(
          expectedPurchases(cdnow, x, tx, T, 39),
          textbookExpected(cdnow, x, tx, T, 39),
          1e-11,
        );
      }
    }
  });

  it("is continuous through a = 1 (the printed form's 0/0)", () => {
    const at = (a: number) => conditionalPurchaseFactor({ ...cdnow, a }, 3, 20, 39);
    const exact = at(1);
    expect(Number.isFinite(exact)).toBe(true);
    expectRelative(at(1 + 1e-9), exact, 1e-8);
    expectRelative(at(1 - 1e-9), exact, 1e-8);
  });

  it("uses the quadrature fallback consistently with the series where both work", () => {
    // z ≈ 0.995: close to the switch-over; both routes must give the same value.
    const params: BgNbdParams = { r: 0.9, alpha: 1, a: 1.4, b: 3 };
    for (const t of [150, 200, 400, 2000]) {
      const value = conditionalPurchaseFactor(params, 1, 0, t);
      const textbook = textbookExpected(params, 1, 0, 0, t) * (1 + (1.4 / 3) * 1 ** 1.9);
      expect(Number.isNaN(value)).toBe(false);
      expectRelative(value, textbook, 1e-9);
    }
  });

  it("never returns NaN over a grid of extreme inputs", () => {
    for (const params of [
      cdnow,
      { r: 50, alpha: 0.01, a: 0.05, b: 40 },
      { r: 0.01, alpha: 900, a: 20, b: 0.05 },
    ]) {
      for (const x of [0, 1, 10, 1000, 100000]) {
        for (const T of [0, 1, 365, 3650]) {
          for (const t of [0, 1, 90, 10000]) {
            const tx = x === 0 ? 0 : T;
            const value = expectedPurchases(params, x, tx, T, t);
            expect(Number.isFinite(value), `${JSON.stringify(params)} ${x} ${T} ${t}`).toBe(true);
            expect(value).toBeGreaterThanOrEqual(0);
            const alive = pAlive(params, x, tx / 3, T);
            expect(alive).toBeGreaterThanOrEqual(0);
            expect(alive).toBeLessThanOrEqual(1);
          }
        }
      }
    }
  });

  it("scores columns index for index", () => {
    const scores = scoreBgNbd(
      cdnow,
      { frequency: [2, 0, 2], recency: [30.43, 0, 10], tenure: [38.86, 38.86, 38.86] },
      39,
    );
    expect(scores.pAlive[0]).toBe(pAlive(cdnow, 2, 30.43, 38.86));
    expect(scores.pAlive[1]).toBe(1);
    expect(scores.expectedPurchases[2]).toBeCloseTo(expectedPurchases(cdnow, 2, 10, 38.86, 39), 14);
  });
});

describe("Gamma-Gamma conditional expected spend", () => {
  it("shrinks a customer's mean towards the population mean p·v/(q−1)", () => {
    const params = { p: 6.25, q: 3.74, v: 15.44 };
    const population = (6.25 * 15.44) / 2.74;
    expect(conditionalExpectedSpend(params, 0, 0)).toBeCloseTo(population, 12);
    const spend = conditionalExpectedSpend(params, 2, 25.1);
    expect(spend).toBeCloseTo((6.25 * (15.44 + 2 * 25.1)) / (6.25 * 2 + 2.74), 12);
    expect(spend).toBeGreaterThan(Math.min(population, 25.1));
    expect(spend).toBeLessThan(Math.max(population, 25.1));
    expect(conditionalExpectedSpend(params, 1000, 25.1)).toBeCloseTo(25.1, 0);
  });

  it("is NaN when the population mean is infinite (x = 0, q ≤ 1)", () => {
    expect(conditionalExpectedSpend({ p: 2, q: 0.8, v: 10 }, 0, 0)).toBeNaN();
    expect(Number.isFinite(conditionalExpectedSpend({ p: 2, q: 0.8, v: 10 }, 3, 12))).toBe(true);
  });
});
