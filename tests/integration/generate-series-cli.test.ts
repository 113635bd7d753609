import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateExports } from "../../src/generate/generate-exports.ts";
import { readStagingCounts } from "../../src/transform/staging-counts.ts";
import { runCli } from "../support/cli.ts";
import { startTestS3 } from "../support/s3-server.ts";
import { tempDir } from "../support/temp-dir.ts";
import { inspectWarehouse } from "../support/warehouse.ts";

/** What one generation planted, as the generator reports it (same options, same summary). */
async function planted(options: { users: number; days: number; seed: number; startDate?: string }) {
  return (await generateExports(options, { write: async () => {} })).planted.superseded;
}

describe("duckmart generate --start continues a series", () => {
  it("60 days, nothing new, the next day, a new setting: the plan stops an idle run, merges a new day, and no superseded rows go beyond the planted re-exports", async () => {
    const s3 = await startTestS3();
    const dir = tempDir("series");
    const env = {
      ...s3.env,
      DUCKMART_WAREHOUSE: join(dir, "warehouse.duckdb"),
      DUCKMART_WORK_DIR: join(dir, "work"),
    };
    const common = ["--users", "1000", "--seed", "6", "--out", "s3://duckmart/raw"];
    const first = await runCli(["generate", ...common, "--days", "60"], env);
    expect(first.code, first.stderr).toBe(0);
    const run1 = await runCli(["run"], env);
    expect(run1.code, run1.stderr).toBe(0);
    const manifestRunId = async () =>
      (JSON.parse((await s3.store.read("marts/_manifest.json")).toString()) as { run_id: string })
        .run_id;
    const firstPublished = await manifestRunId();

    // Nothing new: the plan says so, and a run stops after it, publishing nothing.
    const dryIdle = await runCli(["run", "--dry-run"], env);
    expect(dryIdle.code, dryIdle.stderr).toBe(0);
    expect(dryIdle.stdout).toContain("nothing new: no object to load and no model to build");
    const idle = await runCli(["run"], env);
    expect(idle.code, idle.stderr).toBe(0);
    expect(idle.stdout).toContain("nothing new:");
    const [idleRun] = await inspectWarehouse(env.DUCKMART_WAREHOUSE, (w) =>
      w.all<{ nothing_new: boolean; steps: string }>(
        `select r.nothing_new, string_agg(s.step, ',' order by s.started_at) as steps
         from meta.runs r join meta.run_steps s using (run_id)
         group by r.run_id, r.nothing_new, r.started_at order by r.started_at desc limit 1`,
      ),
    );
    expect(idleRun).toEqual({ nothing_new: true, steps: "ingest,plan" });
    expect(await manifestRunId()).toBe(firstPublished);

    // A new day: the plan merges the new objects into the classified staging
    // tables, and their changed rows into the per-user models below them.
    const next = await runCli(["generate", ...common, "--days", "1", "--start", "2024-03-01"], env);
    expect(next.code, next.stderr).toBe(0);
    const dryDay = await runCli(["run", "--dry-run"], env);
    expect(dryDay.code, dryDay.stderr).toBe(0);
    expect(dryDay.stdout).toMatch(/objects to load: visits 1 new, 0 replaced/);
    expect(dryDay.stdout).toMatch(
      /stg_visits_classified\s+incremental_by_key\s+merge\s+inputs_changed/,
    );
    expect(dryDay.stdout).toMatch(
      /int_cohort_orders\s+incremental_by_partition\s+merge\s+inputs_changed/,
    );
    // The day's sessions fall in its day, week and month (partition_of).
    expect(dryDay.stdout).toMatch(
      /mart_activity\s+incremental_by_partition\s+merge\s+inputs_changed/,
    );
    const run2 = await runCli(["run"], env);
    expect(run2.code, run2.stderr).toBe(0);
    expect(run2.stdout).not.toContain("nothing new:");
    const merged = await inspectWarehouse(env.DUCKMART_WAREHOUSE, (w) =>
      w.all<{ model: string }>(
        "select model from meta.model_builds where reason = 'incremental' order by model",
      ),
    );
    expect(merged.map((row) => row.model)).toEqual(
      expect.arrayContaining([
        "int_cohort_orders",
        "int_first_visits",
        "mart_activity",
        "stg_events_classified",
        "stg_visits",
        "stg_visits_classified",
      ]),
    );
    expect(await manifestRunId()).not.toBe(firstPublished);

    // A changed setting is something new, even with no new object.
    const margin = await runCli(["run"], { ...env, DUCKMART_MARGIN: "0.5" });
    expect(margin.code, margin.stderr).toBe(0);
    expect(margin.stdout).not.toContain("nothing new:");

    const a = await planted({ users: 1000, days: 60, seed: 6 });
    const b = await planted({ users: 1000, days: 1, seed: 6, startDate: "2024-03-01" });
    const counts = await inspectWarehouse(env.DUCKMART_WAREHOUSE, readStagingCounts);
    const superseded = Object.fromEntries(counts.map((c) => [c.source, c.superseded]));
    expect(superseded).toEqual({
      visits: a.visits + b.visits,
      orders: a.orders + b.orders,
      events: a.events + b.events,
      costs: 0,
      // The generator writes no order lines (SPEC §1.2 is optional).
      order_lines: 0,
      fx_rates: 0,
    });
    // The second period's rows are there, under new ids.
    const [day] = await inspectWarehouse(env.DUCKMART_WAREHOUSE, (w) =>
      w.all<{ orders: number; buyers: number }>(
        "select count(*) as orders, count(distinct user_id) as buyers from staging.stg_orders where created_at >= '2024-03-01'",
      ),
    );
    expect(day?.orders).toBeGreaterThan(0);
  }, 240_000);
});
