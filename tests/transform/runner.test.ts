import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pino } from "pino";
import { beforeAll, describe, expect, it } from "vitest";
import { builtInSources } from "../../src/sources/built-in-sources.ts";
import { codeModels as projectCodeModels } from "../../src/transform/code-models/index.ts";
import type { CodeModelDefinition } from "../../src/transform/model.ts";
import { loadProject } from "../../src/transform/project.ts";
import { runTransforms, type TransformResult } from "../../src/transform/run-transforms.ts";
import { ModelError } from "../../src/util/errors.ts";
import { sqlRoot } from "../../src/warehouse/sql-root.ts";
import type { Warehouse } from "../../src/warehouse/warehouse.ts";
import { tempDir } from "../support/temp-dir.ts";
import { fixtureWarehouse, insertRaw, testSettings } from "./fixture-warehouse.ts";

// The tests of this file run in order against one warehouse and one copy of
// sql/, each starting from the state the previous one left.

let warehouse: Warehouse;
let sqlDir: string;
let runNumber = 0;

/** Runs the transforms on the copied project under a fresh run id. */
async function run(
  options: {
    select?: string;
    fullRefresh?: boolean;
    margin?: number;
    codeModels?: CodeModelDefinition[];
  } = {},
): Promise<TransformResult> {
  runNumber += 1;
  return runTransforms(warehouse, testSettings({ margin: options.margin ?? 1 }), {
    runId: `r${runNumber}`,
    sqlDir,
    ...(options.select === undefined ? {} : { select: options.select }),
    ...(options.fullRefresh === undefined ? {} : { fullRefresh: options.fullRefresh }),
    // The copied sql/ reads the project's code models (CLV, k-means): they come along.
    codeModels: [...projectCodeModels, ...(options.codeModels ?? [])],
  });
}

/** Models the metadata says were built in a run, sorted. */
async function builtIn(runId: string): Promise<string[]> {
  const rows = await warehouse.all<{ model: string }>(
    "select model from meta.model_builds where run_id = $1 and status = 'built' order by model",
    [runId],
  );
  return rows.map((row) => row.model);
}

function edit(relativePath: string, change: (sql: string) => string): void {
  const path = join(sqlDir, relativePath);
  const before = readFileSync(path, "utf8");
  const after = change(before);
  expect(after).not.toBe(before);
  writeFileSync(path, after);
}

const allModels = [
  "int_buyers",
  "int_cluster_centres",
  "int_cluster_features",
  "int_clv_buyers",
  "int_clv_purchases",
  "int_clv_spend",
  "int_clv_triples",
  "int_cohort_lifetimes",
  "int_cohort_members",
  "int_cohort_orders",
  "int_data_as_of",
  "int_first_order_categories",
  "int_first_visits",
  "int_order_lines",
  "int_visitor_activity",
  "mart_activity",
  "mart_activity_summary",
  "mart_cac",
  "mart_category_monthly",
  "mart_headlines",
  "mart_cluster_summary",
  "mart_clusters",
  "mart_clv",
  "mart_clv_model",
  "mart_conversion",
  "mart_kpi_monthly",
  "mart_ltv",
  "mart_retention",
  "mart_return_rates",
  "mart_rfm",
  "mart_romi",
  "mart_user_profile",
  "stg_orders_from_lines",
  "mart_value_at_risk",
  ...["costs", "events", "fx_rates", "order_lines", "orders", "visits"].flatMap((source) => [
    `stg_${source}`,
    `stg_${source}_classified`,
    `stg_${source}_quarantine`,
  ]),
].sort();

// Everything downstream of int_buyers, worked out from the SQL by hand.
const belowBuyers = [
  "int_cluster_centres",
  "int_cluster_features",
  "int_cohort_lifetimes",
  "int_cohort_members",
  "int_cohort_orders",
  "int_first_order_categories",
  "int_visitor_activity",
  "mart_cac",
  "mart_category_monthly",
  "mart_headlines",
  "mart_cluster_summary",
  "mart_clusters",
  "mart_conversion",
  "mart_kpi_monthly",
  "mart_ltv",
  "mart_retention",
  "mart_return_rates",
  "mart_rfm",
  "mart_romi",
  "mart_user_profile",
  "mart_value_at_risk",
].sort();

beforeAll(async () => {
  sqlDir = join(tempDir("duckmart-sql"), "sql");
  for (const layer of ["staging", "intermediate", "marts"]) {
    cpSync(join(sqlRoot, layer), join(sqlDir, layer), { recursive: true });
  }
  warehouse = await fixtureWarehouse();
  await insertRaw(warehouse, "visits", [
    {
      user_id: "u1",
      session_start: "2021-01-01 10:00:00",
      session_end: "2021-01-01 10:05:00",
      source_id: "s1",
    },
  ]);
  await insertRaw(warehouse, "orders", [
    { order_id: "1", user_id: "u1", created_at: "2021-01-02 10:00:00", revenue: 100 },
    { order_id: "2", user_id: "u2", created_at: "2021-02-02 10:00:00", revenue: 50 },
  ]);
  await insertRaw(warehouse, "costs", [{ dt: "2021-01-01", source_id: "s1", costs: 30 }]);
});

describe("incremental builds", () => {
  it("builds every model on the first run", async () => {
    const result = await run();
    expect(result.ok).toBe(true);
    expect([...result.built].sort()).toEqual(allModels);
    expect(await builtIn("r1")).toEqual(allModels);
    const reasons = await warehouse.all(
      "select distinct reason from meta.model_builds where run_id = 'r1'",
    );
    expect(reasons).toEqual([{ reason: "new" }]);
  });

  it("rebuilds nothing when nothing changed", async () => {
    const result = await run();
    expect(result.built).toEqual([]);
    expect([...result.upToDate].sort()).toEqual(allModels);
    expect(await builtIn("r2")).toEqual([]);
  });

  it("rebuilds nothing for comment, whitespace or description edits", async () => {
    edit("marts/mart_rfm.sql", (sql) =>
      sql
        .replace("RFM scores and segments", "RFM scores and segments, documented better")
        .replace("select * from final", "-- a new comment\nselect   *\n  from final"),
    );
    const result = await run();
    expect(result.built).toEqual([]);
  });

  it("rebuilds an edited model and its descendants only", async () => {
    edit("intermediate/int_buyers.sql", (sql) =>
      sql.replace("count(*) as orders_count", "count(order_id) as orders_count"),
    );
    const result = await run();
    expect(await builtIn("r4")).toEqual(["int_buyers", ...belowBuyers].sort());
    expect(result.upToDate).toContain("int_first_visits");
    expect(result.upToDate).toContain("mart_activity");
    const [state] = await warehouse.all<{ version: string; run_id: string }>(
      "select s.version, s.run_id from meta.model_state s where model = 'int_buyers'",
    );
    const [build] = await warehouse.all<{ version: string; reason: string }>(
      "select version, reason from meta.model_builds where run_id = 'r4' and model = 'int_buyers'",
    );
    expect(build).toEqual({ version: state?.version, reason: "version_changed" });
    expect(state?.run_id).toBe("r4");
    const versions = await warehouse.all(
      "select count(*) as n from meta.model_versions where model = 'int_buyers'",
    );
    expect(versions).toEqual([{ n: 2 }]);
  });

  it("rebuilds only what reads a source that received new rows", async () => {
    await insertRaw(warehouse, "costs", [{ dt: "2021-02-01", source_id: "s1", costs: 20 }], {
      key: "raw/costs/new.csv",
    });
    await run();
    expect(await builtIn("r5")).toEqual([
      "mart_cac",
      "mart_headlines",
      "mart_kpi_monthly",
      "mart_romi",
      "stg_costs",
      "stg_costs_classified",
      "stg_costs_quarantine",
    ]);
    const [build] = await warehouse.all(
      "select reason from meta.model_builds where run_id = 'r5' and model = 'stg_costs_classified'",
    );
    expect(build).toEqual({ reason: "incremental" });
  });

  it("notices a replaced object through meta.loaded_files", async () => {
    // Same row count, new ETag: the object was replaced by ingest.
    await warehouse.run(
      "insert into meta.loaded_files values ('raw/events/e.csv', 'events', 'csv', 'etag-1', 10, '2021-01-01', 1, 1, 0, 'ingest', '2021-01-01')",
    );
    await run();
    expect(await builtIn("r6")).toEqual(
      [
        "int_buyers",
        "stg_events",
        "stg_events_classified",
        "stg_events_quarantine",
        ...belowBuyers,
      ].sort(),
    );
    await warehouse.run(
      "update meta.loaded_files set etag = 'etag-2' where key = 'raw/events/e.csv'",
    );
    await run();
    expect(await builtIn("r7")).toContain("stg_events_classified");
    await run();
    expect(await builtIn("r8")).toEqual([]);
  });

  it("rebuilds the models that read a changed setting", async () => {
    await run({ margin: 0.5 });
    // mart_ltv, mart_romi, mart_clv and mart_value_at_risk read the margin; mart_value_at_risk
    // reads mart_clv, and mart_headlines reads mart_ltv and mart_romi
    expect(await builtIn("r9")).toEqual([
      "mart_clv",
      "mart_headlines",
      "mart_ltv",
      "mart_romi",
      "mart_value_at_risk",
    ]);
    const [ltv] = await warehouse.all(
      "select gross_profit from mart_ltv where grain = 'month' and cohort_start = '2021-01-01' and lifetime = 0",
    );
    expect(ltv).toEqual({ gross_profit: 50 }); // 100 × 0.5
  });

  it("rebuilds a table that disappeared", async () => {
    await warehouse.run("drop table main.mart_rfm");
    await run({ margin: 0.5 });
    expect(await builtIn("r10")).toEqual(["mart_rfm"]);
    const [build] = await warehouse.all(
      "select reason from meta.model_builds where run_id = 'r10' and status = 'built'",
    );
    expect(build).toEqual({ reason: "missing" });
  });
});

describe("a failing model", () => {
  it("keeps its previous table, skips its descendants and builds the rest", async () => {
    const before = await warehouse.all("select * from intermediate.int_buyers order by user_id");
    const original = readFileSync(join(sqlDir, "intermediate/int_buyers.sql"), "utf8");
    edit("intermediate/int_buyers.sql", (sql) =>
      sql.replace(
        "first_orders.device as first_order_device",
        "first_orders.no_such_column as first_order_device",
      ),
    );
    // a change elsewhere in the same run still gets built
    edit("marts/mart_activity.sql", (sql) =>
      sql.replace("count(*) as bigint) as sessions", "count(1) as bigint) as sessions"),
    );

    const result = await run({ margin: 0.5 });
    expect(result.ok).toBe(false);
    expect(result.failed).toEqual(["int_buyers"]);
    expect([...result.skipped].sort()).toEqual(belowBuyers);
    expect(result.built).toEqual(["mart_activity", "mart_activity_summary"]);
    const failure = result.outcomes.find((outcome) => outcome.status === "failed");
    expect(failure?.error).toBeInstanceOf(ModelError);
    expect(failure?.error?.message).toMatch(
      /model int_buyers \(intermediate\.int_buyers\) failed: .*no_such_column/,
    );

    expect(await warehouse.all("select * from intermediate.int_buyers order by user_id")).toEqual(
      before,
    );
    const rows = await warehouse.all<{ model: string; status: string; reason: string | null }>(
      "select model, status, reason from meta.model_builds where run_id = 'r11' and model in ('int_buyers', 'int_cohort_members', 'mart_romi') order by model",
    );
    expect(rows).toEqual([
      { model: "int_buyers", status: "failed", reason: "version_changed" },
      { model: "int_cohort_members", status: "skipped", reason: "parent int_buyers failed" },
      // mart_romi's parents int_buyers and mart_cac both stopped; the first in name order is reported
      { model: "mart_romi", status: "skipped", reason: "parent int_buyers failed" },
    ]);
    const [state] = await warehouse.all(
      "select run_id from meta.model_state where model = 'int_buyers'",
    );
    expect(state).toEqual({ run_id: "r7" }); // last built when the events object changed

    // Put the file back: the table already holds that version, so nothing is
    // rebuilt but mart_headlines, skipped last time while mart_activity_summary changed.
    writeFileSync(join(sqlDir, "intermediate/int_buyers.sql"), original);
    const fixed = await run({ margin: 0.5 });
    expect(fixed.built).toEqual(["mart_headlines"]);
    expect(fixed.ok).toBe(true);
  });
});

describe("logging", () => {
  it("logs `model built` only once the build is committed", async () => {
    // At each line, read the model's state back through the warehouse: inside
    // the build's transaction that is refused, after the commit it is there.
    const reads: Promise<string>[] = [];
    const logger = pino(
      { level: "info" },
      {
        write(line: string) {
          const entry = JSON.parse(line) as { msg: string; model?: string };
          if (entry.msg !== "model built") return;
          reads.push(
            warehouse
              .all<{ run_id: string }>("select run_id from meta.model_state where model = $1", [
                entry.model ?? "",
              ])
              .then(
                (rows) => `${entry.model}: ${rows[0]?.run_id}`,
                (error: Error) => `${entry.model}: ${error.message}`,
              ),
          );
        },
      },
    );
    runNumber += 1;
    const runId = `r${runNumber}`;
    const result = await runTransforms(warehouse, testSettings({ margin: 0.5 }), {
      runId,
      sqlDir,
      codeModels: projectCodeModels,
      select: "mart_rfm",
      fullRefresh: true,
      logger,
    });
    expect(result.built).toEqual(["mart_rfm"]);
    expect(await Promise.all(reads)).toEqual([`mart_rfm: ${runId}`]);
  });
});

describe("selection", () => {
  it("builds one model with `name`", async () => {
    const result = await run({ select: "mart_rfm", fullRefresh: true, margin: 0.5 });
    expect(result.built).toEqual(["mart_rfm"]);
    expect(result.outcomes).toHaveLength(1);
  });

  it("adds ancestors with `+name`", async () => {
    const result = await run({ select: "+mart_rfm", fullRefresh: true, margin: 0.5 });
    expect([...result.built].sort()).toEqual([
      "int_buyers",
      "int_data_as_of",
      "int_first_visits",
      "mart_rfm",
      "mart_user_profile",
      "stg_events",
      "stg_events_classified",
      "stg_fx_rates",
      "stg_fx_rates_classified",
      "stg_orders",
      "stg_orders_classified",
      "stg_visits",
      "stg_visits_classified",
    ]);
  });

  it("adds descendants with `name+` and takes comma-separated lists", async () => {
    const down = await run({ select: "int_cohort_lifetimes+", fullRefresh: true, margin: 0.5 });
    expect([...down.built].sort()).toEqual([
      "int_cohort_lifetimes",
      "mart_headlines",
      "mart_ltv",
      "mart_retention",
      "mart_romi",
    ]);
    const list = await run({ select: "mart_cac, mart_activity", fullRefresh: true, margin: 0.5 });
    expect([...list.built].sort()).toEqual(["mart_activity", "mart_cac"]);
    const both = await run({ select: "+int_data_as_of+", fullRefresh: true, margin: 0.5 });
    expect(both.built).toContain("stg_orders_classified");
    expect(both.built).toContain("mart_rfm");
    expect(both.built).not.toContain("mart_cac");
  });

  it("still skips up-to-date models of a selection without fullRefresh", async () => {
    const result = await run({ select: "mart_rfm+", margin: 0.5 });
    expect(result.built).toEqual([]);
    expect([...result.upToDate].sort()).toEqual([
      "int_cluster_centres",
      "int_cluster_features",
      "mart_cluster_summary",
      "mart_clusters",
      "mart_rfm",
      "mart_value_at_risk",
    ]);
  });

  it("rejects an unknown model", async () => {
    await expect(run({ select: "mart_nope+" })).rejects.toThrow(
      /unknown model mart_nope in selection mart_nope\+/,
    );
  });
});

describe("code models", () => {
  const codeModel = (codeVersion: string, fail = false): CodeModelDefinition => ({
    name: "mart_buyer_count",
    parents: ["mart_user_profile"],
    settings: ["margin"],
    codeVersion,
    async build({ session, relation }) {
      if (fail) throw new Error("fit did not converge");
      await session.run(
        `create or replace table ${relation} as select count(*) as buyers from main.mart_user_profile`,
      );
    },
  });

  it("plugs a TypeScript model into the DAG and versions it by codeVersion", async () => {
    const first = await run({ codeModels: [codeModel("v1")], margin: 0.5 });
    expect(first.built).toEqual(["mart_buyer_count"]);
    expect(await warehouse.all("select buyers from mart_buyer_count")).toEqual([{ buyers: 2 }]);
    const again = await run({ codeModels: [codeModel("v1")], margin: 0.5 });
    expect(again.built).toEqual([]);
    const bumped = await run({ codeModels: [codeModel("v2")], margin: 0.5 });
    expect(bumped.built).toEqual(["mart_buyer_count"]);
    const failing = await run({ codeModels: [codeModel("v3", true)], margin: 0.5 });
    expect(failing.failed).toEqual(["mart_buyer_count"]);
    expect(failing.outcomes.find((o) => o.model === "mart_buyer_count")?.error?.message).toMatch(
      /mart_buyer_count.*fit did not converge/,
    );
    expect(await warehouse.all("select buyers from mart_buyer_count")).toEqual([{ buyers: 2 }]);
  });
});

describe("project loading", () => {
  function project(files: Record<string, string>): string {
    const dir = tempDir("duckmart-project");
    for (const [path, sql] of Object.entries(files)) {
      mkdirSync(join(dir, path, ".."), { recursive: true });
      writeFileSync(join(dir, path), sql);
    }
    return dir;
  }
  const header = "/*\ndescription: test model\ngrain: one row\n*/\n";

  it("prints the cycle in reading order", async () => {
    const dir = project({
      "staging/stg_a.sql": `${header}select * from staging.stg_c`,
      "staging/stg_b.sql": `${header}select * from staging.stg_a`,
      "staging/stg_c.sql": `${header}select * from staging.stg_b`,
      "staging/stg_d.sql": `${header}select 1 as x`,
    });
    await expect(loadProject({ sqlDir: dir })).rejects.toThrow(
      "models form a cycle: stg_a → stg_b → stg_c → stg_a",
    );
  });

  it("names the model that reads an unknown table or setting", async () => {
    const unknownTable = project({
      "marts/mart_x.sql": `${header}select * from intermediate.int_missing`,
    });
    await expect(loadProject({ sqlDir: unknownTable })).rejects.toThrow(
      "model mart_x (marts/mart_x.sql) reads unknown table intermediate.int_missing",
    );
    const unknownSetting = project({
      "marts/mart_x.sql": `${header}select getvariable('no_such_setting') as x`,
    });
    await expect(loadProject({ sqlDir: unknownSetting })).rejects.toThrow(
      /mart_x .*getvariable\('no_such_setting'\)/,
    );
    const noHeader = project({ "marts/mart_x.sql": "select 1 as x" });
    await expect(loadProject({ sqlDir: noHeader })).rejects.toThrow(/mart_x .*YAML metadata/);
  });

  it("names an incremental_by_partition model that cannot find its partitions", async () => {
    const partitioned = (columns: string) =>
      `/*\ndescription: test model\ngrain: one row per user\nkind: incremental_by_partition\npartitioned_by: [user_id]\ncolumns: {${columns}}\n*/\n`;
    const parent = `${header.replace("*/", "columns: {user_id: a user}\n*/")}select 'u1' as user_id`;
    const noPartitionParent = project({
      "staging/stg_a.sql": `${header}select 1 as x`,
      "intermediate/int_b.sql": `${partitioned("user_id: a user")}select 'u' as user_id from staging.stg_a`,
    });
    await expect(loadProject({ sqlDir: noPartitionParent })).rejects.toThrow(
      "model int_b is incremental_by_partition (partitioned_by user_id): none of its parents (stg_a) declares those columns or is named under partition_of",
    );
    const undeclared = project({
      "staging/stg_a.sql": parent,
      "intermediate/int_b.sql": `${partitioned("x: a number")}select user_id, 1 as x from staging.stg_a`,
    });
    await expect(loadProject({ sqlDir: undeclared })).rejects.toThrow(
      "model int_b is incremental_by_partition (partitioned_by user_id): it does not declare the column(s) user_id",
    );
    const readsRaw = project({
      "staging/stg_a.sql": parent,
      "intermediate/int_b.sql": `${partitioned("user_id: a user")}select user_id from staging.stg_a union all select user_id from raw.visits`,
    });
    await expect(loadProject({ sqlDir: readsRaw })).rejects.toThrow(
      "model int_b is incremental_by_partition (partitioned_by user_id): it reads raw visits; only incremental_by_key models read raw rows",
    );
    const databaseQualified = project({
      "staging/stg_a.sql": parent,
      "intermediate/int_b.sql": `${partitioned("user_id: a user")}select user_id from memory.staging.stg_a`,
    });
    await expect(loadProject({ sqlDir: databaseQualified })).rejects.toThrow(
      "model int_b (intermediate/int_b.sql) is incremental_by_partition: write staging.stg_a without the database name memory",
    );
    const noColumns = project({
      "staging/stg_a.sql": `/*\ndescription: test model\ngrain: one row\nkind: incremental_by_partition\n*/\nselect 1 as x`,
    });
    await expect(loadProject({ sqlDir: noColumns })).rejects.toThrow(
      /stg_a .*partitioned_by: kind incremental_by_partition needs partitioned_by/,
    );
  });

  it("names partition_of entries that are not parents, of the wrong width or on another kind", async () => {
    const byPeriod = (partitionOf: string) =>
      `/*\ndescription: test model\ngrain: one row per day\nkind: incremental_by_partition\npartitioned_by: [day]\npartition_of: {${partitionOf}}\ncolumns: {day: a day, n: sessions}\n*/\n`;
    const parent = `${header}select timestamp '2021-01-01 10:00' as at`;
    const named = project({
      "staging/stg_a.sql": parent,
      "intermediate/int_b.sql": `${byPeriod("stg_a: [cast(at as date)]")}select cast(at as date) as day, count(*) as n from staging.stg_a group by 1`,
    });
    const loaded = await loadProject({ sqlDir: named });
    expect(loaded.models.get("int_b")?.metadata.partitionOf).toEqual({
      stg_a: [["cast(at as date)"]],
    });
    const stranger = project({
      "staging/stg_a.sql": parent,
      "staging/stg_c.sql": `${header}select 1 as x`,
      "intermediate/int_b.sql": `${byPeriod("stg_a: [cast(at as date)], stg_c: [current_date]")}select cast(at as date) as day, count(*) as n from staging.stg_a group by 1`,
    });
    await expect(loadProject({ sqlDir: stranger })).rejects.toThrow(
      "model int_b is incremental_by_partition (partitioned_by day): partition_of names stg_c, which it does not read; it names model parents",
    );
    const tooWide = project({
      "staging/stg_a.sql": parent,
      "intermediate/int_b.sql": `${byPeriod("stg_a: [[cast(at as date), at]]")}select cast(at as date) as day, count(*) as n from staging.stg_a group by 1`,
    });
    await expect(loadProject({ sqlDir: tooWide })).rejects.toThrow(
      /int_b .*partition_of\.stg_a\.0: 2 expression\(s\) for the 1 partitioned_by column\(s\)/,
    );
    const onTable = project({
      "staging/stg_a.sql": `/*\ndescription: test model\ngrain: one row\npartition_of: {stg_b: [x]}\n*/\nselect 1 as x`,
    });
    await expect(loadProject({ sqlDir: onTable })).rejects.toThrow(
      /stg_a .*partition_of: partition_of .* is for kind incremental_by_partition only/,
    );
  });

  it("names lookups a model does not read, and lookups on a kind that cannot merge by them", async () => {
    const byKey = (lookups: string) =>
      `/*\ndescription: test model\ngrain: one row per visit\nkind: incremental_by_key\nkey: [user_id]\nlookups: {${lookups}}\ncolumns: {user_id: a user, _file_key: its object, _run_id: its load}\n*/\n`;
    const stranger = project({
      "staging/stg_a.sql": `${header}select 1 as x`,
      "staging/stg_b.sql": `${byKey("stg_a: changed.x = 1")}select user_id, _file_key, _run_id from raw.visits`,
    });
    await expect(loadProject({ sqlDir: stranger })).rejects.toThrow(
      "model stg_b (staging/stg_b.sql) declares lookups stg_a, which it does not read; a lookup names a model parent",
    );
    const onTable = project({
      "staging/stg_a.sql": `/*\ndescription: test model\ngrain: one row\nlookups: {stg_b: "true"}\n*/\nselect 1 as x`,
    });
    await expect(loadProject({ sqlDir: onTable })).rejects.toThrow(
      /stg_a .*lookups: lookups .* are for kinds incremental_by_key and incremental_by_partition only/,
    );
    const splitLookup = project({
      "staging/stg_a.sql": `${header.replace("*/", "columns: {user_id: a user}\n*/")}select 'u1' as user_id`,
      "intermediate/int_b.sql": `/*\ndescription: test model\ngrain: one row per user\nkind: incremental_by_partition\npartitioned_by: [user_id]\nlookups: {stg_a: "changed.user_id = t.user_id"}\ncolumns: {user_id: a user}\n*/\nselect user_id from staging.stg_a`,
    });
    await expect(loadProject({ sqlDir: splitLookup })).rejects.toThrow(
      "model int_b is incremental_by_partition (partitioned_by user_id): it declares lookups stg_a, which it splits by partition; a lookup names a parent read whole",
    );
  });

  it("splits stg_<source> by the key columns it passes through unchanged", async () => {
    const withKey = (key: readonly string[]) =>
      loadProject({
        sources: builtInSources.map((source) =>
          source.name === "orders" ? { ...source, key } : source,
        ),
      });
    const real = await loadProject();
    expect(real.models.get("stg_visits")?.metadata.partitionedBy).toEqual([
      "user_id",
      "session_start",
      "session_end",
      "device",
      "source_id",
    ]);
    // stg_orders rewrites the currency (empty means the base one) and converts revenue.
    const currencyInKey = await withKey(["order_id", "currency"]);
    expect(currencyInKey.models.get("stg_orders")?.metadata.partitionedBy).toEqual(["order_id"]);
    const onlyRewritten = await withKey(["currency", "revenue"]);
    expect(onlyRewritten.models.get("stg_orders")?.metadata.kind).toBe("table");
  });

  it("parses refs, sources and settings from the real project", async () => {
    const real = await loadProject();
    const romi = real.models.get("mart_romi");
    expect(romi?.parents).toEqual([
      "int_buyers",
      "int_cohort_lifetimes",
      "int_cohort_orders",
      "mart_cac",
    ]);
    expect(romi?.settings).toEqual(["margin"]);
    expect(real.models.get("stg_orders_classified")?.sources).toEqual(["orders"]);
    expect(real.models.get("stg_orders_classified")?.parents).toEqual(["stg_fx_rates"]);
    expect(real.models.get("stg_orders_classified")?.settings).toEqual(["baseCurrency"]);
  });
});
