import { beforeAll, describe, expect, it } from "vitest";
import type { Warehouse } from "../../src/warehouse/warehouse.ts";
import { buildAll, fixtureWarehouse, insertRaw, query, testSettings } from "./fixture-warehouse.ts";

// Cohorts across the 2020/2021 year boundary, margin 0.5.
//
// orders                                 visits
// u1  2020-12-31 (Thu) 100               u1  2020-12-30 (Wed), 2021-02-01 (Mon)
// u1  2021-01-02 (Sat)  50               u2  2020-12-14 (Mon)
// u1  2021-02-15 (Mon)  25               u4  2021-01-10 (Sun), 2021-01-11 (Mon),
// u2  2020-12-20 (Sun)  40                   2021-03-03 (Wed) ← data_as_of
// u2  2021-03-01 (Mon)  10
// u3  2021-01-04 (Mon)  60  (no visits)
//
// as_of_date 2021-03-03: its month starts 2021-03-01, its ISO week 2021-03-01.

let warehouse: Warehouse;

beforeAll(async () => {
  warehouse = await fixtureWarehouse();
  await insertRaw(warehouse, "orders", [
    { order_id: "1", user_id: "u1", created_at: "2020-12-31 10:00:00", revenue: 100 },
    { order_id: "2", user_id: "u1", created_at: "2021-01-02 11:00:00", revenue: 50 },
    { order_id: "3", user_id: "u1", created_at: "2021-02-15 09:00:00", revenue: 25 },
    { order_id: "4", user_id: "u2", created_at: "2020-12-20 20:00:00", revenue: 40 },
    { order_id: "5", user_id: "u2", created_at: "2021-03-01 08:00:00", revenue: 10 },
    { order_id: "6", user_id: "u3", created_at: "2021-01-04 12:00:00", revenue: 60 },
  ]);
  await insertRaw(warehouse, "visits", [
    { user_id: "u1", session_start: "2020-12-30 09:00:00", session_end: "2020-12-30 09:05:00" },
    { user_id: "u1", session_start: "2021-02-01 09:00:00", session_end: "2021-02-01 09:05:00" },
    { user_id: "u2", session_start: "2020-12-14 09:00:00", session_end: "2020-12-14 09:05:00" },
    { user_id: "u4", session_start: "2021-01-10 09:00:00", session_end: "2021-01-10 09:05:00" },
    { user_id: "u4", session_start: "2021-01-11 09:00:00", session_end: "2021-01-11 09:05:00" },
    { user_id: "u4", session_start: "2021-03-03 12:00:00", session_end: "2021-03-03 12:05:00" },
  ]);
  await buildAll(warehouse, testSettings({ margin: 0.5 }));
});

describe("mart_ltv", () => {
  it("builds dense monthly lifetimes up to as_of_date with cumulative gross profit", async () => {
    const rows = await query(
      warehouse,
      "select cohort_start, lifetime, cohort_size, orders, revenue, gross_profit, cum_gross_profit, ltv from mart_ltv where grain = 'month' order by cohort_start, lifetime",
    );
    expect(rows).toEqual([
      // December cohort (u1, u2): lifetimes 0..3 (Dec 2020 → Mar 2021 = 12·1 + 3 − 12)
      {
        cohort_start: "2020-12-01",
        lifetime: 0,
        cohort_size: 2,
        orders: 2,
        revenue: 140,
        gross_profit: 70,
        cum_gross_profit: 70,
        ltv: 35,
      },
      // January is lifetime 1 although it is another year
      {
        cohort_start: "2020-12-01",
        lifetime: 1,
        cohort_size: 2,
        orders: 1,
        revenue: 50,
        gross_profit: 25,
        cum_gross_profit: 95,
        ltv: 47.5,
      },
      {
        cohort_start: "2020-12-01",
        lifetime: 2,
        cohort_size: 2,
        orders: 1,
        revenue: 25,
        gross_profit: 12.5,
        cum_gross_profit: 107.5,
        ltv: 53.75,
      },
      {
        cohort_start: "2020-12-01",
        lifetime: 3,
        cohort_size: 2,
        orders: 1,
        revenue: 10,
        gross_profit: 5,
        cum_gross_profit: 112.5,
        ltv: 56.25,
      },
      // January cohort (u3): lifetimes 0..2, the last two without orders
      {
        cohort_start: "2021-01-01",
        lifetime: 0,
        cohort_size: 1,
        orders: 1,
        revenue: 60,
        gross_profit: 30,
        cum_gross_profit: 30,
        ltv: 30,
      },
      {
        cohort_start: "2021-01-01",
        lifetime: 1,
        cohort_size: 1,
        orders: 0,
        revenue: 0,
        gross_profit: 0,
        cum_gross_profit: 30,
        ltv: 30,
      },
      {
        cohort_start: "2021-01-01",
        lifetime: 2,
        cohort_size: 1,
        orders: 0,
        revenue: 0,
        gross_profit: 0,
        cum_gross_profit: 30,
        ltv: 30,
      },
    ]);
  });

  it("puts a week that spans New Year into one lifetime", async () => {
    // u1's first order (Thu 2020-12-31) and second (Sat 2021-01-02) fall in
    // the ISO week of Monday 2020-12-28; 2021-02-15 is 49 days later → lifetime 7;
    // as_of week 2021-03-01 is 63 days later → lifetimes 0..9.
    const rows = await query(
      warehouse,
      "select lifetime, orders, revenue, cum_gross_profit from mart_ltv where grain = 'week' and cohort_start = '2020-12-28' order by lifetime",
    );
    expect(rows).toHaveLength(10);
    expect(rows[0]).toEqual({ lifetime: 0, orders: 2, revenue: 150, cum_gross_profit: 75 });
    expect(rows.slice(1, 7).every((row) => row.orders === 0 && row.cum_gross_profit === 75)).toBe(
      true,
    );
    expect(rows[7]).toEqual({ lifetime: 7, orders: 1, revenue: 25, cum_gross_profit: 87.5 });
    expect(rows[9]).toEqual({ lifetime: 9, orders: 0, revenue: 0, cum_gross_profit: 87.5 });
  });

  it("has one weekly cohort per first-order week with lifetimes up to the as_of week", async () => {
    // u2: week 2020-12-14, 77 days to 2021-03-01 → 0..11 (order 5 at lifetime 11)
    // u1: week 2020-12-28 → 0..9; u3: week 2021-01-04, 56 days → 0..8
    const rows = await query(
      warehouse,
      "select cohort_start, count(*) as lifetimes, max(lifetime) as last, sum(orders) as orders from mart_ltv where grain = 'week' group by all order by all",
    );
    expect(rows).toEqual([
      { cohort_start: "2020-12-14", lifetimes: 12, last: 11, orders: 2 },
      { cohort_start: "2020-12-28", lifetimes: 10, last: 9, orders: 3 },
      { cohort_start: "2021-01-04", lifetimes: 9, last: 8, orders: 1 },
    ]);
    const [last] = await query(
      warehouse,
      "select orders, revenue from mart_ltv where grain = 'week' and cohort_start = '2020-12-14' and lifetime = 11",
    );
    expect(last).toEqual({ orders: 1, revenue: 10 });
  });
});

describe("mart_retention", () => {
  it("follows buyer cohorts by orders, with zero rows for idle lifetimes", async () => {
    const rows = await query(
      warehouse,
      "select cohort_start, lifetime, cohort_size, active_users, retention_rate from mart_retention where basis = 'orders' and grain = 'month' order by cohort_start, lifetime",
    );
    expect(rows).toEqual([
      {
        cohort_start: "2020-12-01",
        lifetime: 0,
        cohort_size: 2,
        active_users: 2,
        retention_rate: 1,
      },
      {
        cohort_start: "2020-12-01",
        lifetime: 1,
        cohort_size: 2,
        active_users: 1,
        retention_rate: 0.5,
      }, // u1 in Jan
      {
        cohort_start: "2020-12-01",
        lifetime: 2,
        cohort_size: 2,
        active_users: 1,
        retention_rate: 0.5,
      }, // u1 in Feb
      {
        cohort_start: "2020-12-01",
        lifetime: 3,
        cohort_size: 2,
        active_users: 1,
        retention_rate: 0.5,
      }, // u2 in Mar
      {
        cohort_start: "2021-01-01",
        lifetime: 0,
        cohort_size: 1,
        active_users: 1,
        retention_rate: 1,
      },
      {
        cohort_start: "2021-01-01",
        lifetime: 1,
        cohort_size: 1,
        active_users: 0,
        retention_rate: 0,
      },
      {
        cohort_start: "2021-01-01",
        lifetime: 2,
        cohort_size: 1,
        active_users: 0,
        retention_rate: 0,
      },
    ]);
  });

  it("follows visitor cohorts by sessions; buyers without visits are no visitors", async () => {
    const monthly = await query(
      warehouse,
      "select cohort_start, lifetime, cohort_size, active_users from mart_retention where basis = 'visits' and grain = 'month' order by cohort_start, lifetime",
    );
    expect(monthly).toEqual([
      // December visitors u1, u2 (u3 never visited); u1 comes back in February
      { cohort_start: "2020-12-01", lifetime: 0, cohort_size: 2, active_users: 2 },
      { cohort_start: "2020-12-01", lifetime: 1, cohort_size: 2, active_users: 0 },
      { cohort_start: "2020-12-01", lifetime: 2, cohort_size: 2, active_users: 1 },
      { cohort_start: "2020-12-01", lifetime: 3, cohort_size: 2, active_users: 0 },
      // January visitor u4, back in March
      { cohort_start: "2021-01-01", lifetime: 0, cohort_size: 1, active_users: 1 },
      { cohort_start: "2021-01-01", lifetime: 1, cohort_size: 1, active_users: 0 },
      { cohort_start: "2021-01-01", lifetime: 2, cohort_size: 1, active_users: 1 },
    ]);
    // u4 first visits on Sunday 2021-01-10 (week of Monday 01-04); Monday
    // 01-11 is lifetime 1; 2021-03-03 is in the week of 03-01, 56 days → 8
    const weekly = await query(
      warehouse,
      "select lifetime, active_users from mart_retention where basis = 'visits' and grain = 'week' and cohort_start = '2021-01-04' and active_users > 0 order by lifetime",
    );
    expect(weekly).toEqual([
      { lifetime: 0, active_users: 1 },
      { lifetime: 1, active_users: 1 },
      { lifetime: 8, active_users: 1 },
    ]);
    const [counts] = await query(
      warehouse,
      "select count(*) filter (where grain = 'week') as weekly, count(*) filter (where grain = 'month') as monthly from mart_retention",
    );
    // weekly: visits 12 + 10 + 9, orders 12 + 10 + 9; monthly: visits 4 + 3, orders 4 + 3
    expect(counts).toEqual({ weekly: 62, monthly: 14 });
  });
});
