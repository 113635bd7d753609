import { describe, expect, it } from "vitest";
import { maximizeLogLikelihood } from "../../src/clv/maximize-likelihood.ts";
import { nelderMead } from "../../src/clv/nelder-mead.ts";
import {
  cholesky,
  choleskySolve,
  newtonPolish,
  numericHessian,
  type ValueAndGradient,
} from "../../src/clv/newton-polish.ts";
import { integrateUnitInterval } from "../../src/clv/tanh-sinh.ts";

/** Rosenbrock's banana, negated for maximisation: max 0 at (1, 1). */
const banana: ValueAndGradient = (x, gradient) => {
  const [u, v] = [x[0] as number, x[1] as number];
  gradient[0] = -(-2 * (1 - u) - 400 * u * (v - u * u));
  gradient[1] = -(200 * (v - u * u));
  return -((1 - u) ** 2 + 100 * (v - u * u) ** 2);
};

describe("nelderMead", () => {
  it("minimises a quadratic", () => {
    const result = nelderMead(
      (x) => ((x[0] as number) - 1) ** 2 + ((x[1] as number) + 2) ** 2,
      [0, 0],
    );
    expect(result.converged).toBe(true);
    expect(result.x[0]).toBeCloseTo(1, 6);
    expect(result.x[1]).toBeCloseTo(-2, 6);
  });

  it("finds Rosenbrock's minimum and treats non-finite values as +∞", () => {
    const g = new Float64Array(2);
    const result = nelderMead(
      (x) => ((x[0] as number) < -1.5 ? Number.NaN : -banana(x, g)),
      [-1.2, 1],
      { maxIterations: 2000, fTolerance: 1e-14, xTolerance: 1e-10 },
    );
    expect(result.converged).toBe(true);
    expect(result.x[0]).toBeCloseTo(1, 5);
    expect(result.x[1]).toBeCloseTo(1, 5);
  });

  it("reports running out of budget as not converged", () => {
    const g = new Float64Array(2);
    const result = nelderMead((x) => -banana(x, g), [-1.2, 1], { maxIterations: 5 });
    expect(result.converged).toBe(false);
    expect(result.iterations).toBe(5);
  });
});

describe("newtonPolish", () => {
  it("converges quadratically on Rosenbrock from a nearby point", () => {
    const result = newtonPolish(banana, [0.8, 0.6]);
    expect(result.converged).toBe(true);
    expect(result.x[0]).toBeCloseTo(1, 8);
    expect(result.x[1]).toBeCloseTo(1, 8);
    expect(result.iterations).toBeLessThan(30);
  });

  it("reports a saddle-free unbounded direction as not converged instead of throwing", () => {
    // f = x − y²: no maximum in x; the polish must give up cleanly.
    const unbounded: ValueAndGradient = (x, gradient) => {
      gradient[0] = 1;
      gradient[1] = -2 * (x[1] as number);
      return (x[0] as number) - (x[1] as number) ** 2;
    };
    const result = newtonPolish(unbounded, [0, 1], { maxIterations: 20 });
    expect(result.converged).toBe(false);
    expect(result.message).not.toBe("converged");
  });

  it("builds a symmetric numeric Hessian and solves with its Cholesky factor", () => {
    const hessian = numericHessian(banana, Float64Array.of(1, 1));
    expect(hessian[0]?.[0]).toBeCloseTo(-802, 3);
    expect(hessian[0]?.[1]).toBeCloseTo(400, 3);
    expect(hessian[1]?.[0]).toBe(hessian[0]?.[1]);
    const information = hessian.map((row) => row.map((value) => -value));
    const factor = cholesky(information);
    expect(factor).toBeDefined();
    const solution = choleskySolve(factor as Float64Array, [1, 0]);
    expect(802 * (solution[0] as number) - 400 * (solution[1] as number)).toBeCloseTo(1, 6);
    expect(cholesky([Float64Array.of(1, 2), Float64Array.of(2, 1)])).toBeUndefined();
  });
});

describe("maximizeLogLikelihood", () => {
  it("fits a normal sample's mean and log-sd with standard errors", () => {
    const data = [2.1, 1.7, 2.9, 2.4, 1.2, 2.2, 3.1, 2.6];
    const n = data.length;
    const mean = data.reduce((s, v) => s + v, 0) / n;
    const variance = data.reduce((s, v) => s + (v - mean) ** 2, 0) / n;
    const fg: ValueAndGradient = (theta, gradient) => {
      const [mu, logSigma] = [theta[0] as number, theta[1] as number];
      const s2 = Math.exp(2 * logSigma);
      let ss = 0;
      let sd = 0;
      for (const v of data) {
        ss += (v - mu) ** 2;
        sd += v - mu;
      }
      gradient[0] = sd / s2;
      gradient[1] = -n + ss / s2;
      return -n * logSigma - ss / (2 * s2);
    };
    const result = maximizeLogLikelihood(fg, [
      [0, 0],
      [5, 2],
    ]);
    expect(result.converged).toBe(true);
    expect(result.theta[0]).toBeCloseTo(mean, 8);
    expect(Math.exp(2 * (result.theta[1] as number))).toBeCloseTo(variance, 8);
    // Textbook: se(μ̂) = σ̂/√n, se(ln σ̂) = 1/√(2n).
    expect(result.stdErrors[0]).toBeCloseTo(Math.sqrt(variance / n), 5);
    expect(result.stdErrors[1]).toBeCloseTo(1 / Math.sqrt(2 * n), 5);
  });

  it("returns converged = false with a message when nothing is finite", () => {
    const result = maximizeLogLikelihood(() => Number.NaN, [[0, 0]]);
    expect(result.converged).toBe(false);
    expect(result.message).toMatch(/not finite/);
  });
});

describe("integrateUnitInterval", () => {
  it("integrates polynomials and endpoint singularities", () => {
    expect(integrateUnitInterval(({ lnP }) => Math.log(3) + 2 * lnP).value).toBeCloseTo(1, 12);
    // ∫ p^(−0.8) dp = 5: a Beta(0.2, 1)-like singularity at 0.
    const singular = integrateUnitInterval(({ lnP }) => -0.8 * lnP);
    expect(singular.converged).toBe(true);
    expect(singular.value).toBeCloseTo(5, 9);
    // ∫ −ln(1 − p) dp = 1, singular at 1: needs 1 − p accurate near 1.
    expect(integrateUnitInterval(({ lnQ }) => Math.log(-lnQ)).value).toBeCloseTo(1, 10);
  });
});
