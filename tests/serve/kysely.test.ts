// Tests of src/warehouse/kysely/ (kept under tests/serve: it reads the analyst database).
import { join } from "node:path";
import { Kysely, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { refreshAnalystDatabase } from "../../src/serve/analyst-database.ts";
import { openWarehouse } from "../../src/serve/open-warehouse.ts";
import { DuckDBDialect } from "../../src/warehouse/kysely/duckdb-dialect.ts";
import type { MartRfm, WarehouseDatabase } from "../../src/warehouse/kysely/warehouse-database.ts";
import { migrate } from "../../src/warehouse/migrate.ts";
import { Warehouse } from "../../src/warehouse/warehouse.ts";
import { createSpecMarts } from "../publish/fixtures/spec-marts.ts";
import { tempDir } from "../support/temp-dir.ts";

const dir = tempDir("kysely");
const analystPath = join(dir, "analyst.duckdb");
let db: Kysely<WarehouseDatabase>;

beforeAll(async () => {
  const warehouse = await Warehouse.open(join(dir, "warehouse.duckdb"));
  try {
    await migrate(warehouse);
    await createSpecMarts(warehouse);
    await warehouse.run(
      "insert into meta.runs (run_id, job, trigger, started_at, finished_at, status, error, pid, host) values ('r1', 'daily', 'manual', timestamp '2024-01-01 03:00:00', timestamp '2024-01-01 03:05:00.25', 'succeeded', null, 42, 'host')",
    );
    await refreshAnalystDatabase(warehouse, analystPath, { runId: "r1" });
  } finally {
    warehouse.close();
  }
  db = openWarehouse(analystPath);
});

afterAll(async () => {
  await db?.destroy();
});

describe("openWarehouse", () => {
  it("selects marts with their types: counts as numbers, dates as Dates", async () => {
    const rows = await db.selectFrom("mart_rfm").selectAll().orderBy("user_id").execute();
    // Kysely drops `readonly` from selections; otherwise the row is the mart's type.
    expectTypeOf(rows).toExtend<readonly MartRfm[]>();
    expectTypeOf<MartRfm>().toExtend<(typeof rows)[number]>();
    expectTypeOf(rows[0]?.frequency).toEqualTypeOf<number | undefined>();
    expect(rows.map((row) => [row.user_id, row.frequency, row.segment])).toEqual([
      ["18446744073709551617", 3, "hibernating"],
      ["u2", 1, "hibernating"],
      ["u3", 6, "champions"],
    ]);

    const months = await db
      .selectFrom("mart_kpi_monthly")
      .select(["month", "buyers", "avg_check"])
      .where("month", ">=", new Date("2018-02-01T00:00:00Z"))
      .execute();
    expectTypeOf(months[0]?.avg_check).toEqualTypeOf<number | null | undefined>();
    expect(months).toEqual([
      { month: new Date("2018-04-01T00:00:00Z"), buyers: 0, avg_check: null },
    ]);

    const profile = await db
      .selectFrom("mart_user_profile")
      .select(["first_order_at", "first_visit_at", "is_returning"])
      .where("user_id", "=", "u2")
      .executeTakeFirstOrThrow();
    expect(profile).toEqual({
      first_order_at: new Date("2018-02-10T08:00:00Z"),
      first_visit_at: null,
      is_returning: false,
    });
  });

  it("aggregates, joins, filters with parameters and reads metadata tables", async () => {
    const totals = await db
      .selectFrom("mart_rfm as r")
      .innerJoin("mart_user_profile as p", "p.user_id", "r.user_id")
      .select((eb) => [
        "r.segment",
        eb.fn.countAll<number>().as("buyers"),
        eb.fn.sum<number>("p.orders_count").as("orders"),
      ])
      .where("r.frequency", ">", 0)
      .groupBy("r.segment")
      .orderBy("r.segment")
      .limit(10)
      .offset(0)
      .execute();
    expect(totals).toEqual([
      { segment: "champions", buyers: 1, orders: 6 },
      { segment: "hibernating", buyers: 2, orders: 4 },
    ]);
    const run = await db.selectFrom("meta.runs").selectAll().executeTakeFirstOrThrow();
    expect(run).toMatchObject({
      run_id: "r1",
      pid: 42,
      finished_at: new Date("2024-01-01T03:05:00.250Z"),
    });
    const snapshot = await db
      .selectFrom("meta.snapshot")
      .select("run_id")
      .executeTakeFirstOrThrow();
    expect(snapshot.run_id).toBe("r1");
  });

  it("streams, runs transactions, and introspects", async () => {
    const seen: string[] = [];
    for await (const row of db
      .selectFrom("mart_rfm")
      .select("user_id")
      .orderBy("user_id")
      .stream()) {
      seen.push(row.user_id);
    }
    expect(seen).toEqual(["18446744073709551617", "u2", "u3"]);
    const inside = await db.transaction().execute((trx) =>
      trx
        .selectFrom("mart_cac")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .executeTakeFirst(),
    );
    expect(inside?.n).toBe(6);
    const tables = await db.introspection.getTables();
    expect(tables.map((table) => `${table.schema}.${table.name}`)).toEqual(
      expect.arrayContaining(["main.mart_rfm", "meta.runs", "meta.snapshot"]),
    );
  });

  it("is read-only and sandboxed", async () => {
    await expect(db.deleteFrom("mart_rfm").execute()).rejects.toThrow(/read-only/);
    await expect(sql`select * from read_csv(${join(dir, "x.csv")})`.execute(db)).rejects.toThrow(
      /disabled by configuration/,
    );
    await expect(sql`set enable_external_access = true`.execute(db)).rejects.toThrow(/locked/);
  });
});

describe("DuckDBDialect", () => {
  it("runs the Postgres compiler's inserts, updates, returning and upserts on DuckDB", async () => {
    interface Scratch {
      t: { id: number; name: string; at: Date | null };
    }
    const scratch = new Kysely<Scratch>({ dialect: new DuckDBDialect({ database: ":memory:" }) });
    try {
      await scratch.schema
        .createTable("t")
        .addColumn("id", "integer", (c) => c.primaryKey())
        .addColumn("name", "varchar", (c) => c.notNull())
        .addColumn("at", "timestamp")
        .execute();
      const inserted = await scratch
        .insertInto("t")
        .values([
          { id: 1, name: "a", at: new Date("2018-01-31T23:59:10.5Z") },
          { id: 2, name: "b", at: null },
        ])
        .returning(["id", "at"])
        .execute();
      expect(inserted).toEqual([
        { id: 1, at: new Date("2018-01-31T23:59:10.5Z") },
        { id: 2, at: null },
      ]);
      const updated = await scratch
        .updateTable("t")
        .set({ name: "c" })
        .where("id", ">", 0)
        .executeTakeFirst();
      expect(updated.numUpdatedRows).toBe(2n);
      await scratch
        .insertInto("t")
        .values({ id: 1, name: "upserted", at: null })
        .onConflict((oc) => oc.column("id").doUpdateSet({ name: (eb) => eb.ref("excluded.name") }))
        .execute();
      const rows = await scratch.selectFrom("t").select(["id", "name"]).orderBy("id").execute();
      expect(rows).toEqual([
        { id: 1, name: "upserted" },
        { id: 2, name: "c" },
      ]);
    } finally {
      await scratch.destroy();
    }
  });
});
