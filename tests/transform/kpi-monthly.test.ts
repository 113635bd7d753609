import { beforeAll, describe, expect, it } from "vitest";
import type { Warehouse } from "../../src/warehouse/warehouse.ts";
import { buildAll, fixtureWarehouse, insertRaw, query } from "./fixture-warehouse.ts";

// Visits in January only; orders in February and April; costs in March and
// June (after data_as_of = 2021-04-07, yet still a month of the mart).
//   u1  2021-02-10 100 (first), 2021-02-20 50, 2021-04-05 20
//   u2  2021-02-25 30 (first), 2021-04-07 10
//   u3  2021-04-06 40 (first)

let warehouse: Warehouse;

beforeAll(async () => {
  warehouse = await fixtureWarehouse();
  await insertRaw(warehouse, "visits", [
    { user_id: "u1", session_start: "2021-01-15 10:00:00", session_end: "2021-01-15 10:05:00" },
  ]);
  await insertRaw(warehouse, "orders", [
    { order_id: "1", user_id: "u1", created_at: "2021-02-10 10:00:00", revenue: 100 },
    { order_id: "2", user_id: "u1", created_at: "2021-02-20 10:00:00", revenue: 50 },
    { order_id: "3", user_id: "u2", created_at: "2021-02-25 10:00:00", revenue: 30 },
    { order_id: "4", user_id: "u1", created_at: "2021-04-05 10:00:00", revenue: 20 },
    { order_id: "5", user_id: "u3", created_at: "2021-04-06 10:00:00", revenue: 40 },
    { order_id: "6", user_id: "u2", created_at: "2021-04-07 10:00:00", revenue: 10 },
  ]);
  await insertRaw(warehouse, "costs", [
    { dt: "2021-03-01", source_id: "s1", costs: 15 },
    { dt: "2021-06-30", source_id: "s1", costs: 5 },
  ]);
  await buildAll(warehouse);
});

describe("mart_kpi_monthly", () => {
  it("has every month from the first to the last with orders, visits or costs", async () => {
    const rows = await query(warehouse, "select * from mart_kpi_monthly order by month");
    const empty = {
      buyers: 0,
      new_buyers: 0,
      returning_buyers: 0,
      orders: 0,
      revenue: 0,
      avg_check: null,
      orders_per_buyer: null,
      revenue_new_buyers: 0,
      revenue_returning_buyers: 0,
    };
    expect(rows).toEqual([
      { month: "2021-01-01", ...empty, costs: 0 }, // visits only
      {
        month: "2021-02-01",
        buyers: 2, // u1, u2
        new_buyers: 2,
        returning_buyers: 0,
        orders: 3,
        revenue: 180, // 100 + 50 + 30
        avg_check: 60, // 180 / 3
        orders_per_buyer: 1.5, // 3 / 2
        revenue_new_buyers: 180,
        revenue_returning_buyers: 0,
        costs: 0,
      },
      { month: "2021-03-01", ...empty, costs: 15 }, // costs only
      {
        month: "2021-04-01",
        buyers: 3, // u1, u2, u3
        new_buyers: 1, // u3
        returning_buyers: 2,
        orders: 3,
        revenue: 70, // 20 + 40 + 10
        avg_check: expect.closeTo(70 / 3, 12),
        orders_per_buyer: 1,
        revenue_new_buyers: 40, // u3
        revenue_returning_buyers: 30, // u1 20 + u2 10
        costs: 0,
      },
      { month: "2021-05-01", ...empty, costs: 0 }, // nothing at all, but between months with data
      { month: "2021-06-01", ...empty, costs: 5 }, // after as_of_date, not cut
    ]);
  });
});
