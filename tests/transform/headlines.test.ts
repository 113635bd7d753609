import { beforeAll, describe, expect, it } from "vitest";
import { readHeadlines } from "../../src/report/read-headlines.ts";
import type { Warehouse } from "../../src/warehouse/warehouse.ts";
import { buildAll, fixtureWarehouse, insertRaw } from "./fixture-warehouse.ts";

// visits: u1 01-04 s1, u2 01-04 s1, u1 01-05, u3 02-01 s2 (2021)
// orders: u1 01-04 100 and 06-07 50 (month lifetime 5), u2 01-10 20,
//         u3 02-01 30, u4 02-02 10 (no visit)
// costs:  s1 Jan 60; s2 Feb 100 + Mar 50 = 150 → s2 is the largest source

let warehouse: Warehouse;

beforeAll(async () => {
  warehouse = await fixtureWarehouse();
  await insertRaw(warehouse, "visits", [
    {
      user_id: "u1",
      session_start: "2021-01-04 10:00:00",
      session_end: "2021-01-04 10:05:00",
      source_id: "s1",
    },
    {
      user_id: "u2",
      session_start: "2021-01-04 11:00:00",
      session_end: "2021-01-04 11:05:00",
      source_id: "s1",
    },
    { user_id: "u1", session_start: "2021-01-05 10:00:00", session_end: "2021-01-05 10:05:00" },
    {
      user_id: "u3",
      session_start: "2021-02-01 10:00:00",
      session_end: "2021-02-01 10:05:00",
      source_id: "s2",
    },
  ]);
  await insertRaw(warehouse, "orders", [
    { order_id: "1", user_id: "u1", created_at: "2021-01-04 12:00:00", revenue: 100 },
    { order_id: "2", user_id: "u1", created_at: "2021-06-07 10:00:00", revenue: 50 },
    { order_id: "3", user_id: "u2", created_at: "2021-01-10 12:00:00", revenue: 20 },
    { order_id: "4", user_id: "u3", created_at: "2021-02-01 12:00:00", revenue: 30 },
    { order_id: "5", user_id: "u4", created_at: "2021-02-02 12:00:00", revenue: 10 },
  ]);
  await insertRaw(warehouse, "costs", [
    { dt: "2021-01-01", source_id: "s1", costs: 60 },
    { dt: "2021-02-01", source_id: "s2", costs: 100 },
    { dt: "2021-03-01", source_id: "s2", costs: 50 },
  ]);
  await buildAll(warehouse);
});

describe("readHeadlines", () => {
  it("reads the headline numbers from the marts", async () => {
    expect(await readHeadlines(warehouse)).toEqual({
      dataAsOf: new Date("2021-06-07T10:00:00Z"),
      dau: 4 / 3, // days 01-04 (2), 01-05 (1), 02-01 (1)
      wau: 1.5, // weeks of 01-04 (2) and 02-01 (1)
      mau: 1.5, // January (2), February (1)
      buyers: 4,
      returnRate: 0.25, // u1 only
      // month 0: January cohort 100 + 20, February cohort 30 + 10, over 4 buyers
      ltvMonth0: 40,
      // month 5: only the January cohort is that old: (120 + 50) / 2
      ltvMonth5: 85,
      largestSource: {
        sourceId: "s2",
        costs: 150,
        newBuyers: 1, // u3
        cac: 150,
        romi: 0.2, // u3's gross profit 30 / costs 150
      },
    });
  });
});
