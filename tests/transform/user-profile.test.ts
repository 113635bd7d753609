import { beforeAll, describe, expect, it } from "vitest";
import type { Warehouse } from "../../src/warehouse/warehouse.ts";
import { buildAll, fixtureWarehouse, insertRaw, query } from "./fixture-warehouse.ts";

// Four buyers, all in RUB:
//   A: a10 and a9 at the same instant (first order = a10, the smaller id as
//      text), a3 later; three visits starting together (first = source s1).
//   B: one order whose event is unknown; first visit has no source_id.
//   C: five orders, no visits at all.
//   D: one zero-revenue order.
// data_as_of = B's visit 2021-03-20 18:00 → as_of_date 2021-03-20.

let warehouse: Warehouse;

beforeAll(async () => {
  warehouse = await fixtureWarehouse();
  await insertRaw(warehouse, "events", [
    { event_id: "e1", event_type: "concert", region: "north", city: "x" },
    { event_id: "e2", event_type: "sport", region: null, city: "y" },
  ]);
  await insertRaw(warehouse, "orders", [
    {
      order_id: "a10",
      user_id: "A",
      created_at: "2021-03-01 10:00:00",
      revenue: 100,
      tickets_count: 2,
      device: "ios",
      service: "web",
      event_id: "e1",
    },
    {
      order_id: "a9",
      user_id: "A",
      created_at: "2021-03-01 10:00:00",
      revenue: 50,
      device: "android",
      service: "app",
      event_id: "e2",
    },
    {
      order_id: "a3",
      user_id: "A",
      created_at: "2021-03-04 22:00:00",
      revenue: 30,
      tickets_count: 4,
    },
    {
      order_id: "b1",
      user_id: "B",
      created_at: "2021-03-10 15:30:00",
      revenue: 200,
      device: "android",
      event_id: "e404",
    },
    {
      order_id: "c1",
      user_id: "C",
      created_at: "2021-03-02 00:00:00",
      revenue: 10,
      service: "app",
      event_id: "e2",
    },
    { order_id: "c2", user_id: "C", created_at: "2021-03-03 00:00:00", revenue: 10 },
    { order_id: "c3", user_id: "C", created_at: "2021-03-05 00:00:00", revenue: 10 },
    { order_id: "c4", user_id: "C", created_at: "2021-03-08 00:00:00", revenue: 10 },
    { order_id: "c5", user_id: "C", created_at: "2021-03-12 12:00:00", revenue: 10 },
    {
      order_id: "d1",
      user_id: "D",
      created_at: "2021-03-15 09:00:00",
      revenue: 0,
      device: "ios",
      service: "web",
      event_id: "e1",
    },
  ]);
  await insertRaw(warehouse, "visits", [
    // same session_start: smallest source_id wins, a missing one comes last
    {
      user_id: "A",
      session_start: "2021-02-20 09:00:00",
      session_end: "2021-02-20 09:10:00",
      source_id: "s2",
    },
    {
      user_id: "A",
      session_start: "2021-02-20 09:00:00",
      session_end: "2021-02-20 09:20:00",
      source_id: null,
    },
    {
      user_id: "A",
      session_start: "2021-02-20 09:00:00",
      session_end: "2021-02-20 09:30:00",
      source_id: "s1",
    },
    {
      user_id: "B",
      session_start: "2021-03-09 08:00:00",
      session_end: "2021-03-09 08:10:00",
      source_id: null,
    },
    {
      user_id: "B",
      session_start: "2021-03-12 08:00:00",
      session_end: "2021-03-12 08:10:00",
      source_id: "s1",
    },
    {
      user_id: "B",
      session_start: "2021-03-20 18:00:00",
      session_end: "2021-03-20 18:10:00",
      source_id: "s1",
    },
    {
      user_id: "D",
      session_start: "2021-03-14 08:00:00",
      session_end: "2021-03-14 08:10:00",
      source_id: "s2",
    },
  ]);
  await buildAll(warehouse);
});

describe("mart_user_profile", () => {
  it("describes each buyer by hand-computed numbers", async () => {
    const rows = await query(warehouse, "select * from mart_user_profile order by user_id");
    expect(rows).toEqual([
      {
        user_id: "A",
        first_order_at: "2021-03-01 10:00:00",
        last_order_at: "2021-03-04 22:00:00",
        orders_count: 3,
        revenue_total: 180, // 100 + 50 + 30
        avg_order_revenue: 60, // 180 / 3
        avg_tickets_per_order: 3, // (2 + 4) / 2, the null is left out
        avg_days_between_orders: 1.75, // 3.5 days between first and last / (3 − 1)
        first_order_device: "ios", // a10 < a9 as text
        first_order_region: "north",
        first_order_service: "web",
        first_order_event_type: "concert",
        first_order_weekday: 1, // 2021-03-01 is a Monday
        acquisition_source_id: "s1",
        first_visit_at: "2021-02-20 09:00:00",
        order_count_segment: "2-4",
        is_returning: true,
        is_frequent: false,
        days_since_last_order: 16, // 03-20 − 03-04
        minutes_to_first_order: 9 * 1440 + 60, // 02-20 09:00 → 03-01 10:00
      },
      {
        user_id: "B",
        first_order_at: "2021-03-10 15:30:00",
        last_order_at: "2021-03-10 15:30:00",
        orders_count: 1,
        revenue_total: 200,
        avg_order_revenue: 200,
        avg_tickets_per_order: null,
        avg_days_between_orders: null,
        first_order_device: "android",
        first_order_region: null, // event e404 does not exist
        first_order_service: null,
        first_order_event_type: null,
        first_order_weekday: 3, // Wednesday
        acquisition_source_id: "(unknown)", // first visit has no source_id
        first_visit_at: "2021-03-09 08:00:00",
        order_count_segment: "1",
        is_returning: false,
        is_frequent: false,
        days_since_last_order: 10,
        minutes_to_first_order: 1440 + 7.5 * 60, // 03-09 08:00 → 03-10 15:30
      },
      {
        user_id: "C",
        first_order_at: "2021-03-02", // midnight
        last_order_at: "2021-03-12 12:00:00",
        orders_count: 5,
        revenue_total: 50,
        avg_order_revenue: 10,
        avg_tickets_per_order: null,
        avg_days_between_orders: 2.625, // 10.5 days / 4
        first_order_device: null,
        first_order_region: null, // e2 has no region
        first_order_service: "app",
        first_order_event_type: "sport",
        first_order_weekday: 2, // Tuesday
        acquisition_source_id: "(unknown)", // no visit at all
        first_visit_at: null,
        order_count_segment: "5+",
        is_returning: true,
        is_frequent: true,
        days_since_last_order: 8,
        minutes_to_first_order: null, // no visit
      },
      {
        user_id: "D",
        first_order_at: "2021-03-15 09:00:00",
        last_order_at: "2021-03-15 09:00:00",
        orders_count: 1,
        revenue_total: 0,
        avg_order_revenue: 0,
        avg_tickets_per_order: null,
        avg_days_between_orders: null,
        first_order_device: "ios",
        first_order_region: "north",
        first_order_service: "web",
        first_order_event_type: "concert",
        first_order_weekday: 1,
        acquisition_source_id: "s2",
        first_visit_at: "2021-03-14 08:00:00",
        order_count_segment: "1",
        is_returning: false,
        is_frequent: false,
        days_since_last_order: 5,
        minutes_to_first_order: 1440 + 60,
      },
    ]);
  });
});

describe("mart_return_rates", () => {
  it("splits the 4 buyers by first-order attribute, missing values as (unknown)", async () => {
    const rows = await query(
      warehouse,
      "select dimension, value, users, share_of_users, returning_users, return_rate, frequent_users, frequent_rate from mart_return_rates order by dimension, value",
    );
    // returning: A and C; frequent: C
    const row = (
      dimension: string,
      value: string,
      users: number,
      returning: number,
      frequent: number,
    ) => ({
      dimension,
      value,
      users,
      share_of_users: users / 4,
      returning_users: returning,
      return_rate: returning / users,
      frequent_users: frequent,
      frequent_rate: frequent / users,
    });
    expect(rows).toEqual([
      row("acquisition_source", "(unknown)", 2, 1, 1), // B, C
      row("acquisition_source", "s1", 1, 1, 0), // A
      row("acquisition_source", "s2", 1, 0, 0), // D
      row("device", "(unknown)", 1, 1, 1), // C
      row("device", "android", 1, 0, 0), // B
      row("device", "ios", 2, 1, 0), // A, D
      row("event_type", "(unknown)", 1, 0, 0), // B
      row("event_type", "concert", 2, 1, 0), // A, D
      row("event_type", "sport", 1, 1, 1), // C
      row("region", "(unknown)", 2, 1, 1), // B, C
      row("region", "north", 2, 1, 0), // A, D
      row("service", "(unknown)", 1, 0, 0), // B
      row("service", "app", 1, 1, 1), // C
      row("service", "web", 2, 1, 0), // A, D
      row("weekday", "1", 2, 1, 0), // A, D
      row("weekday", "2", 1, 1, 1), // C
      row("weekday", "3", 1, 0, 0), // B
    ]);
  });
});

describe("mart_rfm on the same buyers", () => {
  it("scores with RANK() and n = 4", async () => {
    // score = 1 + floor(5 (rank − 1) / 4): rank 1 → 1, 2 → 2, 3 → 3, 4 → 4
    // recency desc: A 16 (1), B 10 (2), C 8 (3), D 5 (4)
    // frequency asc: B 1 and D 1 tie at rank 1, A 3 (3), C 5 (4)
    // monetary asc: D 0 (1), C 50 (2), A 180 (3), B 200 (4)
    const rows = await query(
      warehouse,
      "select user_id, recency_days, frequency, monetary, r_score, f_score, m_score, rfm_cell, segment from mart_rfm order by user_id",
    );
    expect(rows).toEqual([
      {
        user_id: "A",
        recency_days: 16,
        frequency: 3,
        monetary: 180,
        r_score: 1,
        f_score: 3,
        m_score: 3,
        rfm_cell: "133",
        segment: "at_risk",
      },
      {
        user_id: "B",
        recency_days: 10,
        frequency: 1,
        monetary: 200,
        r_score: 2,
        f_score: 1,
        m_score: 4,
        rfm_cell: "214",
        segment: "hibernating",
      },
      {
        user_id: "C",
        recency_days: 8,
        frequency: 5,
        monetary: 50,
        r_score: 3,
        f_score: 4,
        m_score: 2,
        rfm_cell: "342",
        segment: "loyal",
      },
      {
        user_id: "D",
        recency_days: 5,
        frequency: 1,
        monetary: 0,
        r_score: 4,
        f_score: 1,
        m_score: 1,
        rfm_cell: "411",
        segment: "promising",
      },
    ]);
  });
});
