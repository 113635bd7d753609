import { describe, expect, it } from "vitest";
import type { BgNbdParams } from "../../src/clv/types.ts";
import { drawRepeatPurchaseTimes } from "../../src/generate/bgnbd-process.ts";
import { Random } from "../../src/generate/random.ts";

/** Gauss hypergeometric 2F1(a, b; c; z) by its series, fine for 0 <= z < 1. */
function hypergeometric2F1(a: number, b: number, c: number, z: number): number {
  let term = 1;
  let sum = 1;
  for (let n = 0; n < 100_000; n++) {
    term *= ((a + n) * (b + n) * z) / ((c + n) * (n + 1));
    sum += term;
    if (Math.abs(term) < 1e-15 * Math.abs(sum)) return sum;
  }
  throw new Error("2F1 series did not converge");
}

/** Expected repeat purchases in (0, t] under BG/NBD (Fader, Hardie & Lee 2005, eq. 7), a != 1. */
function expectedPurchases({ r, alpha, a, b }: BgNbdParams, t: number): number {
  const hyper = hypergeometric2F1(r, b, a + b - 1, t / (alpha + t));
  return ((a + b - 1) / (a - 1)) * (1 - (alpha / (alpha + t)) ** r * hyper);
}

function counts(params: BgNbdParams, days: number, customers: number, seed: number): number[] {
  const random = new Random(seed);
  return Array.from(
    { length: customers },
    () => drawRepeatPurchaseTimes(random, params, days).length,
  );
}

function meanAndVariance(values: readonly number[]): { mean: number; variance: number } {
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  const variance =
    values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (values.length - 1);
  return { mean, variance };
}

describe("drawRepeatPurchaseTimes", () => {
  it("returns ascending times in (0, T]", () => {
    const random = new Random(1);
    const params = { r: 2, alpha: 10, a: 0.5, b: 5 };
    let total = 0;
    for (let customer = 0; customer < 2000; customer++) {
      const times = drawRepeatPurchaseTimes(random, params, 30);
      total += times.length;
      times.forEach((time, index) => {
        expect(time).toBeGreaterThan(0);
        expect(time).toBeLessThanOrEqual(30);
        if (index > 0) expect(time).toBeGreaterThan(times[index - 1] as number);
      });
    }
    expect(total).toBeGreaterThan(0);
    expect(drawRepeatPurchaseTimes(random, params, 0)).toEqual([]);
  });

  it("is a function of the generator's state", () => {
    const params = { r: 0.75, alpha: 30, a: 0.9, b: 2.7 };
    const draw = () => {
      const random = new Random(99);
      return Array.from({ length: 50 }, () => drawRepeatPurchaseTimes(random, params, 120));
    };
    expect(draw()).toEqual(draw());
  });

  it("with p near 0 and a known lambda, is a Poisson process: mean and variance lambda·T", () => {
    // Gamma(10^4, rate 5·10^4) pins lambda at 0.2/day; Beta(0.001, 1000) pins p at about 10^-6.
    const params = { r: 10_000, alpha: 50_000, a: 0.001, b: 1000 };
    const values = counts(params, 50, 5000, 2);
    const { mean, variance } = meanAndVariance(values);
    expect(Math.abs(mean - 10)).toBeLessThan(4.5 * Math.sqrt(10 / values.length));
    expect(variance / mean).toBeGreaterThan(0.9);
    expect(variance / mean).toBeLessThan(1.1);
  });

  it("with a huge a/(a+b), most customers die after their first repeat purchase", () => {
    const values = counts({ r: 10, alpha: 10, a: 50, b: 0.5 }, 100, 4000, 3);
    // p ~ 0.99 while lambda ~ 1/day: nearly everyone buys once more and then stops.
    const atMostOne = values.filter((count) => count <= 1).length / values.length;
    expect(atMostOne).toBeGreaterThan(0.97);
    expect(values.filter((count) => count === 1).length / values.length).toBeGreaterThan(0.9);
  });

  it("matches the model's closed forms for E[X(t)] and P(X(t) = 0)", () => {
    const params = { r: 0.8, alpha: 20, a: 1.5, b: 3 };
    const t = 100;
    const values = counts(params, t, 40_000, 4);
    const { mean, variance } = meanAndVariance(values);
    const expected = expectedPurchases(params, t);
    expect(Math.abs(mean - expected)).toBeLessThan(4.5 * Math.sqrt(variance / values.length));
    // Nobody dies before a repeat purchase, so P(X = 0) = E[e^(-lambda t)] = (alpha / (alpha + t))^r.
    const zero = (params.alpha / (params.alpha + t)) ** params.r;
    const observedZero = values.filter((count) => count === 0).length / values.length;
    expect(Math.abs(observedZero - zero)).toBeLessThan(
      4.5 * Math.sqrt((zero * (1 - zero)) / values.length),
    );
  });

  it("rejects parameters outside the model", () => {
    const random = new Random(5);
    expect(() => drawRepeatPurchaseTimes(random, { r: 0, alpha: 1, a: 1, b: 1 }, 10)).toThrow(
      RangeError,
    );
    expect(() => drawRepeatPurchaseTimes(random, { r: 1, alpha: 1, a: 1, b: 1 }, -1)).toThrow(
      RangeError,
    );
  });
});
