import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadProject, type Project } from "../../src/transform/project.ts";
import { runTransforms } from "../../src/transform/run-transforms.ts";
import { insertMeta } from "../../src/warehouse/state-store.ts";
import type { Warehouse } from "../../src/warehouse/warehouse.ts";
import { mulberry32 } from "../support/mulberry32.ts";
import { tempDir } from "../support/temp-dir.ts";
import { fixtureWarehouse, insertRaw, type RawRow, testSettings } from "./fixture-warehouse.ts";

// Random sequences of what exports do to the raw tables — new days, late rows
// for old days, re-exported objects, keys repeated across objects, winners
// that break a rule, fx rates that change (corrected rates for an old day
// among them), and setting changes that change
// model versions. After every step, every table one warehouse built
// incrementally must equal a full refresh of the same raw rows in another.
// Users are many against the rows of a day, so a merge by partition (user)
// recomputes a few partitions and keeps the rest; events change now and
// then, and int_buyers reads them whole (a lookup, not split by user).

type RawSource = "visits" | "orders" | "events" | "costs" | "fx_rates";

interface RawObject {
  readonly source: RawSource;
  readonly key: string;
}

function scenario(seed: number) {
  const next = mulberry32(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const int = (from: number, to: number) => from + Math.floor(next() * (to - from + 1));
  // Three days apart from a Friday in March: the days cross a week that
  // spans March and April, and late rows move first visits across months.
  const day = (d: number) => new Date(Date.UTC(2021, 2, 26 + 3 * d)).toISOString().slice(0, 10);
  const at = (d: number, hour: number) => `${day(d)} ${String(hour).padStart(2, "0")}:00:00`;
  const user = () => `u${int(1, 40)}`;
  const rows: Record<RawSource, (d: number) => RawRow[]> = {
    visits: (d) =>
      Array.from({ length: int(1, 6) }, () => {
        const hour = int(0, 20);
        return {
          user_id: next() < 0.08 ? null : user(),
          session_start: at(d, hour),
          // Now and then a session that ends before it starts: quarantined.
          session_end: at(d, next() < 0.1 ? Math.max(0, hour - 1) : hour + 1),
          device: pick(["desktop", "touch", null]),
          source_id: pick(["s1", "s2"]),
        };
      }),
    // Order ids repeat across objects: a later object's row wins its key,
    // and a winner with negative revenue takes its key's staged row with it.
    orders: (d) =>
      Array.from({ length: int(1, 4) }, () => ({
        order_id: `o${int(1, 25)}`,
        user_id: user(),
        created_at: at(d, int(0, 23)),
        revenue: next() < 0.1 ? -5 : int(1, 300),
        currency: pick(["RUB", "USD", null]),
        event_id: pick(["e1", "e2", "e3", null]),
      })),
    // An event's region changes when its object is exported again.
    events: (_d) =>
      ["e1", "e2", "e3"].map((event_id) => ({
        event_id,
        event_type: "concert",
        region: pick(["north", "south"]),
      })),
    costs: (d) => [
      { dt: day(d), source_id: pick(["s1", "s2"]), costs: next() < 0.1 ? -1 : int(10, 90) },
    ],
    // Some days have no USD rate: their orders convert at an earlier day's.
    fx_rates: (d) => [
      ...(next() < 0.6 ? [{ dt: day(d), currency: "USD", rate: int(60, 80) }] : []),
      { dt: day(d), currency: "RUB", rate: 1 / int(60, 80) },
    ],
  };
  return { next, pick, int, rows };
}

async function tableRows(warehouse: Warehouse, project: Project): Promise<Map<string, string[]>> {
  const tables = new Map<string, string[]>();
  for (const model of project.models.values()) {
    const columns = await warehouse.all<{ column_name: string; data_type: string }>(
      "select column_name, data_type from information_schema.columns where table_schema = $1 and table_name = $2 order by ordinal_position",
      [model.schema, model.name],
    );
    // Sums differ in the last bits with summation order; compare values, not bits.
    const select = columns
      .map((c) =>
        c.data_type === "DOUBLE" || c.data_type === "FLOAT"
          ? `round("${c.column_name}", 6)::varchar`
          : `"${c.column_name}"::varchar`,
      )
      .join(", ");
    const rows = await warehouse.all<{ line: string }>(
      `select concat_ws('|', ${select}) as line from ${model.schema}."${model.name}" order by line`,
    );
    tables.set(
      model.name,
      rows.map((row) => row.line),
    );
  }
  return tables;
}

/** Loads an object into the raw table of every warehouse; a re-export replaces its rows and manifest entry, as ingest does. */
async function loadObject(
  warehouses: readonly Warehouse[],
  source: RawSource,
  key: string,
  data: RawRow[],
  step: number,
): Promise<void> {
  for (const warehouse of warehouses) {
    const modified = `2022-01-01 00:${String(step).padStart(2, "0")}:00`;
    await warehouse.run(`delete from raw.${source} where _file_key = $1`, [key]);
    await warehouse.run("delete from meta.loaded_files where key = $1", [key]);
    await insertRaw(
      warehouse,
      source,
      data.map((row) => ({ ...row, _run_id: `load${step}` })),
      { key, modified },
    );
    await insertMeta(warehouse, "meta.loaded_files", [
      {
        key,
        source,
        format: "csv",
        etag: `etag-${step}`,
        size: data.length,
        last_modified: new Date(`${modified.replace(" ", "T")}Z`),
        rows_read: data.length,
        rows_loaded: data.length,
        rows_rejected: 0,
        run_id: `load${step}`,
        loaded_at: new Date(),
      },
    ]);
  }
}

/** A one-hour session of `user_id` at 10:00 on `day`. */
function visitOn(user_id: string, day: string): RawRow {
  return {
    user_id,
    session_start: `${day} 10:00:00`,
    session_end: `${day} 11:00:00`,
    device: "desktop",
    source_id: "s1",
  };
}

/**
 * Loads a visits object into both warehouses, then builds the first as
 * planned and the second by a full refresh; returns the first's result.
 */
async function loadAndBuild(
  [incremental, full]: readonly [Warehouse, Warehouse],
  project: Project,
  step: number,
  key: string,
  rows: RawRow[],
) {
  await loadObject([incremental, full], "visits", key, rows, step);
  const built = await runTransforms(incremental, testSettings(), { runId: `i${step}`, project });
  await runTransforms(full, testSettings(), { runId: `f${step}`, project, fullRefresh: true });
  return built;
}

describe("incremental models", () => {
  for (const seed of [11, 23, 37]) {
    it(`equal a full refresh after every step of random sequence ${seed}`, async () => {
      const project = await loadProject();
      const incremental = await fixtureWarehouse();
      const full = await fixtureWarehouse();
      const { next, pick, int, rows } = scenario(seed);
      const objects: RawObject[] = [];
      let settings = testSettings();
      let lastDay = 0;
      const merged = new Map<string, number>();
      let ordersMergedOnNewRates = 0;
      const periodsMerged = new Map<string, number>();
      let buyersMergedOnEvents = 0;
      let eventsLoaded = false;
      const load = async (source: RawSource, key: string, data: RawRow[], step: number) => {
        if (source === "events") eventsLoaded = true;
        await loadObject([incremental, full], source, key, data, step);
      };
      for (let step = 1; step <= 8; step++) {
        eventsLoaded = false;
        const action =
          step <= 2
            ? "new_day"
            : step === 3
              ? "lost_table"
              : step === 4
                ? "rate_fix"
                : pick(["new_day", "new_day", "late", "re_export", "setting", "lost_table"]);
        if (action === "new_day" || action === "late") {
          const d = action === "new_day" ? ++lastDay : int(0, lastDay);
          for (const source of ["visits", "orders", "events", "costs", "fx_rates"] as const) {
            // Step 2 always brings events, so that every sequence changes a lookup.
            if ((action === "late" || source === "events") && next() < 0.5 && step !== 2) continue;
            const key = `raw/${source}/dt=${d}/part-${step}.csv`;
            objects.push({ source, key });
            await load(source, key, rows[source](d), step);
          }
        } else if (action === "lost_table") {
          // A model's table goes missing while only orders arrive: it is rebuilt
          // with unchanged data, and the children merging on orders must not
          // take it for a changed parent.
          const lost = pick(["int_first_visits", "stg_events", "stg_visits", "int_buyers"]);
          const schema = lost.startsWith("stg_") ? "staging" : "intermediate";
          await incremental.run(`drop table ${schema}.${lost}`);
          const key = `raw/orders/dt=${lastDay}/late-${step}.csv`;
          objects.push({ source: "orders", key });
          await load("orders", key, rows.orders(int(0, lastDay)), step);
        } else if (action === "rate_fix") {
          // Only corrected rates for an old day arrive: the orders converted
          // with them change, through stg_orders_classified's lookup rule.
          const d = int(0, lastDay);
          const key = `raw/fx_rates/dt=${d}/fix-${step}.csv`;
          objects.push({ source: "fx_rates", key });
          await load("fx_rates", key, rows.fx_rates(d), step);
        } else if (action === "re_export") {
          const object = pick(objects);
          await load(object.source, object.key, rows[object.source](int(0, lastDay)), step);
        } else {
          settings = testSettings(
            next() < 0.5 ? { baseCurrency: pick(["RUB", "USD"]) } : { margin: pick([0.5, 1]) },
          );
        }
        const built = await runTransforms(incremental, settings, { runId: `i${step}`, project });
        const rebuilt = await runTransforms(full, settings, {
          runId: `f${step}`,
          project,
          fullRefresh: true,
        });
        expect(built.failed, `step ${step} (${action})`).toEqual([]);
        expect(rebuilt.failed, `step ${step} (${action})`).toEqual([]);
        for (const outcome of built.outcomes) {
          if (outcome.reason !== "incremental") continue;
          const kind = project.models.get(outcome.model)?.metadata.kind as string;
          merged.set(kind, (merged.get(kind) ?? 0) + 1);
          // New days and rate fixes bring fx rates: orders merge only through their lookup rule.
          if (
            outcome.model === "stg_orders_classified" &&
            (action === "new_day" || action === "rate_fix")
          )
            ordersMergedOnNewRates += 1;
          // Sessions of a day merge into its day, week and month (partition_of).
          if (outcome.model === "mart_activity" || outcome.model === "int_visitor_activity")
            periodsMerged.set(outcome.model, (periodsMerged.get(outcome.model) ?? 0) + 1);
          // Changed events reach int_buyers through its lookup rule.
          if (outcome.model === "int_buyers" && eventsLoaded) buyersMergedOnEvents += 1;
        }
        const expected = await tableRows(full, project);
        const actual = await tableRows(incremental, project);
        for (const [table, lines] of expected)
          expect(actual.get(table), `${table} after step ${step} (${action})`).toEqual(lines);
      }
      // The sequence really exercised both merges, not only full rebuilds.
      expect(merged.get("incremental_by_key")).toBeGreaterThan(5);
      expect(merged.get("incremental_by_partition")).toBeGreaterThan(10);
      expect(ordersMergedOnNewRates).toBeGreaterThan(1);
      expect(periodsMerged.get("mart_activity")).toBeGreaterThan(1);
      expect(periodsMerged.get("int_visitor_activity")).toBeGreaterThan(1);
      expect(buyersMergedOnEvents).toBeGreaterThan(0);
      // Two warehouses build ~50 models 8 times each: minutes on a busy 2-core machine.
    }, 300_000);
  }

  it("merge a model split by a parent in main, which the merge's temporary view shadows", async () => {
    const sqlDir = tempDir("duckmart-main-parent");
    const header = (extra: string) =>
      `/*\ndescription: test model\ngrain: one row per user\n${extra}columns: {user_id: a user, sessions: sessions}\n*/\n`;
    mkdirSync(join(sqlDir, "marts"));
    writeFileSync(
      join(sqlDir, "marts", "mart_sessions.sql"),
      `${header("")}select user_id, count(*) as sessions from staging.stg_visits group by user_id`,
    );
    writeFileSync(
      join(sqlDir, "marts", "mart_busy.sql"),
      `${header("kind: incremental_by_partition\npartitioned_by: [user_id]\n")}select user_id, sessions from main.mart_sessions where sessions > 1`,
    );
    const project = await loadProject({ sqlDir });
    const incremental = await fixtureWarehouse();
    const full = await fixtureWarehouse();
    const days = [
      [visitOn("u1", "2021-03-01"), visitOn("u2", "2021-03-01")],
      [visitOn("u1", "2021-03-02"), visitOn("u3", "2021-03-02")],
    ];
    for (const [step, rows] of days.entries()) {
      const built = await loadAndBuild(
        [incremental, full],
        project,
        step,
        `raw/visits/dt=${step}/part.csv`,
        rows,
      );
      expect(built.failed).toEqual([]);
      if (step > 0)
        expect(built.outcomes.find((o) => o.model === "mart_busy")?.reason).toBe("incremental");
      const read = (warehouse: Warehouse) =>
        warehouse.all("select user_id, sessions from main.mart_busy order by user_id");
      expect(await read(incremental)).toEqual(await read(full));
    }
    expect(await incremental.all("select user_id from main.mart_busy")).toEqual([
      { user_id: "u1" },
    ]);
  }, 120_000);

  it("merge partitions of periods floored from a column at their edges, and the null period", async () => {
    // The merge reads the parent within the touched periods' range of the
    // floored column (period-range.ts): a session a microsecond before a
    // month ends, one at the next month's first instant, and rows whose
    // column is null (a touch session here) must all stay in their periods.
    const sqlDir = tempDir("duckmart-period-range");
    mkdirSync(join(sqlDir, "intermediate"));
    mkdirSync(join(sqlDir, "marts"));
    writeFileSync(
      join(sqlDir, "intermediate", "int_stamps.sql"),
      `/*\ndescription: test model\ngrain: one row per session\ncolumns: {user_id: a user, started: its start unless on touch, on_day: its day}\n*/\n` +
        "select user_id, case when device = 'touch' then null else session_start end as started, cast(session_start as date) as on_day from staging.stg_visits",
    );
    writeFileSync(
      join(sqlDir, "marts", "mart_periods.sql"),
      `/*\ndescription: test model\ngrain: one row per grain and period\nkind: incremental_by_partition\npartitioned_by: [period_start]\n` +
        `partition_of: {int_stamps: ["cast(date_trunc('month', started) as date)", "cast(date_trunc('week', on_day) as date)"]}\n` +
        `columns: {grain: month or week, period_start: the period, sessions: its sessions}\n*/\n` +
        `select cast(case when grouping(month) = 0 then 'month' else 'week' end as varchar) as grain,
           coalesce(month, week) as period_start, count(*) as sessions
         from (select cast(date_trunc('month', started) as date) as month, cast(date_trunc('week', on_day) as date) as week
               from intermediate.int_stamps)
         group by grouping sets ((month), (week))`,
    );
    const project = await loadProject({ sqlDir });
    const incremental = await fixtureWarehouse();
    const full = await fixtureWarehouse();
    const at = (user_id: string, start: string, device = "desktop"): RawRow => ({
      ...visitOn(user_id, "2021-03-01"),
      session_start: start,
      session_end: "2021-05-01 00:00:00",
      device,
    });
    const objects: [string, RawRow[]][] = [
      [
        "raw/visits/dt=2021-03-15/part.csv",
        [at("u1", "2021-03-15 10:00:00"), at("u2", "2021-03-16 10:00:00", "touch")],
      ],
      ["raw/visits/dt=2021-03-31/part.csv", [at("u3", "2021-03-31 23:59:59.999999")]],
      ["raw/visits/dt=2021-04-01/part.csv", [at("u4", "2021-04-01 00:00:00")]],
      ["raw/visits/dt=2021-04-02/part.csv", [at("u5", "2021-04-02 10:00:00", "touch")]],
      // Re-exported without its touch session: the null period shrinks.
      ["raw/visits/dt=2021-03-15/part.csv", [at("u1", "2021-03-15 10:00:00")]],
    ];
    const read = (warehouse: Warehouse) =>
      warehouse.all(
        "select grain, cast(period_start as varchar) as period_start, sessions from main.mart_periods order by all",
      );
    for (const [step, [key, data]] of objects.entries()) {
      const built = await loadAndBuild([incremental, full], project, step, key, data);
      expect(built.failed).toEqual([]);
      if (step > 0)
        expect(built.outcomes.find((o) => o.model === "mart_periods")?.reason).toBe("incremental");
      expect(await read(incremental), `after ${key}`).toEqual(await read(full));
    }
    expect(await read(incremental)).toEqual([
      { grain: "month", period_start: "2021-03-01", sessions: 2 },
      { grain: "month", period_start: "2021-04-01", sessions: 1 },
      { grain: "month", period_start: null, sessions: 1 },
      { grain: "week", period_start: "2021-03-15", sessions: 1 },
      { grain: "week", period_start: "2021-03-29", sessions: 3 },
    ]);
  }, 120_000);

  it("move a visitor to an earlier month's cohort when a late first visit arrives", async () => {
    const project = await loadProject();
    const incremental = await fixtureWarehouse();
    const full = await fixtureWarehouse();
    // u1 and u2 join in April; then their March visits arrive late (u2's of
    // 2 March, u1's of Tuesday 30 March): each leaves April's month and week
    // cohorts for March's. No April session changes, so only the lookup rule
    // on int_cohort_members names April's month (1 April is no week's Monday).
    const objects: [string, RawRow[]][] = [
      [
        "raw/visits/dt=2021-04-05/part.csv",
        [visitOn("u1", "2021-04-05"), visitOn("u2", "2021-04-05")],
      ],
      ["raw/visits/dt=2021-03-02/part.csv", [visitOn("u2", "2021-03-02")]],
      ["raw/visits/dt=2021-03-30/late.csv", [visitOn("u1", "2021-03-30")]],
    ];
    for (const [step, [key, data]] of objects.entries()) {
      const built = await loadAndBuild([incremental, full], project, step, key, data);
      expect(built.failed).toEqual([]);
      if (step > 0)
        expect(built.outcomes.find((o) => o.model === "int_visitor_activity")?.reason).toBe(
          "incremental",
        );
      const expected = await tableRows(full, project);
      const actual = await tableRows(incremental, project);
      for (const table of ["int_visitor_activity", "mart_retention"])
        expect(actual.get(table), `${table} after ${key}`).toEqual(expected.get(table));
    }
  }, 120_000);
});
