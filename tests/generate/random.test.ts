import { describe, expect, it } from "vitest";
import { Random } from "../../src/generate/random.ts";

function sample(
  count: number,
  draw: () => number,
): { mean: number; variance: number; values: number[] } {
  const values = Array.from({ length: count }, draw);
  const mean = values.reduce((sum, value) => sum + value, 0) / count;
  const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (count - 1);
  return { mean, variance, values };
}

/** |observed mean − expected| within `z` standard errors of a sample of `count` with variance `variance`. */
function expectMean(
  observed: number,
  expected: number,
  variance: number,
  count: number,
  z = 4.5,
): void {
  expect(Math.abs(observed - expected)).toBeLessThanOrEqual(z * Math.sqrt(variance / count));
}

describe("Random", () => {
  it("repeats the same sequence for the same seed and stream, and only then", () => {
    const draw = (random: Random) => Array.from({ length: 20 }, () => random.nextUint32());
    expect(draw(new Random(42))).toEqual(draw(new Random(42)));
    expect(draw(new Random(42, 1, 7))).toEqual(draw(new Random(42, 1, 7)));
    const distinct = new Set(
      [
        new Random(42),
        new Random(43),
        new Random(42, 1),
        new Random(42, 1, 7),
        new Random(42, 7, 1),
        new Random(2 ** 40 + 42),
        new Random(-42),
      ].map((random) => draw(random).join(",")),
    );
    expect(distinct.size).toBe(7);
  });

  it("rejects seeds that are not safe integers", () => {
    expect(() => new Random(1.5)).toThrow(RangeError);
    expect(() => new Random(1, Number.NaN)).toThrow(RangeError);
  });

  it("draws uniform doubles in [0, 1) and open (0, 1) with the right mean", () => {
    const random = new Random(1);
    const { mean, values } = sample(50_000, () => random.next());
    expect(values.every((value) => value >= 0 && value < 1)).toBe(true);
    expectMean(mean, 0.5, 1 / 12, values.length);
    const open = sample(10_000, () => random.nextOpen()).values;
    expect(open.every((value) => value > 0 && value < 1)).toBe(true);
  });

  it("int covers both ends with equal frequency", () => {
    const random = new Random(2);
    const counts = new Map<number, number>();
    const draws = 60_000;
    for (let i = 0; i < draws; i++) {
      const value = random.int(-2, 3);
      counts.set(value, (counts.get(value) ?? 0) + 1);
    }
    expect([...counts.keys()].sort((x, y) => x - y)).toEqual([-2, -1, 0, 1, 2, 3]);
    // Chi-square with 5 degrees of freedom; 20.5 is its 0.999 quantile.
    const expected = draws / 6;
    const chi2 = [...counts.values()].reduce(
      (sum, count) => sum + (count - expected) ** 2 / expected,
      0,
    );
    expect(chi2).toBeLessThan(20.5);
    expect(() => random.int(3, 2)).toThrow(RangeError);
    expect(random.int(5, 5)).toBe(5);
  });

  it("pick and weightedPick follow the weights", () => {
    const random = new Random(3);
    const items = ["a", "b", "c"];
    const picked = new Set(Array.from({ length: 200 }, () => random.pick(items)));
    expect(picked).toEqual(new Set(items));
    const draws = 40_000;
    let a = 0;
    let c = 0;
    for (let i = 0; i < draws; i++) {
      const item = random.weightedPick(items, [1, 0, 3]);
      if (item === "a") a++;
      if (item === "c") c++;
    }
    expect(a + c).toBe(draws);
    expectMean(a / draws, 0.25, 0.25 * 0.75, draws);
    expect(() => random.weightedPick(items, [0, 0, 0])).toThrow(RangeError);
    expect(() => random.weightedPick(items, [1, -1, 1])).toThrow(RangeError);
    expect(() => random.pick([])).toThrow(RangeError);
  });

  it("normal and logNormal have the right moments", () => {
    const random = new Random(4);
    const normal = sample(50_000, () => random.normal(3, 2));
    expectMean(normal.mean, 3, 4, 50_000);
    expect(normal.variance).toBeGreaterThan(3.85);
    expect(normal.variance).toBeLessThan(4.15);
    const logNormal = sample(50_000, () => random.logNormal(1, 0.5));
    const sorted = [...logNormal.values].sort((x, y) => x - y);
    // The median of exp(N(mu, s²)) is e^mu.
    expect(sorted[25_000]).toBeGreaterThan(Math.E * 0.98);
    expect(sorted[25_000]).toBeLessThan(Math.E * 1.02);
    expectMean(
      logNormal.mean,
      Math.exp(1 + 0.125),
      (Math.exp(0.25) - 1) * Math.exp(2 + 0.25),
      50_000,
    );
  });

  it("gamma has mean shape·scale and variance shape·scale², also for shape < 1", () => {
    const random = new Random(5);
    for (const [shape, scale] of [
      [0.3, 2],
      [1, 1],
      [2.5, 0.4],
      [40, 0.01],
    ] as const) {
      const { mean, variance, values } = sample(60_000, () => random.gamma(shape, scale));
      expect(values.every((value) => value >= 0)).toBe(true);
      expectMean(mean, shape * scale, shape * scale * scale, values.length);
      expect(variance / (shape * scale * scale)).toBeGreaterThan(0.9);
      expect(variance / (shape * scale * scale)).toBeLessThan(1.1);
    }
    expect(() => random.gamma(0, 1)).toThrow(RangeError);
    expect(() => random.gamma(1, -1)).toThrow(RangeError);
  });

  it("beta has mean a/(a+b) and stays in [0, 1] even for tiny shapes", () => {
    const random = new Random(6);
    for (const [a, b] of [
      [0.5, 2],
      [3, 3],
      [2, 0.7],
    ] as const) {
      const { mean, values } = sample(40_000, () => random.beta(a, b));
      const variance = (a * b) / ((a + b) ** 2 * (a + b + 1));
      expectMean(mean, a / (a + b), variance, values.length);
    }
    const tiny = Array.from({ length: 2000 }, () => random.beta(0.01, 0.01));
    expect(tiny.every((value) => value >= 0 && value <= 1 && !Number.isNaN(value))).toBe(true);
    // Beta(0.01, 0.01) puts nearly all mass at the ends, about half at each.
    const low = tiny.filter((value) => value < 0.5).length;
    expect(low).toBeGreaterThan(850);
    expect(low).toBeLessThan(1150);
  });

  it("poisson has mean and variance lambda on both algorithms", () => {
    const random = new Random(7);
    for (const lambda of [0.2, 3, 9.9, 10, 57.5, 1000]) {
      const { mean, variance, values } = sample(40_000, () => random.poisson(lambda));
      expect(values.every((value) => Number.isInteger(value) && value >= 0)).toBe(true);
      expectMean(mean, lambda, lambda, values.length);
      expect(variance / lambda).toBeGreaterThan(0.93);
      expect(variance / lambda).toBeLessThan(1.07);
    }
    expect(random.poisson(0)).toBe(0);
    // P(X = 0) for lambda 3 is e^-3; the exact point mass checks the shape, not just the moments.
    const zeros = Array.from({ length: 40_000 }, () => random.poisson(3)).filter(
      (value) => value === 0,
    ).length;
    expectMean(zeros / 40_000, Math.exp(-3), Math.exp(-3) * (1 - Math.exp(-3)), 40_000);
  });

  it("exponential is positive with mean 1/rate", () => {
    const random = new Random(8);
    const { mean, values } = sample(50_000, () => random.exponential(0.25));
    expect(values.every((value) => value > 0)).toBe(true);
    expectMean(mean, 4, 16, values.length);
    expect(random.exponential(0)).toBe(Number.POSITIVE_INFINITY);
  });
});
