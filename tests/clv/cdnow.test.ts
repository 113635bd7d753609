/**
 * The CLV models against the literature: the CDNOW sample of Fader, Hardie &
 * Lee (2005), calibration 1997-01-01 .. 1997-09-30, hold-out the 39 weeks after.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { expectedPurchases, pAlive } from "../../src/clv/bgnbd-score.ts";
import { type ClvModel, fitClvToCustomers } from "../../src/clv/clv-model.ts";
import type { CustomerColumns } from "../../src/clv/group-customers.ts";
import {
  type CustomerStatistics,
  dayNumber,
  sufficientStatistics,
} from "../../src/clv/sufficient-statistics.ts";
import { cdnowSamplePurchases, cdnowSummary } from "./cdnow-fixture.ts";

const calibrationEnd = dayNumber("1997-09-30");
const holdoutEnd = dayNumber("1998-06-30");

/** Rounds to `digits` significant digits, for "agrees to 3 significant digits" checks. */
function significant(value: number, digits: number): number {
  return Number(value.toPrecision(digits));
}

function columns(statistics: readonly CustomerStatistics[]): CustomerColumns {
  return {
    frequency: statistics.map((s) => s.frequency),
    recency: statistics.map((s) => s.recency),
    tenure: statistics.map((s) => s.tenure),
    monetary: statistics.map((s) => s.monetary),
  };
}

const purchases = cdnowSamplePurchases();
const weeks = sufficientStatistics(purchases, calibrationEnd, { timeUnitDays: 7 });
const days = sufficientStatistics(purchases, calibrationEnd);
let weekModel: ClvModel;
let dayModel: ClvModel;

beforeAll(() => {
  weekModel = fitClvToCustomers(columns(weeks));
  dayModel = fitClvToCustomers(columns(days));
});

describe("CDNOW sufficient statistics", () => {
  it("match the published summary to its 2-decimal rounding", () => {
    const summary = cdnowSummary();
    expect(weeks).toHaveLength(2357);
    expect(summary).toHaveLength(2357);
    const byId = new Map(weeks.map((s) => [s.customerId, s]));
    for (const row of summary) {
      const ours = byId.get(row.id);
      expect(ours, `customer ${row.id}`).toBeDefined();
      const s = ours as CustomerStatistics;
      expect(s.frequency, `frequency of ${row.id}`).toBe(row.frequency);
      expect(Math.abs(s.recency - row.recency), `recency of ${row.id}`).toBeLessThanOrEqual(
        0.005 + 1e-9,
      );
      expect(Math.abs(s.tenure - row.tenure), `T of ${row.id}`).toBeLessThanOrEqual(0.005 + 1e-9);
    }
    // The Gamma-Gamma population: 946 customers with a repeat purchase.
    expect(weeks.filter((s) => s.frequency > 0 && s.monetary > 0)).toHaveLength(946);
  });
});

describe("CDNOW BG/NBD and Gamma-Gamma fits", () => {
  it("reproduce the published BG/NBD fit in weeks", () => {
    const { params, logLikelihood, converged, customers } = weekModel.bgnbd;
    expect(converged).toBe(true);
    expect(customers).toBe(2357);
    expect(significant(params.r, 3)).toBe(0.243);
    expect(significant(params.alpha, 3)).toBe(significant(4.414, 3));
    expect(significant(params.a, 3)).toBe(0.793);
    expect(significant(params.b, 3)).toBe(significant(2.426, 3));
    // Published to one decimal: −9582.4.
    expect(Math.abs(logLikelihood - -9582.4)).toBeLessThan(0.05);
  });

  it("reproduce the same fit in days: α × 7, log-likelihood −14363.5", () => {
    const { params, logLikelihood, converged } = dayModel.bgnbd;
    expect(converged).toBe(true);
    expect(significant(params.r, 3)).toBe(0.243);
    expect(significant(params.alpha, 4)).toBe(30.9);
    expect(Math.abs(params.alpha - 30.895)).toBeLessThan(5e-3);
    expect(significant(params.a, 3)).toBe(0.793);
    expect(significant(params.b, 3)).toBe(significant(2.426, 3));
    expect(Math.abs(logLikelihood - -14363.5)).toBeLessThan(0.05);
    // Same optimum in both units, to the precision the stopping rule allows.
    expect(Math.abs(params.r / weekModel.bgnbd.params.r - 1)).toBeLessThan(1e-5);
    expect(Math.abs(params.alpha / (7 * weekModel.bgnbd.params.alpha) - 1)).toBeLessThan(1e-5);
  });

  it("reproduce the published Gamma-Gamma fit on 946 customers", () => {
    const { params, logLikelihood, converged, customers } = weekModel.gammaGamma;
    expect(converged).toBe(true);
    expect(customers).toBe(946);
    expect(significant(params.p, 3)).toBe(6.25);
    expect(significant(params.q, 3)).toBe(3.74);
    expect(Math.abs(params.v - 15.44)).toBeLessThan(0.005);
    expect(Math.abs(logLikelihood - -4055.92)).toBeLessThan(0.005);
    // Spend has no time unit: the day fit is the same.
    expect(dayModel.gammaGamma.params.p).toBeCloseTo(params.p, 6);
  });

  it("give customer 1 (x = 2, t_x = 30.43, T = 38.86) P(alive) 0.7266 and 1.2259 purchases in 39 weeks", () => {
    const params = weekModel.bgnbd.params;
    expect(pAlive(params, 2, 30.43, 38.86).toFixed(4)).toBe("0.7266");
    expect(expectedPurchases(params, 2, 30.43, 38.86, 39).toFixed(4)).toBe("1.2259");
    // The same customer in days, from the day fit.
    const inDays = expectedPurchases(dayModel.bgnbd.params, 2, 30.43 * 7, 38.86 * 7, 39 * 7);
    expect(inDays.toFixed(4)).toBe("1.2259");
  });
});

describe("CDNOW hold-out (1997-10-01 .. 1998-06-30, 39 weeks)", () => {
  it("predicts repeat purchases by calibration frequency (the paper's figure 4)", () => {
    const horizon = (holdoutEnd - calibrationEnd) / 7;
    expect(horizon).toBe(39);
    const holdoutDays = new Map<string, Set<number>>();
    for (const purchase of purchases) {
      if (purchase.day <= calibrationEnd || purchase.day > holdoutEnd) continue;
      const set = holdoutDays.get(purchase.customerId) ?? new Set<number>();
      set.add(purchase.day);
      holdoutDays.set(purchase.customerId, set);
    }
    const buckets = Array.from({ length: 8 }, (_, x) => ({
      x: x === 7 ? "7+" : String(x),
      customers: 0,
      actual: 0,
      predicted: 0,
    }));
    for (const s of weeks) {
      const bucket = buckets[Math.min(s.frequency, 7)] as (typeof buckets)[number];
      bucket.customers++;
      bucket.actual += holdoutDays.get(s.customerId)?.size ?? 0;
      bucket.predicted += expectedPurchases(
        weekModel.bgnbd.params,
        s.frequency,
        s.recency,
        s.tenure,
        horizon,
      );
    }
    const table = buckets.map((b) => ({
      frequency: b.x,
      customers: b.customers,
      actualMean: Number((b.actual / b.customers).toFixed(3)),
      predictedMean: Number((b.predicted / b.customers).toFixed(3)),
    }));
    const actualTotal = buckets.reduce((sum, b) => sum + b.actual, 0);
    const predictedTotal = buckets.reduce((sum, b) => sum + b.predicted, 0);
    console.log("CDNOW hold-out, repeat purchase days per customer by calibration frequency");
    console.table(table);
    console.log(`total actual ${actualTotal}, predicted ${predictedTotal.toFixed(1)}`);

    // Tolerance 15 %: Poisson noise alone is √1882 ≈ 2.3 % of the total, but
    // the model is stationary while the hold-out contains the 1997 holiday
    // season, and the paper's figure 4 shows the same under-prediction for
    // x = 1..2 (≈ 0.52 vs 0.70, 1.04 vs 1.39). We get −12 %; a wrong fit or a
    // broken 2F1 is off by far more (dropping P(alive) alone gives +36 %).
    expect(actualTotal).toBe(1882);
    expect(Math.abs(predictedTotal / actualTotal - 1)).toBeLessThan(0.15);
    // Conditional expectations rise with calibration frequency, as in the paper.
    for (let x = 1; x < table.length; x++) {
      expect((table[x] as (typeof table)[number]).predictedMean).toBeGreaterThan(
        (table[x - 1] as (typeof table)[number]).predictedMean,
      );
    }
    // The two best-populated ends (x = 0: 1411 customers; x ≥ 7: the heavy buyers) within 10 %.
    for (const index of [0, 7]) {
      const row = table[index] as (typeof table)[number];
      expect(Math.abs(row.predictedMean / row.actualMean - 1)).toBeLessThan(0.1);
    }
  });
});
