import { describe, expect, it } from "vitest";
import { periodFloor, touchedPeriodRange } from "../../src/transform/period-range.ts";
import { Warehouse } from "../../src/warehouse/warehouse.ts";

describe("periodFloor", () => {
  it("reads the forms that floor a column to a period", () => {
    expect(periodFloor("cast(date_trunc('month', session_start) as date)")).toEqual({
      column: "session_start",
      unit: "month",
    });
    expect(periodFloor(" DATE_TRUNC( 'Week' , \"Started At\" ) ")).toEqual({
      column: "Started At",
      unit: "week",
    });
    expect(periodFloor("cast(created_at as date)")).toEqual({ column: "created_at", unit: "day" });
    expect(periodFloor("created_at::date")).toEqual({ column: "created_at", unit: "day" });
  });

  it("reads nothing else, since a range would then drop rows of touched partitions", () => {
    for (const expression of [
      "date_trunc('hour', session_start)",
      "cast(date_trunc('month', session_start) as timestamp)",
      "date_trunc('month', session_start) + interval 1 day",
      "cast(v.session_start as date)",
      "cast(session_end - interval 1 hour as date)",
      "user_id",
    ])
      expect(periodFloor(expression), expression).toBeNull();
  });
});

describe("touchedPeriodRange", () => {
  it("bounds the floored column by the touched periods, or declines", async () => {
    const warehouse = await Warehouse.open(":memory:");
    try {
      await warehouse.run(
        "create table visits (started timestamp, on_day date, label varchar); create table touched (period_start date)",
      );
      await warehouse.run(
        "insert into touched values (date '2021-03-01'), (date '2021-05-01'), (null)",
      );
      const range = (lists: string[][], touched = "touched") =>
        warehouse.transaction((session) =>
          touchedPeriodRange(session, "main.visits", lists, ["period_start"], touched, "t"),
        );
      expect(await range([["cast(date_trunc('month', started) as date)"]])).toBe(
        `((t."started" >= cast(cast('2021-03-01 00:00:00' as timestamp) as TIMESTAMP) and t."started" < cast(cast('2021-06-01 00:00:00' as timestamp) as TIMESTAMP)) or t."started" is null)`,
      );
      // The bound in the column's type: DuckDB compares a DATE column with a constant.
      expect(await range([["date_trunc('week', on_day)"]])).toContain(
        `t."on_day" < cast(cast('2021-05-08 00:00:00' as timestamp) as DATE)`,
      );
      // A list that floors no date or timestamp column: no range at all.
      expect(
        await range([["cast(date_trunc('month', started) as date)"], ["cast(label as date)"]]),
      ).toBeNull();
      // Values that are not DATE or TIMESTAMP: a TIMESTAMPTZ would be cast in the machine's zone.
      await warehouse.run(
        "create table touched_tz as select cast(period_start as timestamptz) as period_start from touched",
      );
      expect(await range([["cast(started as date)"]], "touched_tz")).toBeNull();
      // No timestamp one period past a DATE beyond year 294,246; infinity; nothing touched.
      await warehouse.run("insert into touched values (date '300000-01-01')");
      expect(await range([["cast(date_trunc('month', started) as date)"]])).toBeNull();
      await warehouse.run("delete from touched; insert into touched values ('infinity'::date)");
      expect(await range([["cast(date_trunc('month', started) as date)"]])).toBeNull();
      await warehouse.run("delete from touched");
      expect(await range([["cast(started as date)"]])).toBeNull();
    } finally {
      warehouse.close();
    }
  });
});
