import { beforeAll, describe, expect, it } from "vitest";
import type { Warehouse } from "../../src/warehouse/warehouse.ts";
import { buildAll, fixtureWarehouse, insertRaw, query } from "./fixture-warehouse.ts";

// Buyers (margin 1):
//   b1  first visit s1  orders 2021-01-10 100, 2021-02-10 50
//   b2  first visit s1  order  2021-01-20 30
//   b3  first visit s2  orders 2021-01-25 20, 2021-03-05 40 ← data_as_of
//   b4  no visit        order  2021-01-30 10            → (unknown)
//   b5  first visit s2  order  2021-02-03 30
//   b6  visit, no src   order  2021-02-04 5             → (unknown)
// Costs: s1 Jan 60 + 40, Mar 10; s2 Jan 50, Feb 100; s3 Feb 7 (no buyers).

let warehouse: Warehouse;

beforeAll(async () => {
  warehouse = await fixtureWarehouse();
  await insertRaw(warehouse, "visits", [
    {
      user_id: "b1",
      session_start: "2021-01-05 10:00:00",
      session_end: "2021-01-05 10:05:00",
      source_id: "s1",
    },
    {
      user_id: "b2",
      session_start: "2021-01-06 10:00:00",
      session_end: "2021-01-06 10:05:00",
      source_id: "s1",
    },
    {
      user_id: "b3",
      session_start: "2021-01-07 10:00:00",
      session_end: "2021-01-07 10:05:00",
      source_id: "s2",
    },
    {
      user_id: "b5",
      session_start: "2021-02-02 10:00:00",
      session_end: "2021-02-02 10:05:00",
      source_id: "s2",
    },
    {
      user_id: "b6",
      session_start: "2021-02-03 10:00:00",
      session_end: "2021-02-03 10:05:00",
      source_id: null,
    },
  ]);
  await insertRaw(warehouse, "orders", [
    { order_id: "1", user_id: "b1", created_at: "2021-01-10 10:00:00", revenue: 100 },
    { order_id: "2", user_id: "b1", created_at: "2021-02-10 10:00:00", revenue: 50 },
    { order_id: "3", user_id: "b2", created_at: "2021-01-20 10:00:00", revenue: 30 },
    { order_id: "4", user_id: "b3", created_at: "2021-01-25 10:00:00", revenue: 20 },
    { order_id: "5", user_id: "b3", created_at: "2021-03-05 10:00:00", revenue: 40 },
    { order_id: "6", user_id: "b4", created_at: "2021-01-30 10:00:00", revenue: 10 },
    { order_id: "7", user_id: "b5", created_at: "2021-02-03 10:00:00", revenue: 30 },
    { order_id: "8", user_id: "b6", created_at: "2021-02-04 10:00:00", revenue: 5 },
  ]);
  await insertRaw(warehouse, "costs", [
    { dt: "2021-01-01", source_id: "s1", costs: 60 },
    { dt: "2021-01-15", source_id: "s1", costs: 40 },
    { dt: "2021-03-01", source_id: "s1", costs: 10 },
    { dt: "2021-01-10", source_id: "s2", costs: 50 },
    { dt: "2021-02-01", source_id: "s2", costs: 100 },
    { dt: "2021-02-10", source_id: "s3", costs: 7 },
  ]);
  await buildAll(warehouse);
});

describe("mart_cac", () => {
  it("has a row per source with costs or new buyers, plus (unknown) and (all)", async () => {
    // Without the assumedCac setting every month is priced by its staged costs.
    expect(await query(warehouse, "select distinct cac_basis from mart_cac")).toEqual([
      { cac_basis: "costs" },
    ]);
    const rows = await query(
      warehouse,
      "select month, source_id, costs, new_buyers, cac from mart_cac order by month, source_id",
    );
    expect(rows).toEqual([
      // January: all costs 100 + 50, all new buyers b1 b2 b3 b4
      { month: "2021-01-01", source_id: "(all)", costs: 150, new_buyers: 4, cac: 37.5 },
      { month: "2021-01-01", source_id: "(unknown)", costs: 0, new_buyers: 1, cac: 0 }, // b4
      { month: "2021-01-01", source_id: "s1", costs: 100, new_buyers: 2, cac: 50 }, // b1 b2
      { month: "2021-01-01", source_id: "s2", costs: 50, new_buyers: 1, cac: 50 }, // b3
      // February: costs 100 + 7, new buyers b5 b6 (b1's second order is no new buyer)
      { month: "2021-02-01", source_id: "(all)", costs: 107, new_buyers: 2, cac: 53.5 },
      { month: "2021-02-01", source_id: "(unknown)", costs: 0, new_buyers: 1, cac: 0 }, // b6
      { month: "2021-02-01", source_id: "s2", costs: 100, new_buyers: 1, cac: 100 }, // b5
      { month: "2021-02-01", source_id: "s3", costs: 7, new_buyers: 0, cac: null },
      // March: costs only
      { month: "2021-03-01", source_id: "(all)", costs: 10, new_buyers: 0, cac: null },
      { month: "2021-03-01", source_id: "s1", costs: 10, new_buyers: 0, cac: null },
    ]);
  });
});

describe("mart_romi", () => {
  it("follows every cac row with new buyers through dense monthly lifetimes", async () => {
    const rows = await query(
      warehouse,
      "select cohort_start, source_id, lifetime, new_buyers, cac, ltv, romi, payback_lifetime from mart_romi order by cohort_start, source_id, lifetime",
    );
    const jan = "2021-01-01";
    const feb = "2021-02-01";
    expect(rows).toEqual([
      // January (lifetimes 0..2, as_of March), (all): 100+30+20+10 = 160, +50 = 210, +40 = 250 over 4 buyers
      {
        cohort_start: jan,
        source_id: "(all)",
        lifetime: 0,
        new_buyers: 4,
        cac: 37.5,
        ltv: 40,
        romi: expect.closeTo(40 / 37.5, 12),
        payback_lifetime: 0,
      },
      {
        cohort_start: jan,
        source_id: "(all)",
        lifetime: 1,
        new_buyers: 4,
        cac: 37.5,
        ltv: 52.5,
        romi: 1.4,
        payback_lifetime: 0,
      },
      {
        cohort_start: jan,
        source_id: "(all)",
        lifetime: 2,
        new_buyers: 4,
        cac: 37.5,
        ltv: 62.5,
        romi: expect.closeTo(62.5 / 37.5, 12),
        payback_lifetime: 0,
      },
      // (unknown) costs nothing: cac 0 → romi null, no payback
      {
        cohort_start: jan,
        source_id: "(unknown)",
        lifetime: 0,
        new_buyers: 1,
        cac: 0,
        ltv: 10,
        romi: null,
        payback_lifetime: null,
      },
      {
        cohort_start: jan,
        source_id: "(unknown)",
        lifetime: 1,
        new_buyers: 1,
        cac: 0,
        ltv: 10,
        romi: null,
        payback_lifetime: null,
      },
      {
        cohort_start: jan,
        source_id: "(unknown)",
        lifetime: 2,
        new_buyers: 1,
        cac: 0,
        ltv: 10,
        romi: null,
        payback_lifetime: null,
      },
      // s1: b1 + b2 = 130 / 2 = 65 → 1.3; b1's 50 in February → 180 / 2 = 90 → 1.8
      {
        cohort_start: jan,
        source_id: "s1",
        lifetime: 0,
        new_buyers: 2,
        cac: 50,
        ltv: 65,
        romi: 1.3,
        payback_lifetime: 0,
      },
      {
        cohort_start: jan,
        source_id: "s1",
        lifetime: 1,
        new_buyers: 2,
        cac: 50,
        ltv: 90,
        romi: 1.8,
        payback_lifetime: 0,
      },
      {
        cohort_start: jan,
        source_id: "s1",
        lifetime: 2,
        new_buyers: 2,
        cac: 50,
        ltv: 90,
        romi: 1.8,
        payback_lifetime: 0,
      },
      // s2: b3 20 → 0.4, idle February, 40 more in March → 60 / 50 = 1.2: pays back at lifetime 2
      {
        cohort_start: jan,
        source_id: "s2",
        lifetime: 0,
        new_buyers: 1,
        cac: 50,
        ltv: 20,
        romi: 0.4,
        payback_lifetime: 2,
      },
      {
        cohort_start: jan,
        source_id: "s2",
        lifetime: 1,
        new_buyers: 1,
        cac: 50,
        ltv: 20,
        romi: 0.4,
        payback_lifetime: 2,
      },
      {
        cohort_start: jan,
        source_id: "s2",
        lifetime: 2,
        new_buyers: 1,
        cac: 50,
        ltv: 60,
        romi: 1.2,
        payback_lifetime: 2,
      },
      // February (lifetimes 0..1), (all): 30 + 5 = 35 / 2 = 17.5; 17.5 / 53.5 never reaches 1
      {
        cohort_start: feb,
        source_id: "(all)",
        lifetime: 0,
        new_buyers: 2,
        cac: 53.5,
        ltv: 17.5,
        romi: expect.closeTo(17.5 / 53.5, 12),
        payback_lifetime: null,
      },
      {
        cohort_start: feb,
        source_id: "(all)",
        lifetime: 1,
        new_buyers: 2,
        cac: 53.5,
        ltv: 17.5,
        romi: expect.closeTo(17.5 / 53.5, 12),
        payback_lifetime: null,
      },
      {
        cohort_start: feb,
        source_id: "(unknown)",
        lifetime: 0,
        new_buyers: 1,
        cac: 0,
        ltv: 5,
        romi: null,
        payback_lifetime: null,
      },
      {
        cohort_start: feb,
        source_id: "(unknown)",
        lifetime: 1,
        new_buyers: 1,
        cac: 0,
        ltv: 5,
        romi: null,
        payback_lifetime: null,
      },
      // s2: b5 30 / 100
      {
        cohort_start: feb,
        source_id: "s2",
        lifetime: 0,
        new_buyers: 1,
        cac: 100,
        ltv: 30,
        romi: 0.3,
        payback_lifetime: null,
      },
      {
        cohort_start: feb,
        source_id: "s2",
        lifetime: 1,
        new_buyers: 1,
        cac: 100,
        ltv: 30,
        romi: 0.3,
        payback_lifetime: null,
      },
      // s3 (no buyers) and March (no buyers) have no rows
    ]);
  });
});
