import { beforeAll, describe, expect, it } from "vitest";
import type { Warehouse } from "../../src/warehouse/warehouse.ts";
import { buildAll, fixtureWarehouse, insertRaw, query } from "./fixture-warehouse.ts";

// Ten buyers with ties in every dimension. as_of_date = 2022-01-31 (u10's
// last order). n = 10, so score = 1 + floor(5 (rank − 1) / 10) =
// 1 + floor((rank − 1) / 2): ranks 1-2 → 1, 3-4 → 2, 5-6 → 3, 7-8 → 4, 9-10 → 5.
//
// user  last order   recency  frequency  monetary
// u01   2022-01-01   30       1          10
// u02   2022-01-01   30       1          10
// u03   2022-01-11   20       2          20
// u04   2022-01-11   20       2          30
// u05   2022-01-21   10       2          40
// u06   2022-01-21   10       3          50
// u07   2022-01-26    5       3          60
// u08   2022-01-26    5       4          60
// u09   2022-01-30    1       5          70
// u10   2022-01-31    0       6          80
const buyers = [
  { user: "u01", last: "2022-01-01", frequency: 1, monetary: 10 },
  { user: "u02", last: "2022-01-01", frequency: 1, monetary: 10 },
  { user: "u03", last: "2022-01-11", frequency: 2, monetary: 20 },
  { user: "u04", last: "2022-01-11", frequency: 2, monetary: 30 },
  { user: "u05", last: "2022-01-21", frequency: 2, monetary: 40 },
  { user: "u06", last: "2022-01-21", frequency: 3, monetary: 50 },
  { user: "u07", last: "2022-01-26", frequency: 3, monetary: 60 },
  { user: "u08", last: "2022-01-26", frequency: 4, monetary: 60 },
  { user: "u09", last: "2022-01-30", frequency: 5, monetary: 70 },
  { user: "u10", last: "2022-01-31", frequency: 6, monetary: 80 },
];

let warehouse: Warehouse;

beforeAll(async () => {
  warehouse = await fixtureWarehouse();
  // Each buyer: frequency − 1 orders of 10 on the days before the last one,
  // and a last order carrying the rest of the monetary total.
  const orders = buyers.flatMap(({ user, last, frequency, monetary }) =>
    Array.from({ length: frequency }, (_, i) => {
      const daysBefore = frequency - 1 - i;
      const day = new Date(`${last}T10:00:00Z`);
      day.setUTCDate(day.getUTCDate() - daysBefore);
      return {
        order_id: `${user}-${i}`,
        user_id: user,
        created_at: day.toISOString().replace("T", " ").slice(0, 19),
        revenue: daysBefore === 0 ? monetary - 10 * (frequency - 1) : 10,
      };
    }),
  );
  await insertRaw(warehouse, "orders", orders);
  await buildAll(warehouse);
});

describe("mart_rfm", () => {
  it("gives tied buyers the lowest rank's score and maps scores to segments", async () => {
    // recency desc ranks: u01 u02 → 1; u03 u04 → 3; u05 u06 → 5; u07 u08 → 7; u09 → 9; u10 → 10
    // frequency asc ranks: u01 u02 → 1; u03 u04 u05 → 3; u06 u07 → 6; u08 → 8; u09 → 9; u10 → 10
    // monetary asc ranks: u01 u02 → 1; u03 → 3; u04 → 4; u05 → 5; u06 → 6; u07 u08 → 7; u09 → 9; u10 → 10
    const rows = await query(
      warehouse,
      "select user_id, recency_days, frequency, monetary, rfm_cell, segment from mart_rfm order by user_id",
    );
    expect(rows).toEqual([
      {
        user_id: "u01",
        recency_days: 30,
        frequency: 1,
        monetary: 10,
        rfm_cell: "111",
        segment: "hibernating",
      },
      {
        user_id: "u02",
        recency_days: 30,
        frequency: 1,
        monetary: 10,
        rfm_cell: "111",
        segment: "hibernating",
      },
      {
        user_id: "u03",
        recency_days: 20,
        frequency: 2,
        monetary: 20,
        rfm_cell: "222",
        segment: "hibernating",
      },
      {
        user_id: "u04",
        recency_days: 20,
        frequency: 2,
        monetary: 30,
        rfm_cell: "222",
        segment: "hibernating",
      },
      {
        user_id: "u05",
        recency_days: 10,
        frequency: 2,
        monetary: 40,
        rfm_cell: "323",
        segment: "about_to_sleep",
      },
      {
        user_id: "u06",
        recency_days: 10,
        frequency: 3,
        monetary: 50,
        rfm_cell: "333",
        segment: "need_attention",
      },
      {
        user_id: "u07",
        recency_days: 5,
        frequency: 3,
        monetary: 60,
        rfm_cell: "434",
        segment: "potential_loyalist",
      },
      {
        user_id: "u08",
        recency_days: 5,
        frequency: 4,
        monetary: 60,
        rfm_cell: "444",
        segment: "loyal",
      },
      {
        user_id: "u09",
        recency_days: 1,
        frequency: 5,
        monetary: 70,
        rfm_cell: "555",
        segment: "champions",
      },
      {
        user_id: "u10",
        recency_days: 0,
        frequency: 6,
        monetary: 80,
        rfm_cell: "555",
        segment: "champions",
      },
    ]);
  });

  it("keeps the scores as integers in the cell", async () => {
    const [row] = await query(
      warehouse,
      "select r_score, f_score, m_score from mart_rfm where user_id = 'u07'",
    );
    expect(row).toEqual({ r_score: 4, f_score: 3, m_score: 4 });
  });
});
