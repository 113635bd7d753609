// Conformance on hand-written raw rows that probe SPEC corner cases, each
// compared with the reference implementation and, where the SPEC pins a
// value down, with the value worked out by hand.
import { beforeAll, describe, expect, it } from "vitest";
import { cornerCases } from "./corner-cases.ts";
import { type ConformanceResult, checkConformance } from "./harness.ts";
import type { MartRow } from "./reference/columns.ts";
import { parseTimestamp } from "./reference/time.ts";

const us = parseTimestamp;

function only(rows: readonly MartRow[], match: Record<string, unknown>): MartRow {
  const found = rows.filter((row) => Object.entries(match).every(([k, v]) => row[k] === v));
  if (found.length !== 1) throw new Error(`${found.length} rows match ${JSON.stringify(match)}`);
  return found[0] as MartRow;
}

describe("adversarial corner cases (base RUB, margin 1)", () => {
  let result: ConformanceResult;
  beforeAll(async () => {
    result = await checkConformance(cornerCases());
  });

  it("conform with the reference in staging and every mart", () => {
    expect(result.differences).toEqual([]);
    expect(result.floatTies).toEqual([]);
  });

  it("stage, quarantine and supersede as SPEC §1 says", () => {
    const { staged } = result.reference;
    const reasons = (list: readonly { reason: string }[]) => list.map((q) => q.reason).sort();
    expect(reasons(staged.visits.quarantined)).toEqual([
      "missing_session_end",
      "missing_user_id",
      "session_end_before_start",
      "session_end_before_start",
    ]);
    expect(staged.visits.superseded).toBe(2);
    expect(reasons(staged.orders.quarantined)).toEqual([
      "missing_created_at",
      "missing_order_id",
      "missing_revenue",
      "negative_revenue",
      "negative_revenue",
      "negative_revenue",
      "negative_revenue",
      "no_fx_rate",
      "no_fx_rate",
      "no_fx_rate",
      "no_fx_rate",
    ]);
    const revenue = new Map(staged.orders.staged.map((o) => [o.orderId, o.revenue]));
    expect(
      Object.fromEntries(
        ["fx1", "fx2", "fx3", "fx4", "fx5", "q2", "k1", "k2", "k3", "k4", "k5"].map((id) => [
          id,
          revenue.get(id),
        ]),
      ),
    ).toEqual({
      fx1: 70,
      fx2: 76,
      fx3: 160,
      fx4: 3,
      fx5: 4,
      q2: 50,
      k1: 1,
      k2: 3,
      k3: 7,
      k4: 5,
      k5: 5,
    });
    expect(revenue.has("q1") || revenue.has("q3")).toBe(false);
    expect(result.reference.model.asOfDay).toBe(us("2025-09-01 00:00:00") / 86_400_000_000);
  });

  it("pick first orders and first visits by the SPEC's tie-breaks", () => {
    const profile = result.marts.mart_user_profile;
    expect(only(profile, { user_id: "u_tie" })).toMatchObject({
      first_order_at: us("2023-01-01 12:00:00"),
      first_order_device: "touch",
      first_order_service: "S-A",
      first_order_event_type: "theatre",
      first_order_region: null,
      first_order_weekday: 7,
      acquisition_source_id: "s10",
      orders_count: 3,
      avg_tickets_per_order: 2,
      avg_days_between_orders: 0.125,
    });
    expect(only(profile, { user_id: "u_micro" })).toMatchObject({
      first_order_at: us("2023-01-02 10:00:00"),
      last_order_at: us("2023-01-02 10:00:00.000001"),
      first_order_device: "desktop",
      avg_tickets_per_order: null,
    });
    // One microsecond between two orders, in fractional days.
    expect(only(profile, { user_id: "u_micro" }).avg_days_between_orders).toBeCloseTo(
      1 / 86_400_000_000,
      20,
    );
    expect(only(profile, { user_id: "u_nullfirst" }).acquisition_source_id).toBe("(unknown)");
    expect(only(profile, { user_id: "u_nulltie" }).acquisition_source_id).toBe("z");
    expect(only(profile, { user_id: "u_bad" })).toMatchObject({
      acquisition_source_id: "(unknown)",
      first_visit_at: null,
    });
    expect(only(profile, { user_id: "u_late" }).acquisition_source_id).toBe("s1");
    expect(profile.some((row) => row.user_id === "u_q")).toBe(false);
    expect(profile.some((row) => row.user_id === "u_gone")).toBe(false);
    expect(only(profile, { user_id: "u_k" })).toMatchObject({
      orders_count: 6,
      revenue_total: 1 + 3 + 7 + 5 + 5 + 8,
      last_order_at: us("2024-06-01 10:00:00"),
    });
  });

  it("count ISO weeks across the year boundary", () => {
    const ltv = result.marts.mart_ltv;
    expect(only(ltv, { grain: "week", cohort_start: "2024-12-30", lifetime: 0 }).orders).toBe(2);
    expect(only(ltv, { grain: "week", cohort_start: "2024-12-30", lifetime: 1 }).orders).toBe(1);
    expect(only(ltv, { grain: "week", cohort_start: "2024-12-23", lifetime: 1 }).orders).toBe(2);
    expect(only(ltv, { grain: "month", cohort_start: "2024-12-01", lifetime: 1 })).toMatchObject({
      orders: 3,
      revenue: 21,
    });
  });

  it("run mart_kpi_monthly from the first to the last month with data, zeros between", () => {
    const kpi = result.marts.mart_kpi_monthly;
    const months = kpi.map((row) => row.month as string).sort();
    expect(months[0]).toBe("2022-11-01");
    expect(months.at(-1)).toBe("2025-11-01");
    expect(months).toHaveLength(37);
    expect(only(kpi, { month: "2022-11-01" })).toMatchObject({
      buyers: 0,
      orders: 0,
      revenue: 0,
      avg_check: null,
      orders_per_buyer: null,
      costs: 5,
    });
    expect(only(kpi, { month: "2023-06-01" })).toMatchObject({ orders: 0, costs: 0 });
  });

  it("give mart_cac its (all), (unknown) and per-source rows", () => {
    const cac = result.marts.mart_cac;
    expect(only(cac, { month: "2023-01-01", source_id: "s_nobuy" })).toMatchObject({
      costs: 12,
      new_buyers: 0,
      cac: null,
    });
    // u_tie and u_s10 came from s10, which has no costs.
    expect(only(cac, { month: "2023-01-01", source_id: "s10" })).toMatchObject({
      costs: 0,
      new_buyers: 2,
      cac: 0,
    });
    expect(only(cac, { month: "2023-01-01", source_id: "s1" }).costs).toBe(31);
    expect(only(cac, { month: "2023-02-01", source_id: "s_zero" })).toMatchObject({
      costs: 0,
      new_buyers: 0,
      cac: null,
    });
    expect(cac.some((row) => row.source_id === "s_neg")).toBe(false);
    expect(cac.some((row) => row.month === "2023-03-01")).toBe(false);
    expect(only(cac, { month: "2025-11-01", source_id: "(all)" })).toMatchObject({
      costs: 1.5,
      new_buyers: 0,
      cac: null,
    });
  });

  it("follow ROMI to payback, null when cac is 0", () => {
    const romi = result.marts.mart_romi.filter(
      (row) => row.cohort_start === "2023-01-01" && row.source_id === "s_pay",
    );
    expect(romi.slice(0, 5).map((row) => [row.lifetime, row.ltv, row.romi])).toEqual([
      [0, 40, 0.4],
      [1, 40, 0.4],
      [2, 40, 0.4],
      [3, 100, 1],
      [4, 100, 1],
    ]);
    expect(new Set(romi.map((row) => row.payback_lifetime))).toEqual(new Set([3]));
    const s10 = result.marts.mart_romi.filter((row) => row.source_id === "s10");
    expect(s10.length).toBeGreaterThan(0);
    expect(
      s10.every((row) => row.cac === 0 && row.romi === null && row.payback_lifetime === null),
    ).toBe(true);
  });

  it("have activity rows only for periods with sessions", () => {
    const months = result.marts.mart_activity
      .filter((row) => row.grain === "month")
      .map((row) => row.period_start)
      .sort();
    expect(months).toEqual(["2023-01-01", "2023-02-01", "2024-12-01", "2025-01-01", "2025-09-01"]);
    // mau: the mean over the five months with a session, not over the 33 months of the range.
    const summary = result.marts.mart_activity_summary[0];
    expect(summary?.mau).toBeCloseTo(
      result.marts.mart_activity
        .filter((row) => row.grain === "month")
        .reduce((sum, row) => sum + (row.active_users as number), 0) / 5,
      12,
    );
  });

  it("show missing first-order attributes as (unknown) in mart_return_rates", () => {
    const rates = result.marts.mart_return_rates;
    // Weekdays as text, ISO 1 = Monday … 7 = Sunday (u_tie first bought on a Sunday).
    const weekdays = rates.filter((row) => row.dimension === "weekday").map((row) => row.value);
    expect(weekdays.every((value) => /^[1-7]$/.test(String(value)))).toBe(true);
    expect(weekdays).toContain("7");
    for (const dimension of ["event_type", "device", "region", "service", "acquisition_source"])
      expect(only(rates, { dimension, value: "(unknown)" }).users).toBeGreaterThan(0);
  });
});
