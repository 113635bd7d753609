/**
 * Parameter recovery: buyers simulated from the BG/NBD story with known
 * parameters must give them back. Uses the synthetic-data generator's
 * process (src/generate), so it also checks that the two agree on the model.
 */
import { describe, expect, it } from "vitest";
import { fitBgNbd } from "../../src/clv/fit-bgnbd.ts";
import { drawRepeatPurchaseTimes } from "../../src/generate/bgnbd-process.ts";
import { Random } from "../../src/generate/random.ts";

describe("BG/NBD parameter recovery (20k simulated buyers)", () => {
  it("gives back r, α, a, b within 4 asymptotic standard errors", () => {
    // Days; roughly CDNOW's shape (α ≈ 30 days, a < 1 < b).
    const truth = { r: 0.5, alpha: 30, a: 0.8, b: 2.5 } as const;
    const random = new Random(1);
    const buyers = 20_000;
    const frequency = new Float64Array(buyers);
    const recency = new Float64Array(buyers);
    const tenure = new Float64Array(buyers);
    for (let i = 0; i < buyers; i++) {
      // First purchases spread over ~16 months, observed for 2 to 18 months.
      const observationDays = random.uniform(60, 545);
      const times = drawRepeatPurchaseTimes(random, truth, observationDays);
      frequency[i] = times.length;
      recency[i] = times.length > 0 ? (times[times.length - 1] as number) : 0;
      tenure[i] = observationDays;
    }
    const fit = fitBgNbd({ frequency, recency, tenure, count: new Float64Array(buyers).fill(1) });
    expect(fit.converged).toBe(true);
    expect(fit.customers).toBe(buyers);

    // Tolerance: the MLE is asymptotically normal around the truth with the
    // inverse observed information as covariance. We fit on the log scale, so
    // compare ln θ̂ − ln θ with the standard error of ln θ̂ from the numeric
    // Hessian of our own log-likelihood. |z| ≤ 4 fails a correct fit with
    // probability ≈ 6·10⁻⁵ per parameter; the data are seeded, so the test is
    // deterministic anyway. The SEs must also be small (≤ 0.1, i.e. ≈ 10 %)
    // so that 4 SEs still catch a real bias of 40 % or more.
    const report: Record<string, { truth: number; fitted: number; se: number; z: number }> = {};
    for (const name of ["r", "alpha", "a", "b"] as const) {
      const se = fit.logParamStdErrors[name];
      const z = (Math.log(fit.params[name]) - Math.log(truth[name])) / se;
      report[name] = {
        truth: truth[name],
        fitted: Number(fit.params[name].toFixed(4)),
        se: Number(se.toFixed(4)),
        z: Number(z.toFixed(2)),
      };
      expect(se).toBeGreaterThan(0);
      expect(se).toBeLessThan(0.1);
      expect(Math.abs(z), name).toBeLessThanOrEqual(4);
    }
    console.log("BG/NBD recovery (SE of ln parameter, z = (ln fitted − ln truth)/SE)");
    console.table(report);
  });
});
