// Smaller adversarial scenarios: another base currency and margin, a 53-week
// ISO year, RFM scores worked out by hand, text order of identifiers, and
// warehouses without orders, without visits, or without any rows.
import { describe, expect, it } from "vitest";
import { checkConformance } from "./harness.ts";
import { order, RawBuilder, session } from "./raw-builder.ts";
import type { MartRow } from "./reference/columns.ts";

function byKey(rows: readonly MartRow[], key: string): Record<string, MartRow> {
  return Object.fromEntries(rows.map((row) => [String(row[key]), row]));
}

describe("base currency USD, margin 0.25", () => {
  it("converts with the base currency's own rows ignored", async () => {
    const raw = new RawBuilder()
      .add("fx_rates", {}, [
        { dt: "2024-01-01", currency: "RUB", rate: 0.011 },
        { dt: "2024-01-15", currency: "RUB", rate: 0.0105 },
        { dt: "2024-01-01", currency: "USD", rate: 1000 }, // base: ignored
        { dt: "2024-01-01", currency: "EUR", rate: 1.1 },
      ])
      .add("visits", {}, [session("u1", "2024-01-02 10:00:00", "s1")])
      .add("orders", {}, [
        order("1", "u1", "2024-01-02 10:10:00", 100, { currency: "USD" }),
        order("2", "u1", "2024-01-14 23:00:00", 1000, { currency: "RUB" }), // 0.011
        order("3", "u1", "2024-01-15 00:00:00", 1000, { currency: "RUB" }), // 0.0105
        order("4", "u2", "2024-02-01 00:00:00", 10, { currency: null }),
        order("5", "u2", "2024-02-02 00:00:00", 10, { currency: "EUR" }),
        order("6", "u2", "2023-12-31 00:00:00", 10, { currency: "RUB" }), // no rate yet
      ])
      .add("costs", {}, [{ dt: "2024-01-03", source_id: "s1", costs: 40 }])
      .build();
    const result = await checkConformance(raw, { baseCurrency: "USD", margin: 0.25 });
    expect(result.differences).toEqual([]);
    const profile = byKey(result.marts.mart_user_profile, "user_id");
    expect(profile.u1?.revenue_total).toBeCloseTo(100 + 11 + 10.5, 12);
    expect(profile.u2?.revenue_total).toBeCloseTo(10 + 11, 12);
    const ltv = result.marts.mart_ltv.find(
      (row) => row.grain === "month" && row.cohort_start === "2024-01-01" && row.lifetime === 0,
    );
    expect(ltv?.gross_profit).toBeCloseTo(121.5 * 0.25, 12);
  });
});

describe("ISO year with 53 weeks (2020)", () => {
  it("counts weeks as Δdays / 7, not by week numbers", async () => {
    const raw = new RawBuilder()
      .add("visits", {}, [
        session("u1", "2020-01-06 10:00:00", "s1"), // Monday of ISO 2020-W02
        session("u1", "2021-01-04 10:00:00", "s1"), // 52 weeks later (ISO 2021-W01)
        session("u2", "2020-12-31 10:00:00", "s1"), // ISO 2020-W53, week of 2020-12-28
        session("u2", "2021-01-03 10:00:00", "s1"), // same week
        session("u2", "2021-01-11 10:00:00", "s1"), // data_as_of
      ])
      .add("orders", {}, [
        order("1", "u1", "2020-01-06 11:00:00", 10),
        order("2", "u1", "2021-01-04 11:00:00", 10),
        order("3", "u2", "2020-12-28 00:00:00", 10),
        order("4", "u2", "2021-01-03 23:59:59", 10),
      ])
      .build();
    const result = await checkConformance(raw);
    expect(result.differences).toEqual([]);
    const retention = result.marts.mart_retention.filter(
      (row) => row.basis === "visits" && row.grain === "week",
    );
    const u1 = retention.filter((row) => row.cohort_start === "2020-01-06");
    expect(u1.map((row) => row.lifetime)).toEqual([...Array(54).keys()]);
    expect(u1.filter((row) => row.active_users === 1).map((row) => row.lifetime)).toEqual([0, 52]);
    const u2 = retention.filter((row) => row.cohort_start === "2020-12-28");
    expect(u2.map((row) => [row.lifetime, row.active_users])).toEqual([
      [0, 1],
      [1, 0],
      [2, 1],
    ]);
    const activity = result.marts.mart_activity.filter((row) => row.grain === "week");
    expect(activity.map((row) => row.period_start)).toEqual([
      "2020-01-06",
      "2020-12-28",
      "2021-01-04",
      "2021-01-11",
    ]);
  });
});

describe("RFM scores by hand", () => {
  it("rank with ties sharing the lowest rank, better later, over n buyers", async () => {
    // as_of 2024-03-31. recency [0,0,5,5,5,10,20], frequency [1,1,1,2,2,3,5],
    // monetary [10,10,10,10,20,30,30]. n = 7, score = 1 + floor(5 (rank − 1) / 7).
    const raw = new RawBuilder()
      .add("orders", {}, [
        order("a", "A", "2024-03-31 10:00:00", 10),
        order("b", "B", "2024-03-31 09:00:00", 10),
        order("c", "C", "2024-03-26 10:00:00", 10),
        order("d1", "D", "2024-03-01 10:00:00", 5),
        order("d2", "D", "2024-03-26 10:00:00", 5),
        order("e1", "E", "2024-03-01 10:00:00", 15),
        order("e2", "E", "2024-03-26 23:59:59", 5),
        ...[1, 2, 3].map((i) => order(`f${i}`, "F", `2024-03-${18 + i} 10:00:00`, 10)),
        ...[1, 2, 3, 4, 5].map((i) => order(`g${i}`, "G", `2024-03-0${i + 4} 10:00:00`, 6)),
        order("g6", "G", "2024-03-11 10:00:00", 0),
      ])
      .build();
    const result = await checkConformance(raw);
    expect(result.differences).toEqual([]);
    const rfm = byKey(result.marts.mart_rfm, "user_id");
    const cells = Object.fromEntries(
      Object.entries(rfm).map(([user, row]) => [user, `${row.rfm_cell} ${row.segment}`]),
    );
    // G has 6 orders: frequency 6 still ranks last.
    expect(cells).toEqual({
      A: "411 promising",
      B: "411 promising",
      C: "211 hibernating",
      D: "231 at_risk",
      E: "233 at_risk",
      F: "144 at_risk",
      G: "154 cant_lose",
    });
    expect(rfm.F?.recency_days).toBe(10);
    expect(rfm.G?.recency_days).toBe(20);
  });
});

describe("identifiers compare as text", () => {
  it("by code point: upper case before lower, BMP before astral", async () => {
    const raw = new RawBuilder()
      .add("visits", {}, [
        session("u1", "2024-01-01 10:00:00", "s0"),
        session("u1", "2024-01-01 10:00:00", "S1"),
        session("u2", "2024-01-01 10:00:00", "é"),
        session("u2", "2024-01-01 10:00:00", "z"),
        session("u3", "2024-01-01 10:00:00", "\u{1F600}"),
        session("u3", "2024-01-01 10:00:00", "\uFF01"),
      ])
      .add("orders", {}, [
        order("a", "u1", "2024-01-02 10:00:00", 1, { device: "a" }),
        order("B", "u1", "2024-01-02 10:00:00", 2, { device: "B" }),
        order("\u{1F600}", "u2", "2024-01-02 10:00:00", 1, { device: "astral" }),
        order("\uFF01", "u2", "2024-01-02 10:00:00", 2, { device: "bmp" }),
        order("18446744073709551616", "u3", "2024-01-02 10:00:00", 1, { device: "2^64" }),
        order("9", "u3", "2024-01-02 10:00:00", 2, { device: "9" }),
      ])
      .build();
    const result = await checkConformance(raw);
    expect(result.differences).toEqual([]);
    const profile = byKey(result.marts.mart_user_profile, "user_id");
    expect(
      [profile.u1, profile.u2, profile.u3].map((row) => [
        row?.first_order_device,
        row?.acquisition_source_id,
      ]),
    ).toEqual([
      ["B", "S1"],
      ["bmp", "z"],
      ["2^64", "\uFF01"],
    ]);
  });
});

describe("partial and empty warehouses", () => {
  it("visits and costs without orders", async () => {
    const raw = new RawBuilder()
      .add("visits", {}, [
        session("v1", "2024-01-05 10:00:00", "s1"),
        session("v1", "2024-03-05 10:00:00", "s1"),
        session("v2", "2024-03-06 10:00:00", null),
      ])
      .add("costs", {}, [
        { dt: "2023-12-31", source_id: "s1", costs: 3 },
        { dt: "2024-05-01", source_id: "s2", costs: 4 },
      ])
      .build();
    const result = await checkConformance(raw);
    expect(result.differences).toEqual([]);
    expect(result.marts.mart_kpi_monthly.map((row) => row.month)).toEqual([
      "2023-12-01",
      "2024-01-01",
      "2024-02-01",
      "2024-03-01",
      "2024-04-01",
      "2024-05-01",
    ]);
    expect(result.marts.mart_romi).toEqual([]);
    expect(result.marts.mart_user_profile).toEqual([]);
  });

  it("costs only: no data_as_of", async () => {
    const raw = new RawBuilder()
      .add("costs", {}, [
        { dt: "2024-01-31", source_id: "s1", costs: 3 },
        { dt: "2024-03-01", source_id: "s1", costs: 4 },
      ])
      .build();
    const result = await checkConformance(raw);
    expect(result.differences).toEqual([]);
    expect(result.marts.mart_kpi_monthly).toHaveLength(3);
  });

  it("no rows at all", async () => {
    const raw = new RawBuilder().build();
    const result = await checkConformance(raw);
    expect(result.differences).toEqual([]);
  });
});
