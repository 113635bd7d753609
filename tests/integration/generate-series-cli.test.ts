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
  it("60 days, then the next day, run after each: no superseded rows beyond the planted re-exports", async () => {
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
    const next = await runCli(["generate", ...common, "--days", "1", "--start", "2024-03-01"], env);
    expect(next.code, next.stderr).toBe(0);
    const run2 = await runCli(["run"], env);
    expect(run2.code, run2.stderr).toBe(0);

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
