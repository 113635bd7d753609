// Hand-written raw rows that probe SPEC §1–§3 corner cases in one warehouse
// (base currency RUB); adversarial.test.ts checks them against the
// reference and against values worked out by hand.
import type { RawData } from "./harness.ts";
import { order, RawBuilder, session } from "./raw-builder.ts";

export function cornerCases(): RawData {
  const raw = new RawBuilder();
  const early = { key: "raw/x/dt=2023-01-01/part-000.csv", modified: "2023-01-02 00:00:00" };

  // ── visits ──────────────────────────────────────────────────────────
  raw.add("visits", { ...early, key: "raw/visits/dt=2023-01-01/part-000.csv" }, [
    // Tie on session_start: smallest source_id as text ("s10" < "s2"), missing last.
    session("u_tie", "2023-01-01 10:00:00", "s2"),
    session("u_tie", "2023-01-01 10:00:00", null),
    session("u_tie", "2023-01-01 10:00:00", "s10"),
    // First visit has no source: (unknown), although a later one has.
    session("u_nullfirst", "2023-01-01 09:00:00", null),
    session("u_nullfirst", "2023-01-02 09:00:00", "s1"),
    // Tie with a missing source_id first in the file: the source wins.
    session("u_nulltie", "2023-01-01 11:00:00", null),
    session("u_nulltie", "2023-01-01 11:00:00", "z"),
    // Equal in all five columns (nulls too): one session, one superseded.
    session("u_dup", "2023-01-01 12:00:00", null),
    session("u_dup", "2023-01-01 12:00:00", null),
    // Differ only in device (null vs touch): two sessions.
    session("u_dup", "2023-01-01 13:00:00", "s1", { device: "touch" }),
    session("u_dup", "2023-01-01 13:00:00", "s1"),
    // Ends before it starts: quarantined; u_bad then has no visit at all.
    {
      user_id: "u_bad",
      session_start: "2023-01-01 14:00:00",
      session_end: "2023-01-01 13:59:59",
      source_id: "s1",
    },
    // Missing user_id and session_end: the reason names user_id.
    { user_id: null, session_start: "2023-01-01 15:00:00", session_end: null },
    // Missing session_end only.
    { user_id: "u_visitor", session_start: "2023-01-01 15:00:00", session_end: null },
    // Zero-length session, valid; microseconds kept.
    {
      user_id: "u_visitor",
      session_start: "2023-01-01 16:00:00.000001",
      session_end: "2023-01-01 16:00:00.000001",
      source_id: "s1",
    },
    session("u_pay", "2023-01-03 10:00:00", "s_pay"),
    session("u_s10", "2023-01-04 10:00:00", "s10"),
    // u_late buys before visiting: the (later) first visit still names the source.
    session("u_late", "2023-02-10 10:00:00", "s1"),
  ]);
  raw.add(
    "visits",
    { key: "raw/visits/dt=2024-12-30/part-000.csv", modified: "2025-01-07 00:00:00" },
    [
      session("u_wk", "2024-12-30 08:00:00", "s1"),
      session("u_wk", "2025-01-05 23:00:00", "s1"),
      session("u_wk", "2025-01-06 00:00:00", "s1"),
      session("u_visitor", "2024-12-31 10:00:00", "s2"),
      // The same session as a row of an older file.
      session("u_dup", "2023-01-01 12:00:00", null),
    ],
  );
  raw.add(
    "visits",
    { key: "raw/visits/dt=2025-09-01/part-000.csv", modified: "2025-09-02 00:00:00" },
    [
      // The latest staged row: data_as_of 2025-09-01 00:00:00, a Monday and a month start.
      session("u_last", "2025-09-01 00:00:00", "s1"),
      // Later, but quarantined: must not move data_as_of.
      {
        user_id: "u_last",
        session_start: "2025-10-01 10:00:00",
        session_end: "2025-10-01 09:00:00",
      },
    ],
  );

  // ── events ──────────────────────────────────────────────────────────
  raw.add("events", { key: "raw/events/a.csv", modified: "2023-01-01 00:00:00" }, [
    { event_id: "e1", event_type: "concert", region: "R1", city: "C1" },
    { event_id: "e2", event_type: "sport", region: "R2", city: "C2" },
    { event_id: "e3", event_type: null, region: "R3", city: null },
    { event_id: null, event_type: "ghost", region: "R9" },
  ]);
  raw.add("events", { key: "raw/events/b.csv", modified: "2023-01-03 00:00:00" }, [
    // Overrides e1: type theatre, region missing.
    { event_id: "e1", event_type: "theatre", region: null, city: "C1" },
  ]);

  // ── fx_rates (base RUB) ─────────────────────────────────────────────
  raw.add("fx_rates", { key: "raw/fx_rates/a.csv", modified: "2022-12-01 00:00:00" }, [
    { dt: "2022-12-20", currency: "USD", rate: 70 },
    { dt: "2023-01-10", currency: "USD", rate: 75 },
    // The base currency's rows are ignored: RUB stays at rate 1.
    { dt: "2022-12-01", currency: "RUB", rate: 2 },
    // Missing rate: quarantined, so EUR has no rate before 2023-01-20.
    { dt: "2023-01-01", currency: "EUR", rate: null },
    { dt: "2023-01-20", currency: "EUR", rate: 80 },
  ]);
  raw.add("fx_rates", { key: "raw/fx_rates/b.csv", modified: "2022-12-02 00:00:00" }, [
    // A later object overrides (2023-01-10, USD).
    { dt: "2023-01-10", currency: "USD", rate: 76 },
  ]);

  // ── orders ──────────────────────────────────────────────────────────
  const jan = { key: "raw/orders/dt=2023-01/part-000.csv", modified: "2023-01-31 00:00:00" };
  raw.add("orders", jan, [
    // Tie on created_at: order_id as text, "10" < "9".
    order("9", "u_tie", "2023-01-01 12:00:00", 30, {
      device: "desktop",
      service: "S-B",
      event_id: "e2",
      tickets_count: 3,
    }),
    order("10", "u_tie", "2023-01-01 12:00:00", 20, {
      device: "touch",
      service: "S-A",
      event_id: "e1",
      tickets_count: null,
    }),
    // Same day, later: avg_days_between_orders in fractional days.
    order("11", "u_tie", "2023-01-01 18:00:00", 10, { tickets_count: 1 }),
    // Microseconds decide, not order_id.
    order("a2", "u_micro", "2023-01-02 10:00:00.000001", 5, { device: "touch" }),
    order("a3", "u_micro", "2023-01-02 10:00:00", 6, { device: "desktop" }),
    // FX: latest dt on or before the order's date.
    order("fx1", "u_nullfirst", "2023-01-09 23:59:59", 1, { currency: "USD" }), // 70
    order("fx2", "u_nullfirst", "2023-01-10 00:00:00", 1, { currency: "USD" }), // 76 (override)
    order("fx3", "u_nulltie", "2023-01-20 08:00:00", 2, { currency: "EUR", event_id: "e404" }), // 80, same day
    order("fx4", "u_nulltie", "2023-01-21 08:00:00", 3, { currency: "RUB", event_id: "e3" }), // 1, not 2
    order("fx5", "u_fx", "2023-01-22 08:00:00", 4, { currency: null }), // 1
    // No rate: before the first USD row; EUR's only earlier row is quarantined; GBP never.
    order("fx6", "u_fx", "2022-12-19 08:00:00", 5, { currency: "USD" }),
    order("fx7", "u_fx", "2023-01-05 08:00:00", 6, { currency: "EUR" }),
    order("fx8", "u_fx", "2023-01-23 08:00:00", 7, { currency: "GBP" }),
    // Zero revenue is valid.
    order("z0", "u_fx", "2023-01-24 08:00:00", 0),
    // Missing required columns: the first in table order names the reason.
    order("m1", "u_fx", null, null),
    order(null, null, "2023-01-24 08:00:00", 1),
    // Negative revenue: quarantined.
    order("neg1", "u_fx", "2023-01-25 08:00:00", -1),
    // u_bad buys; its only visit was quarantined.
    order("b1", "u_bad", "2023-01-06 09:00:00", 12, { service: "S-A" }),
    order("p1", "u_pay", "2023-01-03 11:00:00", 40),
    order("p2", "u_pay", "2023-02-03 11:00:00", 0),
    order("p3", "u_pay", "2023-04-03 11:00:00", 60),
    order("s10a", "u_s10", "2023-01-04 11:00:00", 25),
    order("late1", "u_late", "2023-01-30 11:00:00", 8),
    // Older versions of keys that a later object decides.
    order("q1", "u_q", "2023-01-07 10:00:00", 100), // later version negative: gone
    order("q2", "u_q2", "2023-01-07 10:00:00", 50), // later version lacks revenue: this one stays
    order("q3", "u_q3", "2023-01-07 10:00:00", 9, { currency: "USD" }), // later version GBP: gone
    order("k1", "u_k", "2023-01-08 10:00:00", 2), // loses to an object modified later, smaller key
    order("k5", "u_k", "2025-12-01 10:00:00", 99), // superseded: its later created_at must not count
    order("k6", "u_gone", "2023-01-08 14:00:00", 8), // a later version moves it to u_k: u_gone buys nothing
    // Negative and without a rate: negative_revenue (the first rule SPEC §1 lists).
    order("negfx", "u_fx", "2023-01-26 08:00:00", -1, { currency: "GBP" }),
  ]);
  raw.add("orders", { key: "raw/orders/b.csv", modified: "2023-02-01 00:00:00" }, [
    order("q1", "u_q", "2023-01-07 10:00:00", -5),
    order("q2", "u_q2", "2023-01-07 10:00:00", null),
    order("q3", "u_q3", "2023-01-07 10:00:00", 9, { currency: "GBP" }),
    order("k1", "u_k", "2023-01-08 10:00:00", 1),
    order("k2", "u_k", "2023-01-08 11:00:00", 3),
    order("k5", "u_k", "2024-06-01 10:00:00", 5),
    order("k6", "u_k", "2023-01-08 14:00:00", 8),
  ]);
  // Same modified time as b.csv, smaller key: loses k2.
  raw.add("orders", { key: "raw/orders/a2.csv", modified: "2023-02-01 00:00:00" }, [
    order("k2", "u_k", "2023-01-08 11:00:00", 4),
  ]);
  // Same object: row 10 beats row 9 (numerically, not as text).
  raw.add("orders", { key: "raw/orders/c.csv", modified: "2023-01-15 00:00:00" }, [
    order("k3", "u_k", "2023-01-08 12:00:00", 6, { _file_row: 9 }),
    order("k3", "u_k", "2023-01-08 12:00:00", 7, { _file_row: 10 }),
  ]);
  // Fractional modified times: .5 s beats .25 s whatever the keys.
  raw.add("orders", { key: "raw/orders/m1.csv", modified: "2023-02-01 00:00:00.5" }, [
    order("k4", "u_k", "2023-01-08 13:00:00", 5),
  ]);
  raw.add("orders", { key: "raw/orders/zz.csv", modified: "2023-02-01 00:00:00.25" }, [
    order("k4", "u_k", "2023-01-08 13:00:00", 6),
  ]);
  raw.add(
    "orders",
    { key: "raw/orders/dt=2024-12/part-000.csv", modified: "2025-01-07 00:00:00" },
    [
      // ISO weeks across the year boundary.
      order("w1", "u_wk", "2024-12-30 09:00:00", 10), // Monday: week 2024-12-30 (ISO 2025-W01)
      order("w2", "u_wk", "2025-01-05 23:59:59", 10), // Sunday: same week, lifetime 0
      order("w3", "u_wk", "2025-01-06 00:00:00", 10), // Monday: lifetime 1
      order("w4", "u_wk3", "2024-12-29 12:00:00", 1), // Sunday: week 2024-12-23
      order("w5", "u_wk3", "2024-12-30 12:00:00", 1), // lifetime 1 (weeks), 0 (months: 12·Δy+Δm = 0)
      order("w6", "u_wk3", "2025-01-01 12:00:00", 1), // lifetime 1 week, 1 month
      // Quarantined, later than everything staged: data_as_of must not move.
      order("neg2", "u_wk", "2025-10-01 10:00:00", -3),
      // Five orders: is_frequent, 5+.
      ...[1, 2, 3, 4, 5].map((i) => order(`f${i}`, "u_freq", `2024-12-0${i} 10:00:00`, 7)),
    ],
  );

  // ── costs ───────────────────────────────────────────────────────────
  raw.add("costs", { key: "raw/costs/a.csv", modified: "2023-01-31 00:00:00" }, [
    { dt: "2022-11-15", source_id: "s1", costs: 5 }, // before any order or visit: first kpi month
    { dt: "2023-01-05", source_id: "s1", costs: 10 }, // a later version is negative: gone
    { dt: "2023-01-06", source_id: "s1", costs: 30 },
    { dt: "2023-01-07", source_id: "s_nobuy", costs: 12 }, // costs, no buyers: cac null
    { dt: "2023-01-08", source_id: "s_pay", costs: 100 }, // one buyer, romi exactly 1 at lifetime 3
    { dt: "2023-02-01", source_id: "s_zero", costs: 0 }, // a zero cost is a staged cost row
    { dt: "2023-03-01", source_id: "s_neg", costs: -2 }, // quarantined: no cac row
    { dt: "2023-03-02", source_id: null, costs: 2 },
    { dt: "2025-11-30", source_id: "s1", costs: 1.5 }, // after data_as_of: kpi runs on to here
  ]);
  raw.add("costs", { key: "raw/costs/b.csv", modified: "2023-02-28 00:00:00" }, [
    { dt: "2023-01-05", source_id: "s1", costs: -1 },
    { dt: "2023-01-06", source_id: "s1", costs: 31 }, // overrides 30
  ]);
  return raw.build();
}
