import { beforeAll, describe, expect, it } from "vitest";
import type { Warehouse } from "../../src/warehouse/warehouse.ts";
import { buildAll, fixtureWarehouse, insertRaw, query } from "./fixture-warehouse.ts";

// Sessions around the turn of March/April 2021. The ISO week starting
// Monday 2021-03-29 runs to Sunday 2021-04-04 and so crosses the month
// boundary; 2021-04-05 starts the next week.
//
// user  start                 length (s)
// u1    2021-03-29 10:00      600
// u1    2021-03-31 12:00      1200
// u2    2021-03-31 23:00      1800
// u2    2021-04-01 08:00      300
// u3    2021-04-04 09:00      0.5   (microseconds count)
// u3    2021-04-04 10:00      60
// u1    2021-04-05 10:00      3600

let warehouse: Warehouse;

beforeAll(async () => {
  warehouse = await fixtureWarehouse();
  await insertRaw(warehouse, "visits", [
    { user_id: "u1", session_start: "2021-03-29 10:00:00", session_end: "2021-03-29 10:10:00" },
    { user_id: "u1", session_start: "2021-03-31 12:00:00", session_end: "2021-03-31 12:20:00" },
    { user_id: "u2", session_start: "2021-03-31 23:00:00", session_end: "2021-03-31 23:30:00" },
    { user_id: "u2", session_start: "2021-04-01 08:00:00", session_end: "2021-04-01 08:05:00" },
    { user_id: "u3", session_start: "2021-04-04 09:00:00", session_end: "2021-04-04 09:00:00.5" },
    { user_id: "u3", session_start: "2021-04-04 10:00:00", session_end: "2021-04-04 10:01:00" },
    { user_id: "u1", session_start: "2021-04-05 10:00:00", session_end: "2021-04-05 11:00:00" },
  ]);
  await buildAll(warehouse);
});

describe("mart_activity", () => {
  it("counts active users and sessions per day, ISO week and month", async () => {
    const rows = await query(warehouse, "select * from mart_activity order by grain, period_start");
    expect(rows).toEqual([
      {
        grain: "day",
        period_start: "2021-03-29",
        active_users: 1,
        sessions: 1,
        avg_session_seconds: 600,
      },
      // (1200 + 1800) / 2
      {
        grain: "day",
        period_start: "2021-03-31",
        active_users: 2,
        sessions: 2,
        avg_session_seconds: 1500,
      },
      {
        grain: "day",
        period_start: "2021-04-01",
        active_users: 1,
        sessions: 1,
        avg_session_seconds: 300,
      },
      // one user, two sessions: (0.5 + 60) / 2
      {
        grain: "day",
        period_start: "2021-04-04",
        active_users: 1,
        sessions: 2,
        avg_session_seconds: 30.25,
      },
      {
        grain: "day",
        period_start: "2021-04-05",
        active_users: 1,
        sessions: 1,
        avg_session_seconds: 3600,
      },
      // March: u1 (2 sessions) and u2 (1): (600 + 1200 + 1800) / 3
      {
        grain: "month",
        period_start: "2021-03-01",
        active_users: 2,
        sessions: 3,
        avg_session_seconds: 1200,
      },
      // April: (300 + 0.5 + 60 + 3600) / 4 = 3960.5 / 4
      {
        grain: "month",
        period_start: "2021-04-01",
        active_users: 3,
        sessions: 4,
        avg_session_seconds: 990.125,
      },
      // the week crossing the month boundary holds 6 sessions of u1, u2, u3:
      // (600 + 1200 + 1800 + 300 + 0.5 + 60) / 6 = 3960.5 / 6
      {
        grain: "week",
        period_start: "2021-03-29",
        active_users: 3,
        sessions: 6,
        avg_session_seconds: expect.closeTo(3960.5 / 6, 9),
      },
      {
        grain: "week",
        period_start: "2021-04-05",
        active_users: 1,
        sessions: 1,
        avg_session_seconds: 3600,
      },
    ]);
  });
});

describe("mart_activity_summary", () => {
  it("averages active users over the periods that have sessions", async () => {
    const rows = await query(warehouse, "select * from mart_activity_summary");
    expect(rows).toEqual([
      {
        dau: 1.2, // (1 + 2 + 1 + 1 + 1) / 5 days with sessions
        wau: 2, // (3 + 1) / 2 weeks
        mau: 2.5, // (2 + 3) / 2 months
        sticky_wau: expect.closeTo(0.6, 12), // 1.2 / 2
        sticky_mau: expect.closeTo(0.48, 12), // 1.2 / 2.5
        sessions_per_user_per_day: 1.2, // (1/1 + 2/2 + 1/1 + 2/1 + 1/1) / 5
        // all 7 sessions: (600 + 1200 + 1800 + 300 + 0.5 + 60 + 3600) / 7 = 7560.5 / 7
        avg_session_seconds: expect.closeTo(7560.5 / 7, 9),
      },
    ]);
  });
});
