import { beforeAll, describe, expect, it } from "vitest";
import { readStagingCounts } from "../../src/report/staging-counts.ts";
import type { Warehouse } from "../../src/warehouse/warehouse.ts";
import { buildAll, fixtureWarehouse, insertRaw, query } from "./fixture-warehouse.ts";

// SPEC §1 staging: (1) empty required column → quarantined, reason names the
// first one in table order; (2) key rule among the rest (newest object, then
// greater key, then later row); (3) the winner is checked against the rules.
// Base currency is RUB (default settings).

let warehouse: Warehouse;

beforeAll(async () => {
  warehouse = await fixtureWarehouse();

  // FX: USD on 01-15 comes twice; the newer object (X2) wins with 72.
  await insertRaw(
    warehouse,
    "fx_rates",
    [
      { dt: "2020-01-01", currency: "USD", rate: 70 },
      { dt: "2020-01-15", currency: "USD", rate: 71 }, // superseded by X2
      { dt: "2020-02-01", currency: "EUR", rate: 80 },
      { dt: "2020-01-01", currency: "RUB", rate: 2 }, // base currency: staged, never used
      { dt: null, currency: "GBP", rate: 1 }, // missing_dt
    ],
    { key: "raw/fx_rates/x1.csv", modified: "2020-01-01 00:00:00" },
  );
  await insertRaw(
    warehouse,
    "fx_rates",
    [
      { dt: "2020-01-15", currency: "USD", rate: 72 },
      { dt: "2020-01-16", currency: "USD", rate: 75 },
    ],
    { key: "raw/fx_rates/x2.csv", modified: "2020-01-20 00:00:00" },
  );

  // Orders in three objects: b and c share a modified time, so c (greater key) beats b.
  await insertRaw(
    warehouse,
    "orders",
    [
      { order_id: "o1", user_id: "u1", created_at: "2020-01-10 10:00:00", revenue: 100 }, // superseded (b is newer)
      { order_id: "o6", user_id: "u6", created_at: "2020-01-05 00:00:00", revenue: 50 }, // superseded by a quarantined winner
    ],
    { key: "raw/orders/a.csv", modified: "2020-02-01 00:00:00" },
  );
  await insertRaw(
    warehouse,
    "orders",
    [
      {
        order_id: "o1",
        user_id: "u1",
        created_at: "2020-01-10 10:00:00",
        revenue: 120,
        currency: "RUB",
      },
      // USD on 2020-01-15 uses the rate dated 2020-01-15 (72), not 01-16
      {
        order_id: "o2",
        user_id: "u2",
        created_at: "2020-01-15 12:00:00",
        revenue: 10,
        currency: "USD",
      },
      // EUR has no rate on or before 2020-01-15
      {
        order_id: "o3",
        user_id: "u3",
        created_at: "2020-01-15 12:00:00",
        revenue: 5,
        currency: "EUR",
      },
      // negative revenue is reported before the missing rate
      {
        order_id: "o4",
        user_id: "u4",
        created_at: "2020-01-20 00:00:00",
        revenue: -5,
        currency: "EUR",
      },
      // user_id and created_at both empty: the first in table order names the reason
      { order_id: "o5", user_id: null, created_at: null, revenue: 1 },
      { order_id: null, user_id: "u6", created_at: null, revenue: null },
      // the newest version of o6 is invalid: o6 has no staged row at all
      { order_id: "o6", user_id: "u6", created_at: "2020-01-06 00:00:00", revenue: -1 },
      { order_id: "o7", user_id: "u7", created_at: "2020-01-07 00:00:00", revenue: 30 }, // loses to c.csv
    ],
    { key: "raw/orders/b.csv", modified: "2020-03-01 00:00:00" },
  );
  await insertRaw(
    warehouse,
    "orders",
    [
      { order_id: "o7", user_id: "u7", created_at: "2020-01-07 00:00:00", revenue: 33 },
      { order_id: "o8", user_id: "u8", created_at: "2020-01-08 00:00:00", revenue: 40 }, // later row wins
      { order_id: "o8", user_id: "u8", created_at: "2020-01-08 00:00:00", revenue: 44 },
      // RUB is the base currency: rate 1 even though fx_rates has a RUB row of 2
      {
        order_id: "o9",
        user_id: "u9",
        created_at: "2020-02-01 00:00:00",
        revenue: 2,
        currency: "RUB",
      },
      // one second before 01-15: the 01-01 rate (70) applies
      {
        order_id: "o10",
        user_id: "u10",
        created_at: "2020-01-14 23:59:59",
        revenue: 1.5,
        currency: "USD",
      },
      // an incomplete row takes no part in the key rule: o1 stays as in b.csv
      { order_id: "o1", user_id: null, created_at: "2020-01-10 10:00:00", revenue: 999 },
    ],
    { key: "raw/orders/c.csv", modified: "2020-03-01 00:00:00" },
  );

  await insertRaw(
    warehouse,
    "visits",
    [
      // the same session twice (missing source_id equals missing source_id)
      {
        user_id: "u1",
        session_start: "2020-01-01 10:00:00",
        session_end: "2020-01-01 10:30:00",
        device: "desktop",
      },
      {
        user_id: "u1",
        session_start: "2020-01-01 10:00:00",
        session_end: "2020-01-01 10:30:00",
        device: "desktop",
      },
      // ends before it starts, and comes twice: one quarantined, one superseded
      { user_id: "u1", session_start: "2020-01-02 10:00:00", session_end: "2020-01-02 09:00:00" },
      { user_id: "u2", session_start: null, session_end: "2020-01-03 10:00:00" }, // missing_session_start
      { user_id: null, session_start: null, session_end: null }, // missing_user_id
      // a zero-length session is valid
      {
        user_id: "u2",
        session_start: "2020-01-03 10:00:00",
        session_end: "2020-01-03 10:00:00",
        source_id: "s1",
      },
    ],
    { key: "raw/visits/v1.csv", modified: "2020-01-05 00:00:00" },
  );
  await insertRaw(
    warehouse,
    "visits",
    [{ user_id: "u1", session_start: "2020-01-02 10:00:00", session_end: "2020-01-02 09:00:00" }],
    { key: "raw/visits/v2.csv", modified: "2020-01-06 00:00:00" },
  );

  await insertRaw(
    warehouse,
    "costs",
    [
      { dt: "2020-01-01", source_id: "s1", costs: 10 }, // superseded by 12
      { dt: "2020-01-02", source_id: "s1", costs: 5 }, // superseded by a negative winner
      { dt: null, source_id: "s2", costs: 1 }, // missing_dt
      { dt: "2020-01-03", source_id: null, costs: null }, // missing_source_id
    ],
    { key: "raw/costs/c1.csv", modified: "2020-01-10 00:00:00" },
  );
  await insertRaw(
    warehouse,
    "costs",
    [
      { dt: "2020-01-01", source_id: "s1", costs: 12 },
      { dt: "2020-01-02", source_id: "s1", costs: -3 }, // negative_costs
    ],
    { key: "raw/costs/c2.csv", modified: "2020-01-11 00:00:00" },
  );

  await insertRaw(warehouse, "events", [{ event_id: "e1", event_type: "concert" }], {
    key: "raw/events/e1.csv",
    modified: "2020-01-01 00:00:00",
  });
  await insertRaw(
    warehouse,
    "events",
    [
      { event_id: "e1", event_type: "theatre" },
      { event_id: null, event_type: "sport" },
    ],
    { key: "raw/events/e2.csv", modified: "2020-01-02 00:00:00" },
  );

  await buildAll(warehouse);
});

describe("staged orders", () => {
  it("keeps the winning valid row per order_id, converted to the base currency", async () => {
    const rows = await query(
      warehouse,
      "select order_id, user_id, revenue, revenue_in_currency, currency, fx_rate from staging.stg_orders order by order_id",
    );
    expect(rows).toEqual([
      // newest object b.csv wins over a.csv; currency RUB = base → rate 1
      {
        order_id: "o1",
        user_id: "u1",
        revenue: 120,
        revenue_in_currency: 120,
        currency: "RUB",
        fx_rate: 1,
      },
      // 1.5 USD × 70 (latest rate on or before 2020-01-14 is 01-01's) = 105
      {
        order_id: "o10",
        user_id: "u10",
        revenue: 105,
        revenue_in_currency: 1.5,
        currency: "USD",
        fx_rate: 70,
      },
      // 10 USD × 72 (rate of 2020-01-15, from the newer fx object) = 720
      {
        order_id: "o2",
        user_id: "u2",
        revenue: 720,
        revenue_in_currency: 10,
        currency: "USD",
        fx_rate: 72,
      },
      // c.csv beats b.csv at the same modified time (greater key)
      {
        order_id: "o7",
        user_id: "u7",
        revenue: 33,
        revenue_in_currency: 33,
        currency: "RUB",
        fx_rate: 1,
      },
      // the later row of the same file wins
      {
        order_id: "o8",
        user_id: "u8",
        revenue: 44,
        revenue_in_currency: 44,
        currency: "RUB",
        fx_rate: 1,
      },
      // RUB row of fx_rates (rate 2) is ignored
      {
        order_id: "o9",
        user_id: "u9",
        revenue: 2,
        revenue_in_currency: 2,
        currency: "RUB",
        fx_rate: 1,
      },
    ]);
  });

  it("quarantines rows with the reason of the first broken rule", async () => {
    const rows = await query(
      warehouse,
      "select reason, order_id, _file_key from staging.stg_orders_quarantine order by _file_key, _file_row",
    );
    expect(rows).toEqual([
      { reason: "no_fx_rate", order_id: "o3", _file_key: "raw/orders/b.csv" },
      { reason: "negative_revenue", order_id: "o4", _file_key: "raw/orders/b.csv" },
      { reason: "missing_user_id", order_id: "o5", _file_key: "raw/orders/b.csv" },
      { reason: "missing_order_id", order_id: null, _file_key: "raw/orders/b.csv" },
      { reason: "negative_revenue", order_id: "o6", _file_key: "raw/orders/b.csv" },
      { reason: "missing_user_id", order_id: "o1", _file_key: "raw/orders/c.csv" },
    ]);
  });

  it("feeds converted revenue into the marts", async () => {
    const rows = await query(
      warehouse,
      "select user_id, revenue_total from mart_user_profile where user_id in ('u2', 'u6') order by user_id",
    );
    // u6's only order (o6) has no staged row, so u6 is no buyer
    expect(rows).toEqual([{ user_id: "u2", revenue_total: 720 }]);
  });
});

describe("staged visits, costs, events and fx rates", () => {
  it("stages one row per session and drops sessions that end before they start", async () => {
    expect(
      await query(
        warehouse,
        "select user_id, session_start, device, source_id from staging.stg_visits order by all",
      ),
    ).toEqual([
      { user_id: "u1", session_start: "2020-01-01 10:00:00", device: "desktop", source_id: null },
      { user_id: "u2", session_start: "2020-01-03 10:00:00", device: null, source_id: "s1" },
    ]);
    expect(
      await query(
        warehouse,
        "select reason, user_id from staging.stg_visits_quarantine order by all",
      ),
    ).toEqual([
      { reason: "missing_session_start", user_id: "u2" },
      { reason: "missing_user_id", user_id: null },
      { reason: "session_end_before_start", user_id: "u1" },
    ]);
  });

  it("lets a negative winning cost hide the older valid one", async () => {
    expect(
      await query(warehouse, "select dt, source_id, costs from staging.stg_costs order by all"),
    ).toEqual([{ dt: "2020-01-01", source_id: "s1", costs: 12 }]);
    expect(
      await query(warehouse, "select reason, costs from staging.stg_costs_quarantine order by all"),
    ).toEqual([
      { reason: "missing_dt", costs: 1 },
      { reason: "missing_source_id", costs: null },
      { reason: "negative_costs", costs: -3 },
    ]);
  });

  it("keeps the newest event and fx rate per key", async () => {
    expect(await query(warehouse, "select event_id, event_type from staging.stg_events")).toEqual([
      { event_id: "e1", event_type: "theatre" },
    ]);
    expect(
      await query(
        warehouse,
        "select dt, currency, rate from staging.stg_fx_rates order by currency, dt",
      ),
    ).toEqual([
      { dt: "2020-02-01", currency: "EUR", rate: 80 },
      { dt: "2020-01-01", currency: "RUB", rate: 2 },
      { dt: "2020-01-01", currency: "USD", rate: 70 },
      { dt: "2020-01-15", currency: "USD", rate: 72 },
      { dt: "2020-01-16", currency: "USD", rate: 75 },
    ]);
  });
});

describe("readStagingCounts", () => {
  it("accounts for every raw row: raw = staged + quarantined + superseded", async () => {
    const counts = await readStagingCounts(warehouse);
    expect(counts).toEqual([
      // 7 rows: 2 staged, 3 quarantined, 2 superseded (duplicate session, duplicate bad session)
      {
        source: "visits",
        raw: 7,
        staged: 2,
        quarantined: 3,
        superseded: 2,
        quarantinedByReason: {
          missing_session_start: 1,
          missing_user_id: 1,
          session_end_before_start: 1,
        },
      },
      // 16 rows: o1 o2 o7 o8 o9 o10 staged; o3 o4 o5 (null) o6 o1' quarantined;
      // a.csv o1 and o6, b.csv o7, c.csv first o8 superseded
      {
        source: "orders",
        raw: 16,
        staged: 6,
        quarantined: 6,
        superseded: 4,
        quarantinedByReason: {
          missing_order_id: 1,
          missing_user_id: 2,
          negative_revenue: 2,
          no_fx_rate: 1,
        },
      },
      {
        source: "events",
        raw: 3,
        staged: 1,
        quarantined: 1,
        superseded: 1,
        quarantinedByReason: { missing_event_id: 1 },
      },
      {
        source: "costs",
        raw: 6,
        staged: 1,
        quarantined: 3,
        superseded: 2,
        quarantinedByReason: { missing_dt: 1, missing_source_id: 1, negative_costs: 1 },
      },
      {
        source: "fx_rates",
        raw: 7,
        staged: 5,
        quarantined: 1,
        superseded: 1,
        quarantinedByReason: { missing_dt: 1 },
      },
    ]);
  });
});
