import { describe, expect, it } from "vitest";
import { logHyp2f1 } from "../../src/clv/log-hyp2f1.ts";

/** |actual − expected| ≤ tolerance × max(1, |expected|). */
function expectClose(actual: number, expected: number, tolerance: number): void {
  expect(Number.isFinite(actual)).toBe(true);
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(
    tolerance * Math.max(1, Math.abs(expected)),
  );
}

describe("logHyp2f1", () => {
  it("matches 2F1(1, 1; 2; z) = −ln(1 − z)/z", () => {
    for (const z of [1e-6, 0.1, 0.5, 0.9, 0.99]) {
      expectClose(logHyp2f1(1, 1, 2, z), Math.log(-Math.log1p(-z) / z), 1e-13);
    }
  });

  it("matches 2F1(a, b; b; z) = (1 − z)^−a", () => {
    for (const [a, b, z] of [
      [0.243, 2.426, 0.3],
      [7.5, 1.2, 0.8],
      [250, 3, 0.6],
    ] as const) {
      expectClose(logHyp2f1(a, b, b, z), -a * Math.log1p(-z), 1e-13);
    }
  });

  it("matches 2F1(½, ½; 3/2; z²) = arcsin(z)/z", () => {
    for (const z of [0.2, 0.7, 0.95]) {
      expectClose(logHyp2f1(0.5, 0.5, 1.5, z * z), Math.log(Math.asin(z) / z), 1e-13);
    }
  });

  it("matches mpmath at general parameters, including negative ones", () => {
    // ln 2F1 from mpmath.hyp2f1 at 60 digits.
    const cases = [
      [0.5, 0.5, 1.5, 0.25, 0.046117597181290486],
      [2.5, -1.3, 4.2, 0.7, -0.6878051388395439],
      [3, 4, 0.5, 0.3, 4.431927258031577],
      [10, 20, 5, 0.95, 80.55536374555774],
      [0.1, 0.2, 300, 0.99, 6.614181221987942e-5],
      [-2.5, 1.5, 3.5, 0.6, -0.6792227685889152],
    ] as const;
    for (const [a, b, c, z, expected] of cases) {
      expectClose(logHyp2f1(a, b, c, z), expected, 1e-12);
    }
  });

  it("stays finite and accurate for the BG/NBD parameters at large frequency", () => {
    // ln 2F1(r+x, b+x; a+b+x−1; t/(α+T+t)) at r=0.243, α=4.414, a=0.793, b=2.426 (mpmath).
    const [r, alpha, a, b] = [0.243, 4.414, 0.793, 2.426];
    const cases = [
      [0, 38.86, 39, 0.17416440462984906],
      [2, 38.86, 39, 1.5206757450090227],
      [10, 1, 200, 37.959914407915385],
      [100, 0, 10, 118.8716008226654],
      [1000, 38.86, 39, 642.7920804572001],
      [1000, 1, 200, 3637.6750834318004],
      [5000, 1, 200, 18181.83245637223],
      [5000, 0, 10, 5917.625724989884],
    ] as const;
    for (const [x, T, t, expected] of cases) {
      const z = t / (alpha + T + t);
      // 2F1 itself is e^18181 here: only its log is representable.
      expectClose(logHyp2f1(r + x, b + x, a + b + x - 1, z), expected, 1e-12);
    }
  });

  it("is 0 at z = 0 and NaN outside its domain", () => {
    expect(logHyp2f1(3, 4, 5, 0)).toBe(0);
    expect(logHyp2f1(1, 1, 2, 1)).toBeNaN();
    expect(logHyp2f1(1, 1, 2, -0.5)).toBeNaN();
    expect(logHyp2f1(1, 1, -2, 0.5)).toBeNaN();
  });
});
