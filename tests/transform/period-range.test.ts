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
        "create table visits (started timestamp, label varchar); create table touched (period_start date)",
      );
      await warehouse.run(
        "insert into touched values (date '2021-03-01'), (date '2021-05-01'), (null)",
      );
      const range = (lists: string[][]) =>
        warehouse.transaction((session) =>
          touchedPeriodRange(
            session,
            { schema: "main", name: "visits" },
            lists,
            ["period_start"],
            "touched",
            "t",
          ),
        );
      expect(await range([["cast(date_trunc('month', started) as date)"]])).toBe(
        `((t."started" >= cast('2021-03-01 00:00:00' as TIMESTAMP) and t."started" < cast('2021-06-01 00:00:00' as TIMESTAMP)) or t."started" is null)`,
      );
      // A list that floors no date or timestamp column: no range at all.
      expect(
        await range([["cast(date_trunc('month', started) as date)"], ["cast(label as date)"]]),
      ).toBeNull();
      await warehouse.run("insert into touched values ('infinity'::date)");
      expect(await range([["cast(date_trunc('month', started) as date)"]])).toBeNull();
      await warehouse.run("delete from touched");
      expect(await range([["cast(started as date)"]])).toBe("false");
    } finally {
      warehouse.close();
    }
  });
});
