import { execFile } from "node:child_process";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { DuckDBInstance } from "@duckdb/node-api";
import { describe, expect, it } from "vitest";
import { settingsSchema } from "../../src/config/settings.ts";
import { analystDatabasePath, refreshAnalystDatabase } from "../../src/serve/analyst-database.ts";
import { migrate } from "../../src/warehouse/migrate.ts";
import { databaseNow, insertMeta } from "../../src/warehouse/state-store.ts";
import { Warehouse } from "../../src/warehouse/warehouse.ts";
import { createSpecMarts } from "../publish/fixtures/spec-marts.ts";
import { tempDir } from "../support/temp-dir.ts";

const run = promisify(execFile);
const childScript = new URL("./fixtures/read-analyst.ts", import.meta.url).pathname;

interface ChildView {
  readonly rfmRows: number;
  readonly runId: string | null;
  readonly warehouseError: string | null;
}

/** Reads the analyst database from another process, as an analyst's session would. */
async function readFromAnotherProcess(
  analystPath: string,
  warehousePath: string,
): Promise<ChildView> {
  const { stdout } = await run(
    process.execPath,
    ["--import", "tsx", childScript, analystPath, warehousePath],
    {
      env: { ...process.env, NODE_NO_WARNINGS: "1" },
    },
  );
  return JSON.parse(stdout.trim()) as ChildView;
}

async function rfmRows(instance: DuckDBInstance): Promise<number> {
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll("select count(*) from mart_rfm");
    return Number(reader.getRows()[0]?.[0]);
  } finally {
    connection.closeSync();
  }
}

describe("analyst database", () => {
  it("lives next to the warehouse", () => {
    const settings = settingsSchema.parse({ warehouse: "/data/dw/warehouse.duckdb" });
    expect(analystDatabasePath(settings)).toBe("/data/dw/analyst.duckdb");
  });

  it("holds the staged tables and their quarantines, not the classified raw rows", async () => {
    const dir = tempDir("analyst-staging");
    const warehouse = await Warehouse.open(join(dir, "warehouse.duckdb"));
    try {
      await migrate(warehouse);
      await warehouse.run("create schema if not exists staging");
      for (const name of ["stg_orders", "stg_orders_quarantine", "stg_orders_classified"]) {
        await warehouse.run(`create table staging.${name} as select 'o1' as order_id`);
      }
      const refreshed = await refreshAnalystDatabase(warehouse, join(dir, "analyst.duckdb"));
      expect(refreshed.tables.filter((name) => name.startsWith("staging."))).toEqual([
        "staging.stg_orders",
        "staging.stg_orders_quarantine",
      ]);
    } finally {
      warehouse.close();
    }
  });

  it("is readable by another process while this one holds the warehouse for writing, and shows the last refresh", async () => {
    const dir = tempDir("analyst");
    const warehousePath = join(dir, "warehouse.duckdb");
    const analystPath = join(dir, "analyst.duckdb");
    const warehouse = await Warehouse.open(warehousePath);
    try {
      await migrate(warehouse);
      await createSpecMarts(warehouse);
      await warehouse.run(
        "insert into meta.runs (run_id, job, trigger, started_at, finished_at, status, error, pid, host) values ('run-1', 'daily', 'manual', timestamp '2024-01-01 03:00:00', null, 'running', null, 1, 'h')",
      );
      const first = await refreshAnalystDatabase(warehouse, analystPath, {
        runId: "run-1",
        dataAsOf: null,
      });
      expect(first.tables).toEqual(
        expect.arrayContaining(["main.mart_rfm", "main.mart_clv_model", "meta.runs"]),
      );

      // The next run changes the marts but has not refreshed yet.
      await warehouse.run(
        "insert into mart_rfm values ('u4', 5, 1, 10.0, 4, 1, 1, '411', 'promising')",
      );
      const during = await readFromAnotherProcess(analystPath, warehousePath);
      expect(during.rfmRows).toBe(3);
      expect(during.runId).toBe("run-1");
      // Why the copy exists: the warehouse itself cannot be opened while a run holds it.
      expect(during.warehouseError).toMatch(/lock/i);

      // A session opened on the old copy keeps it across the swap; new sessions see the new one.
      const oldSession = await DuckDBInstance.create(analystPath, { access_mode: "READ_ONLY" });
      try {
        await refreshAnalystDatabase(warehouse, analystPath, { runId: "run-2" });
        expect(await rfmRows(oldSession)).toBe(3);
      } finally {
        oldSession.closeSync();
      }
      const after = await readFromAnotherProcess(analystPath, warehousePath);
      expect(after).toMatchObject({ rfmRows: 4, runId: "run-2" });
      expect(readdirSync(dir).filter((name) => name.includes("building"))).toEqual([]);
    } finally {
      warehouse.close();
    }
  });

  it("leaves the previous copy in place when a refresh fails, and clears working files of dead refreshes", async () => {
    const dir = tempDir("analyst-fail");
    const analystPath = join(dir, "analyst.duckdb");
    const warehouse = await Warehouse.open(join(dir, "warehouse.duckdb"));
    await createSpecMarts(warehouse);
    await refreshAnalystDatabase(warehouse, analystPath, { runId: "good" });
    // A refresh killed mid-build by a process that no longer exists.
    const abandoned = join(dir, "analyst.duckdb.999999999.building");
    writeFileSync(abandoned, "half a database");

    warehouse.close();
    await expect(refreshAnalystDatabase(warehouse, analystPath, { runId: "bad" })).rejects.toThrow(
      /previous copy stays in place/,
    );
    expect(existsSync(abandoned)).toBe(false);
    const instance = await DuckDBInstance.create(analystPath, { access_mode: "READ_ONLY" });
    try {
      expect(await rfmRows(instance)).toBe(3);
    } finally {
      instance.closeSync();
    }
  });

  it("refuses to overwrite the warehouse itself", async () => {
    const dir = tempDir("analyst-same");
    const warehouse = await Warehouse.open(join(dir, "analyst.duckdb"));
    try {
      await expect(refreshAnalystDatabase(warehouse, join(dir, "analyst.duckdb"))).rejects.toThrow(
        /cannot be the warehouse itself/,
      );
    } finally {
      warehouse.close();
    }
  });
});

describe("analyst database, reusing the previous copy", () => {
  /** A migrated warehouse with a staging schema in a fresh folder, and where its analyst copy goes. */
  async function stagingWarehouse(name: string) {
    const dir = tempDir(name);
    const warehouse = await Warehouse.open(join(dir, "warehouse.duckdb"));
    await migrate(warehouse);
    await warehouse.run("create schema if not exists staging");
    return { dir, analystPath: join(dir, "analyst.duckdb"), warehouse };
  }

  /** Records a build of `relation` in meta.model_state, as the runner does after building it. */
  async function recordBuild(warehouse: Warehouse, relation: string, runId: string) {
    const model = relation.split(".")[1] as string;
    await warehouse.run("delete from meta.model_state where relation = $1", [relation]);
    await insertMeta(warehouse, "meta.model_state", [
      {
        model,
        relation,
        version: "v1",
        input_fingerprint: "in",
        data_fingerprint: `data-${runId}`,
        run_id: runId,
        built_at: databaseNow,
        rows: null,
        inputs: null,
      },
    ]);
  }

  /**
   * Every table of a database file as sorted JSON rows (meta.snapshot's
   * refresh time left out, and meta.analyst_object_digests, which only a
   * refresh with reuseUnchanged fills: see recordedDigests).
   */
  async function contents(path: string): Promise<Record<string, string[]>> {
    const instance = await DuckDBInstance.create(path, { access_mode: "READ_ONLY" });
    const connection = await instance.connect();
    try {
      const names = (
        await connection.runAndReadAll(
          "select schema_name || '.' || table_name from duckdb_tables() order by all",
        )
      ).getRows();
      const out: Record<string, string[]> = {};
      for (const [name] of names) {
        if (name === "meta.analyst_object_digests") continue;
        const exclude = name === "meta.snapshot" ? " exclude (refreshed_at)" : "";
        const rows = await connection.runAndReadAll(
          `select to_json(t)::varchar from (select *${exclude} from ${name}) as t order by all`,
        );
        out[String(name)] = rows.getRows().map(([json]) => String(json));
      }
      return out;
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  }

  /** A copy's recorded digests of a staged table, and those its rows give now, as sorted JSON rows. */
  async function recordedDigests(
    path: string,
    table = "stg_visits",
    columns = "user_id, amount, _file_key, _file_row",
  ): Promise<{ recorded: string[]; actual: string[] }> {
    const instance = await DuckDBInstance.create(path, { access_mode: "READ_ONLY" });
    const connection = await instance.connect();
    const rows = async (sql: string) =>
      (await connection.runAndReadAll(`select to_json(t)::varchar from (${sql}) as t order by all`))
        .getRows()
        .map(([json]) => String(json));
    try {
      return {
        recorded: await rows(
          `select object, object_rows, object_digest from meta.analyst_object_digests where table_name = 'staging.${table}'`,
        ),
        actual: await rows(
          `select _file_key as object, count(*) as object_rows,
                  cast(sum(hash(${columns})) as varchar) as object_digest
             from staging.${table} group by _file_key`,
        ),
      };
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  }

  it("keeps the tables of models not rebuilt since, copies the rest, and equals a fresh copy", async () => {
    const { dir, analystPath, warehouse } = await stagingWarehouse("analyst-reuse");
    try {
      await warehouse.run(
        "create table staging.stg_visits as select 'u' || range as user_id from range(5000)",
      );
      await warehouse.run("create table main.mart_rfm as select 'u1' as user_id, 5 as r_score");
      await warehouse.run("create table main.mart_kpi_monthly as select 1 as month");
      for (const relation of ["staging.stg_visits", "main.mart_rfm", "main.mart_kpi_monthly"])
        await recordBuild(warehouse, relation, "r1");
      const first = await refreshAnalystDatabase(warehouse, analystPath, {
        runId: "r1",
        reuseUnchanged: true,
      });
      expect(first.reused).toEqual([]);

      // The next run rebuilds mart_rfm only.
      await warehouse.run("insert into main.mart_rfm values ('u2', 4)");
      await recordBuild(warehouse, "main.mart_rfm", "r2");
      const second = await refreshAnalystDatabase(warehouse, analystPath, {
        runId: "r2",
        reuseUnchanged: true,
      });
      expect(second.reused).toEqual(["main.mart_kpi_monthly", "staging.stg_visits"]);
      expect(second.tables).toEqual(first.tables);
      const fresh = join(dir, "fresh.duckdb");
      await refreshAnalystDatabase(warehouse, fresh, { runId: "r2" });
      const reusedCopy = await contents(analystPath);
      expect(reusedCopy["main.mart_rfm"]).toHaveLength(2);
      expect(reusedCopy).toEqual(await contents(fresh));

      // Without the option, a table changed by hand (no new build) is copied again.
      await warehouse.run("insert into main.mart_kpi_monthly values (2)");
      const third = await refreshAnalystDatabase(warehouse, analystPath, { runId: "r3" });
      expect(third.reused).toEqual([]);
      expect((await contents(analystPath))["main.mart_kpi_monthly"]).toHaveLength(2);
    } finally {
      warehouse.close();
    }
  });

  /** Objects `o0`…`o{n-1}` of `rows` staged rows each: user, amount and lineage. */
  const stagedObjects = (objects: number, rows: number) =>
    `select 'u' || (range % ${rows}) as user_id, (range % 97)::double as amount,
            'raw/visits/o' || (range // ${rows}) || '.csv' as _file_key, range % ${rows} + 1 as _file_row
       from range(${objects * rows})`;

  it("patches a staged table object by object, and equals a fresh copy", async () => {
    const { dir, analystPath, warehouse } = await stagingWarehouse("analyst-patch");
    try {
      await warehouse.run(`create table staging.stg_visits as ${stagedObjects(12, 1000)}`);
      // A row without an object still belongs to one group: the rows whose key is null.
      await warehouse.run("insert into staging.stg_visits values ('lost', 1.5, null, 1)");
      await warehouse.run("create table main.mart_rfm as select 'u1' as user_id, 5 as r_score");
      for (const relation of ["staging.stg_visits", "main.mart_rfm"])
        await recordBuild(warehouse, relation, "r1");
      const first = await refreshAnalystDatabase(warehouse, analystPath, { reuseUnchanged: true });
      expect(first.patched).toEqual([]);
      // Copied whole, it is recorded too: the next refresh hashes the warehouse's side only.
      const copied = await recordedDigests(analystPath);
      expect(copied.recorded).toHaveLength(12 + 1);
      expect(copied.recorded).toEqual(copied.actual);

      // The next run merges stg_visits: one object loses a row, one has a changed value and
      // the same count, one is gone, one is new, and the null group changes.
      const o = (n: number) => `'raw/visits/o${n}.csv'`;
      await warehouse.run(
        `delete from staging.stg_visits where _file_key = ${o(0)} and _file_row = 7`,
      );
      await warehouse.run(
        `update staging.stg_visits set amount = amount + 0.5 where _file_key = ${o(1)} and _file_row = 3`,
      );
      await warehouse.run(`delete from staging.stg_visits where _file_key = ${o(2)}`);
      await warehouse.run(
        `insert into staging.stg_visits select user_id, amount, ${o(12)}, _file_row from staging.stg_visits where _file_key = ${o(3)}`,
      );
      await warehouse.run("update staging.stg_visits set amount = 2.5 where _file_key is null");
      await recordBuild(warehouse, "staging.stg_visits", "r2");
      const second = await refreshAnalystDatabase(warehouse, analystPath, {
        reuseUnchanged: true,
      });
      expect(second.reused).toEqual(["main.mart_rfm"]);
      expect(second.patched).toEqual([
        { table: "staging.stg_visits", objects: 5, rows: 999 + 1000 + 1000 + 1 },
      ]);
      const fresh = join(dir, "fresh.duckdb");
      await refreshAnalystDatabase(warehouse, fresh);
      expect(await contents(analystPath)).toEqual(await contents(fresh));
      // The patched copy records the digests of what it now holds, for the next refresh.
      const { recorded, actual } = await recordedDigests(analystPath);
      expect(recorded).toHaveLength(12 + 1);
      expect(recorded).toEqual(actual);

      // The next refresh reads the copy's side from that record: a value
      // changed with the same count is still found.
      await warehouse.run(
        `update staging.stg_visits set amount = amount * 3 where _file_key = ${o(5)} and _file_row = 9`,
      );
      await recordBuild(warehouse, "staging.stg_visits", "r3");
      const third = await refreshAnalystDatabase(warehouse, analystPath, { reuseUnchanged: true });
      expect(third.patched).toEqual([{ table: "staging.stg_visits", objects: 1, rows: 1000 }]);
      await refreshAnalystDatabase(warehouse, fresh);
      expect(await contents(analystPath)).toEqual(await contents(fresh));

      // Not rebuilt since: the table is kept, and its record with it.
      const fourth = await refreshAnalystDatabase(warehouse, analystPath, { reuseUnchanged: true });
      expect(fourth.reused).toEqual(["main.mart_rfm", "staging.stg_visits"]);
      const kept = await recordedDigests(analystPath);
      expect(kept.recorded).toHaveLength(12 + 1);
      expect(kept.recorded).toEqual(kept.actual);

      // Rebuilt with nothing changed: the table is patched with nothing.
      await recordBuild(warehouse, "staging.stg_visits", "r4");
      const fifth = await refreshAnalystDatabase(warehouse, analystPath, { reuseUnchanged: true });
      expect(fifth.patched).toEqual([{ table: "staging.stg_visits", objects: 0, rows: 0 }]);
    } finally {
      warehouse.close();
    }
  });

  it("copies a staged table whose columns changed or most of whose rows did", async () => {
    const { dir, analystPath, warehouse } = await stagingWarehouse("analyst-patch-copy");
    try {
      await warehouse.run(`create table staging.stg_visits as ${stagedObjects(4, 1000)}`);
      await warehouse.run(`create table staging.stg_orders as ${stagedObjects(4, 1000)}`);
      await warehouse.run(
        "create table main.mart_rfm as select 'u' || range as user_id from range(5000)",
      );
      for (const relation of ["staging.stg_visits", "staging.stg_orders", "main.mart_rfm"])
        await recordBuild(warehouse, relation, "r1");
      await refreshAnalystDatabase(warehouse, analystPath, { reuseUnchanged: true });

      // stg_visits gains a column; three of stg_orders' four objects change.
      await warehouse.run("alter table staging.stg_visits add column device varchar default 'web'");
      await warehouse.run(
        "update staging.stg_orders set amount = amount + 1 where _file_key not like '%o0.csv'",
      );
      for (const relation of ["staging.stg_visits", "staging.stg_orders"])
        await recordBuild(warehouse, relation, "r2");
      const second = await refreshAnalystDatabase(warehouse, analystPath, {
        reuseUnchanged: true,
      });
      // The previous copy was the start (mart_rfm kept), yet neither staged table was patched.
      expect(second.reused).toEqual(["main.mart_rfm"]);
      expect(second.patched).toEqual([]);
      const fresh = join(dir, "fresh.duckdb");
      await refreshAnalystDatabase(warehouse, fresh);
      expect(await contents(analystPath)).toEqual(await contents(fresh));
      // Both copied whole, both recorded as the copy now holds them.
      for (const [table, columns] of [
        ["stg_visits", "user_id, amount, _file_key, _file_row, device"],
        ["stg_orders", "user_id, amount, _file_key, _file_row"],
      ] as const) {
        const { recorded, actual } = await recordedDigests(analystPath, table, columns);
        expect(recorded, table).toHaveLength(4);
        expect(recorded, table).toEqual(actual);
      }
    } finally {
      warehouse.close();
    }
  });

  it("builds a fresh file when most rows changed, so freed space does not pile up", async () => {
    const { dir, analystPath, warehouse } = await stagingWarehouse("analyst-reuse-fresh");
    try {
      await warehouse.run(
        "create table staging.stg_visits as select 'u' || range as user_id from range(5000)",
      );
      await warehouse.run("create table main.mart_rfm as select 'u1' as user_id");
      for (const relation of ["staging.stg_visits", "main.mart_rfm"])
        await recordBuild(warehouse, relation, "r1");
      await refreshAnalystDatabase(warehouse, analystPath, { reuseUnchanged: true });
      await recordBuild(warehouse, "staging.stg_visits", "r2");
      const second = await refreshAnalystDatabase(warehouse, analystPath, {
        reuseUnchanged: true,
      });
      expect(second.reused).toEqual([]);
      expect(readdirSync(dir).filter((name) => name.includes("building"))).toEqual([]);
    } finally {
      warehouse.close();
    }
  });
});
