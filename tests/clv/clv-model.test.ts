import { describe, expect, it } from "vitest";
import { expectedPurchases, pAlive } from "../../src/clv/bgnbd-score.ts";
import { clvParams, fitClv, scoreClv } from "../../src/clv/clv-model.ts";
import { rfmColumns, spendColumns } from "../../src/clv/columns.ts";
import { conditionalExpectedSpend } from "../../src/clv/gamma-gamma-score.ts";

const params = {
  bgnbd: { r: 0.243, alpha: 30.895, a: 0.793, b: 2.426 },
  gammaGamma: { p: 6.25, q: 3.74, v: 15.44 },
};

describe("scoreClv", () => {
  it("scores every customer, margin included, index for index", () => {
    const customers = {
      frequency: [2, 0, 2, 1],
      recency: [213, 0, 213, 12],
      tenure: [272, 100, 272, 30],
      monetary: [22.345, 0, 22.345, 0],
    };
    const scores = scoreClv(params, customers, { horizon: 90, margin: 0.25 });
    for (let i = 0; i < 4; i++) {
      const x = customers.frequency[i] as number;
      const tx = customers.recency[i] as number;
      const T = customers.tenure[i] as number;
      const purchases = expectedPurchases(params.bgnbd, x, tx, T, 90);
      const spend = conditionalExpectedSpend(params.gammaGamma, x, customers.monetary[i] as number);
      expect(scores.pAlive[i]).toBe(pAlive(params.bgnbd, x, tx, T));
      expect(scores.expectedPurchases[i]).toBeCloseTo(purchases, 12);
      expect(scores.expectedAvgRevenue[i]).toBeCloseTo(spend, 12);
      expect(scores.predictedClv[i]).toBeCloseTo(purchases * spend * 0.25, 12);
    }
  });
});

describe("fitClv", () => {
  it("reports an impossible fit as not converged instead of throwing", () => {
    // Nobody ever came back: the BG/NBD optimum runs off to r/α → 0, and no
    // Gamma-Gamma customers exist at all.
    const model = fitClv({
      rfm: { frequency: [0], recency: [0], tenure: [100], count: [500] },
      spend: { frequency: [0], monetary: [0], count: [500] },
    });
    expect(model.bgnbd.converged).toBe(false);
    expect(model.bgnbd.message).not.toBe("converged");
    expect(model.gammaGamma.converged).toBe(false);
    expect(model.gammaGamma.customers).toBe(0);
    expect(model.gammaGamma.message).toMatch(/no customers/);
    // Scoring with whatever was found still works (the job publishes it, flagged).
    const scores = scoreClv(
      clvParams(model),
      { frequency: [0], recency: [0], tenure: [100], monetary: [0] },
      { horizon: 90 },
    );
    expect(scores.pAlive[0]).toBe(1);
  });
});

describe("row-to-column conversion", () => {
  it("turns group rows into the columns the fits take", () => {
    const rfm = rfmColumns([
      { frequency: 0, recency: 0, tenure: 38.86, count: 1411 },
      { frequency: 2, recency: 30.43, tenure: 38.86, count: 1 },
    ]);
    expect(Array.from(rfm.count)).toEqual([1411, 1]);
    expect(Array.from(rfm.recency)).toEqual([0, 30.43]);
    const spend = spendColumns([{ frequency: 2, monetary: 22.345, count: 1 }]);
    expect(Array.from(spend.monetary)).toEqual([22.345]);
  });
});
