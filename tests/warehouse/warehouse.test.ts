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
      const attempts = ["run", "all", "transaction"] as const;
      for (const method of attempts) {
        const outcome = fresh.transaction(async (session) => {
          await session.run("insert into t values (1)");
          if (method === "run") await fresh.run("insert into t values (2)");
          else if (method === "all") await fresh.all("select 1");
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

  it("applies each migration once", async () => {
    const fresh = await Warehouse.open(":memory:");
    const first = await migrate(fresh);
    expect(first.length).toBeGreaterThanOrEqual(5);
    expect(await migrate(fresh)).toEqual([]);
    fresh.close();
  });
});
