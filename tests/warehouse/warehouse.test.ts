import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../../src/warehouse/migrate.ts";
import { Warehouse } from "../../src/warehouse/warehouse.ts";

let warehouse: Warehouse;
beforeAll(async () => {
  warehouse = await Warehouse.open(":memory:");
});
afterAll(() => warehouse.close());

describe("Warehouse", () => {
  it("binds Dates as timestamps and integral numbers beyond 2^53 as doubles", async () => {
    const [row] = await warehouse.all<{ at: Date; big: number; count: number }>(
      "select $1 as at, $2 as big, $3 as count",
      [new Date("2024-01-31T23:59:10.123Z"), 2 ** 70, 42],
    );
    expect(row?.at.toISOString()).toBe("2024-01-31T23:59:10.123Z");
    expect(row?.big).toBe(2 ** 70);
    expect(row?.count).toBe(42);
  });

  it("rolls a failed transaction back and refuses use after close", async () => {
    await warehouse.run("create table t (x integer)");
    await expect(
      warehouse.transaction(async (session) => {
        await session.run("insert into t values (1)");
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await warehouse.all("select count(*)::integer as n from t")).toEqual([{ n: 0 }]);
    const other = await Warehouse.open(":memory:");
    other.close();
    await expect(other.all("select 1")).rejects.toThrow(/closed/);
  });

  it("refuses the warehouse itself inside a transaction at once instead of deadlocking", async () => {
    const fresh = await Warehouse.open(":memory:");
    try {
      await fresh.run("create table t (x integer)");
      const attempts = ["run", "all", "numberColumns", "transaction"] as const;
      for (const method of attempts) {
        const outcome = fresh.transaction(async (session) => {
          await session.run("insert into t values (1)");
          if (method === "run") await fresh.run("insert into t values (2)");
          else if (method === "all") await fresh.all("select 1");
          else if (method === "numberColumns") await fresh.numberColumns("select 1 as x", ["x"]);
          else await fresh.transaction(async () => undefined);
        });
        const timeout = new Promise<string>((resolve) =>
          setTimeout(() => resolve("deadlock"), 2_000),
        );
        await expect(Promise.race([outcome, timeout])).rejects.toThrow(
          `warehouse.${method}() called inside transaction()`,
        );
      }
      // Every transaction was rolled back and the warehouse is usable.
      expect(await fresh.all("select count(*)::integer as n from t")).toEqual([{ n: 0 }]);
      // A task started inside a transaction may use the warehouse once it has ended.
      let later: Promise<unknown> = Promise.resolve();
      await fresh.transaction(async () => {
        later = new Promise((resolve) => setTimeout(resolve, 10)).then(() =>
          fresh.all("select 1 as one"),
        );
      });
      await expect(later).resolves.toEqual([{ one: 1 }]);
    } finally {
      fresh.close();
    }
  });

  it("reads numeric columns vector by vector, equal to the rows, across many chunks", async () => {
    // 5,000 rows: three vectors of at most 2,048; every numeric type the fits read, and NULLs.
    const sql = `select i::double / 7 as ratio, i::bigint * 3 as big, i::integer as small,
                        (i / 4)::decimal(18, 3) as exact,
                        case when i % 11 = 0 then null else i::double end as gappy
                   from range(5000) t(i) where i >= $1 order by i`;
    const names = ["ratio", "big", "small", "exact", "gappy"] as const;
    const columns = await warehouse.numberColumns(sql, names, [1]);
    const rows = await warehouse.all<Record<(typeof names)[number], number | null>>(sql, [1]);
    expect(rows).toHaveLength(4999);
    for (const name of names) {
      expect(columns[name]).toBeInstanceOf(Float64Array);
      expect(Array.from(columns[name])).toEqual(
        rows.map((row) => (row[name] === null ? Number.NaN : Number(row[name]))),
      );
    }
    expect(columns.gappy[10]).toBeNaN();
    expect(columns.exact[5]).toBe(1.5);
    // Inside a transaction, through its session.
    const inside = await warehouse.transaction((session) =>
      session.numberColumns("select 2.5::double as x union all select 4", ["x"]),
    );
    expect(Array.from(inside.x).sort()).toEqual([2.5, 4]);
    const empty = await warehouse.numberColumns("select 1.0::double as x where false", ["x"]);
    expect(empty.x).toHaveLength(0);
    await expect(warehouse.numberColumns("select 1 as x", ["y"])).rejects.toThrow(
      "the query returns no column y (it has x)",
    );
    // A wide DECIMAL converts as DuckDB converts it (`::double`), not through its text.
    const wide = "45340233640296612.7405170688::decimal(38, 10)";
    const [cast] = await warehouse.all<{ v: number }>(`select (${wide})::double as v`);
    const decimal = await warehouse.numberColumns(`select ${wide} as v, null as gone`, [
      "v",
      "gone",
    ]);
    expect(decimal.v[0]).toBe(cast?.v);
    expect(decimal.gone[0]).toBeNaN();
    await expect(
      warehouse.numberColumns("select date '2024-01-01' as day", ["day"]),
    ).rejects.toThrow("column day is DATE, not a number");
  });

  it("applies each migration once", async () => {
    const fresh = await Warehouse.open(":memory:");
    const first = await migrate(fresh);
    expect(first.length).toBeGreaterThanOrEqual(5);
    expect(await migrate(fresh)).toEqual([]);
    fresh.close();
  });
});
