// Hand-written cases for the marts and columns that answer the seed
// analyses' remaining questions (SPEC §3): RFM ties between equal amounts
// whose float sums differ, conversion by days since the first visit,
// Wilson intervals, a fixed assumed CAC, value at risk and k-means segments.
import { describe, expect, it } from "vitest";
import { generateExports } from "../../src/generate/generate-exports.ts";
import { fixtureWarehouse } from "../support/warehouse.ts";
import { buildMarts, checkConformance, loadRaw, readRelation } from "./harness.ts";
import { order, RawBuilder, session } from "./raw-builder.ts";
import { type RawObject, rawFromCsvObjects } from "./raw-files.ts";
import type { MartRow } from "./reference/columns.ts";
import type { SourceName } from "./reference/staging.ts";

/** The generator's objects, each last modified on its data's day. */
async function generated(users: number, days: number, seed: number): Promise<RawObject[]> {
  const objects: RawObject[] = [];
  await generateExports(
    { users, days, seed },
    {
      write: async (key, body) => {
        const day = /dt=(\d{4}-\d{2}-\d{2})/.exec(key)?.[1] ?? "2000-01-01";
        objects.push({
          source: key.split("/")[0] as SourceName,
          key: `raw/${key}`,
          modified: `${day} 01:00:00`,
          body: body.toString("utf8"),
        });
      },
    },
  );
  return objects;
}

function byKey(rows: readonly MartRow[], ...key: string[]): Record<string, MartRow> {
  return Object.fromEntries(rows.map((row) => [key.map((k) => String(row[k])).join("|"), row]));
}

describe("RFM monetary ties", () => {
  it("ranks equal amounts that sum differently in floating point as ties", async () => {
    // 1.12 + 2.24 = 3.3600000000000003 in doubles (as the Afisha buyers of 6.72 whose
    // sums came out 6.720000000000001), 3.36 alone is 3.36: the same amount.
    expect(1.12 + 2.24).not.toBe(3.36);
    const raw = new RawBuilder()
      .add("orders", {}, [
        order("1", "a", "2024-03-01 10:00:00", 3.36),
        order("2", "b", "2024-03-01 11:00:00", 1.12),
        order("3", "b", "2024-03-02 11:00:00", 2.24),
        order("4", "c", "2024-03-01 12:00:00", 1),
        order("5", "d", "2024-03-01 13:00:00", 10),
        order("6", "e", "2024-03-01 14:00:00", 20),
      ])
      .build();
    const result = await checkConformance(raw);
    expect(result.differences).toEqual([]);
    expect(result.floatTies).toEqual([]);
    const rfm = byKey(result.marts.mart_rfm, "user_id");
    expect(rfm.a?.monetary).not.toBe(rfm.b?.monetary);
    // Five buyers: rank r gives score r unless tied; a and b share rank 2.
    expect([rfm.c, rfm.a, rfm.b, rfm.d, rfm.e].map((row) => row?.m_score)).toEqual([1, 2, 2, 4, 5]);
  });
});

describe("mart_conversion and minutes_to_first_order", () => {
  it("counts days from the first visit's date, an order before the visit as day 0", async () => {
    const raw = new RawBuilder()
      .add("visits", {}, [
        session("v0", "2024-01-01 23:50:00", "s1"), // buys 20 minutes later, the next day
        session("v1", "2024-01-02 10:00:00", "s1"), // buys 6 days later (< 7)
        session("v2", "2024-01-03 10:00:00", "s2"), // buys exactly 7 days later
        session("v3", "2024-01-04 10:00:00", "s2"), // bought before the first visit
        session("v4", "2024-01-05 10:00:00", null), // buys 29 days later
        session("v5", "2024-01-06 10:00:00", "s1"), // never buys
        session("v6", "2024-01-07 10:00:00", "s1"), // buys 30 days later
        session("v6", "2024-01-08 10:00:00", "s2"), // a later visit: not the first
        session("v7", "2024-02-20 08:00:00", "s1"),
      ])
      .add("orders", {}, [
        order("1", "v0", "2024-01-02 00:10:00", 10),
        order("2", "v1", "2024-01-08 09:00:00", 10),
        order("3", "v2", "2024-01-10 09:59:59", 10),
        order("4", "v3", "2024-01-01 10:00:00", 10),
        order("5", "v4", "2024-02-03 10:00:00", 10),
        order("6", "v6", "2024-02-06 10:00:00", 10),
        order("7", "nv", "2024-01-03 10:00:00", 10), // a buyer without a visit is no visitor
        order("8", "v7", "2024-02-20 08:00:30", 10),
      ])
      .build();
    const result = await checkConformance(raw);
    expect(result.differences).toEqual([]);
    const rows = byKey(result.marts.mart_conversion, "grain", "cohort_start", "source_id");
    const january = rows["month|2024-01-01|(all)"];
    expect(january).toMatchObject({
      visitors: 7,
      buyers: 6,
      buyers_day_0: 1, // v3, who bought before the visit; v0 bought on the next date: day 1
      buyers_day_7: 3, // v0, v1 (6 days), v3; not v2 (7 days)
      buyers_day_30: 5, // and v2, v4 (29 days); not v6 (30 days)
    });
    expect(rows["month|2024-01-01|(unknown)"]?.visitors).toBe(1);
    const profile = byKey(result.marts.mart_user_profile, "user_id");
    expect(profile.v0?.minutes_to_first_order).toBeCloseTo(20, 9);
    expect(profile.v3?.minutes_to_first_order).toBeCloseTo(-3 * 1440, 9);
    expect(profile.nv?.minutes_to_first_order).toBeNull();
    expect(rows["month|2024-02-01|(all)"]?.median_minutes_to_first_order).toBeCloseTo(0.5, 9);
  });
});

describe("assumedCac", () => {
  it("prices months without any cost rows at the assumed CAC, and only those", async () => {
    const raw = new RawBuilder()
      .add("visits", {}, [
        session("u1", "2024-01-02 10:00:00", "s1"),
        session("u2", "2024-02-02 10:00:00", "s1"),
        session("u3", "2024-02-03 10:00:00", "s2"),
        session("u4", "2024-01-03 10:00:00", "s2"),
      ])
      .add("orders", {}, [
        order("1", "u1", "2024-01-02 10:05:00", 4),
        order("2", "u2", "2024-02-02 10:05:00", 3),
        order("3", "u2", "2024-03-02 10:05:00", 9),
        order("4", "u3", "2024-02-03 10:05:00", 12),
        order("5", "u4", "2024-01-03 10:05:00", 1),
        order("6", "u5", "2024-01-04 10:05:00", 1),
      ])
      .add("costs", {}, [{ dt: "2024-01-03", source_id: "s1", costs: 40 }])
      .build();
    const settings = { baseCurrency: "RUB", margin: 0.5, assumedCac: 6 };
    const result = await checkConformance(raw, settings);
    expect(result.differences).toEqual([]);
    const cac = byKey(result.marts.mart_cac, "month", "source_id");
    expect(cac["2024-01-01|s1"]).toMatchObject({ cac: 40, cac_basis: "costs" });
    // A month with cost rows for some sources stays on costs: s2 and (unknown) cost 0.
    expect(cac["2024-01-01|s2"]).toMatchObject({ costs: 0, cac: 0, cac_basis: "costs" });
    expect(cac["2024-01-01|(unknown)"]).toMatchObject({ cac: 0, cac_basis: "costs" });
    expect(cac["2024-02-01|s1"]).toMatchObject({ costs: 0, cac: 6, cac_basis: "assumed" });
    expect(cac["2024-02-01|(all)"]).toMatchObject({ costs: 0, cac: 6, cac_basis: "assumed" });
    const romi = byKey(result.marts.mart_romi, "cohort_start", "source_id", "lifetime");
    expect(romi["2024-02-01|s1|1"]).toMatchObject({ ltv: 6, romi: 1, payback_lifetime: 1 });
    expect(romi["2024-02-01|s1|1"]?.cac_basis).toBe("assumed");
    expect(romi["2024-01-01|s2|0"]?.romi).toBeNull();

    const unset = await checkConformance(raw, { baseCurrency: "RUB", margin: 0.5 });
    expect(unset.differences).toEqual([]);
    const plain = byKey(unset.marts.mart_cac, "month", "source_id");
    expect(plain["2024-02-01|s1"]).toMatchObject({ cac: 0, cac_basis: "costs" });
  });
});

describe("mart_return_rates Wilson interval", () => {
  it("brackets the rate, widest for few buyers, clamped to [0, 1]", async () => {
    const raw = new RawBuilder()
      .add("orders", {}, [
        order("1", "a", "2024-03-01 10:00:00", 1, { device: "desktop" }),
        order("2", "a", "2024-03-02 10:00:00", 1, { device: "touch" }),
        order("3", "b", "2024-03-01 11:00:00", 1, { device: "touch" }),
      ])
      .build();
    const result = await checkConformance(raw);
    expect(result.differences).toEqual([]);
    const rates = byKey(result.marts.mart_return_rates, "dimension", "value");
    const desktop = rates["device|desktop"];
    // n = 1, p = 1: centre (1 + z²/2)/(1 + z²), half-width √(z²/4)·z/(1 + z²); high clamps to 1.
    const z = 1.959963984540054;
    expect(desktop?.return_rate_ci_low).toBeCloseTo(1 / (1 + z * z), 12);
    expect(desktop?.return_rate_ci_high).toBeCloseTo(1, 12);
    expect(desktop?.return_rate_ci_high).toBeLessThanOrEqual(1);
    expect(rates["device|touch"]?.return_rate_ci_low).toBeCloseTo(0, 12);
    expect(rates["device|touch"]?.return_rate_ci_low).toBeGreaterThanOrEqual(0);
  });
});

describe("value at risk and clusters on generated data", () => {
  it("conform with other riskPAlive, horizon and maxClusters settings", async () => {
    const objects = await generated(1500, 150, 15);
    const settings = {
      baseCurrency: "RUB",
      margin: 0.3,
      riskPAlive: 0.8,
      clvHorizonDays: 30,
      maxClusters: 3,
    };
    const result = await checkConformance(rawFromCsvObjects(objects), settings);
    expect(result.differences).toEqual([]);
    expect(result.marts.mart_value_at_risk.length).toBeGreaterThan(0);
    expect(result.marts.mart_value_at_risk.every((row) => (row.p_alive as number) < 0.8)).toBe(
      true,
    );
    const k = result.marts.mart_cluster_summary[0]?.k as number;
    expect(k).toBeGreaterThanOrEqual(2);
    expect(k).toBeLessThanOrEqual(3);
    expect(result.marts.mart_clusters.length).toBe(result.marts.mart_rfm.length);
  });

  it("are the same clusters when built twice from the same inputs (SPEC §5)", async () => {
    const raw = rawFromCsvObjects(await generated(600, 90, 4));
    const build = async () => {
      const warehouse = await fixtureWarehouse({ threads: 2 });
      try {
        await loadRaw(warehouse, raw);
        await buildMarts(warehouse, { baseCurrency: "RUB", margin: 1 });
        return {
          clusters: await readRelation(warehouse, "main.mart_clusters order by user_id"),
          summary: await readRelation(warehouse, "main.mart_cluster_summary order by cluster"),
          risk: await readRelation(warehouse, "main.mart_value_at_risk order by risk_rank"),
        };
      } finally {
        warehouse.close();
      }
    };
    const first = await build();
    expect(first.clusters.length).toBeGreaterThan(20);
    expect(await build()).toEqual(first);
  });

  it("leave the cluster marts empty with fewer than 3 buyers", async () => {
    const raw = new RawBuilder()
      .add("orders", {}, [
        order("1", "a", "2024-03-01 10:00:00", 5),
        order("2", "b", "2024-03-02 10:00:00", 7),
      ])
      .build();
    const result = await checkConformance(raw);
    expect(result.differences).toEqual([]);
    expect(result.marts.mart_clusters).toEqual([]);
    expect(result.marts.mart_cluster_summary).toEqual([]);
  });
});
