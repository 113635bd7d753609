import { describe, expect, it } from "vitest";
import { benchmarkClv } from "../../bench/benchmark-clv.ts";

describe("benchmarkClv", () => {
  it("fits and scores simulated buyers and reports the timings", () => {
    // Small on purpose: the 1M-buyer run is `npm run bench`, not a unit test.
    const result = benchmarkClv({ buyers: 50_000, seed: 3 });
    console.log(
      `CLV bench ${result.buyers} buyers, ${result.groups} triples: group ${result.groupMs.toFixed(0)} ms, ` +
        `fit ${result.fitMs.toFixed(0)} ms, score ${result.scoreMs.toFixed(0)} ms (CPU ${result.totalCpuMs.toFixed(0)} ms)`,
    );
    expect(result.model.bgnbd.converged).toBe(true);
    expect(result.model.gammaGamma.converged).toBe(true);
    expect(result.model.bgnbd.customers).toBe(50_000);
    expect(result.totalMs).toBeGreaterThan(0);
    // Whole days blur the continuous story a little; the fit is still near the truth.
    expect(result.model.bgnbd.params.alpha).toBeGreaterThan(20);
    expect(result.model.bgnbd.params.alpha).toBeLessThan(45);
  });
});
