import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.ts";
import { startTestS3, type TestS3 } from "../support/s3-server.ts";
import { tempDir } from "../support/temp-dir.ts";
import { inspectWarehouse } from "../support/warehouse.ts";

// The original Afisha exports (tests/fixtures/afisha/README.md), uploaded unchanged
// and read through examples/afisha/duckmart.yaml alone.
const fixtures = new URL("../fixtures/afisha/", import.meta.url);
const config = new URL("../../examples/afisha/duckmart.yaml", import.meta.url).pathname;

let s3: TestS3;
let env: Record<string, string>;
let warehouse: string;

beforeAll(async () => {
  s3 = await startTestS3();
  const dir = tempDir("afisha-example");
  warehouse = join(dir, "warehouse.duckdb");
  env = {
    ...s3.env,
    DUCKMART_WAREHOUSE: warehouse,
    DUCKMART_WORK_DIR: join(dir, "work"),
    DUCKMART_PUBLISH_PREFIX: "marts",
  };
  for (const [source, file] of [
    ["orders", "orders_log_us.csv"],
    ["costs", "costs_us.csv"],
  ] as const) {
    await s3.store.write(`raw/${source}/${file}`, readFileSync(new URL(file, fixtures)));
  }
});

describe("examples/afisha: the original exports with a settings file alone", () => {
  it("runs the daily job and reproduces the published figures", async () => {
    const result = await runCli(["run", "--config", config], env);
    expect(result.code, result.stderr).toBe(0);
    const [totals] = await inspectWarehouse(warehouse, (w) =>
      w.all<{ buyers: number; orders: number; revenue: number; costs: number }>(
        `select (select count(*) from main.mart_user_profile) as buyers,
                (select count(*) from staging.stg_orders) as orders,
                (select sum(revenue) from staging.stg_orders) as revenue,
                (select sum(costs) from staging.stg_costs) as costs`,
      ),
    );
    expect(totals?.buyers).toBe(36_523);
    expect(totals?.orders).toBe(50_415);
    expect(totals?.revenue).toBeCloseTo(252_057.2, 2);
    expect(totals?.costs).toBeCloseTo(329_131.62, 2);
    // Seed 004: mean 6-month LTV of the June–December 2017 cohorts is 7.97.
    const [ltv] = await inspectWarehouse(warehouse, (w) =>
      w.all<{ mean_ltv: number; cohorts: number }>(
        `select avg(ltv) as mean_ltv, count(*) as cohorts from main.mart_ltv
         where grain = 'month' and lifetime = 5
           and cohort_start between date '2017-06-01' and date '2017-12-01'`,
      ),
    );
    expect(ltv?.cohorts).toBe(7);
    expect(ltv?.mean_ltv).toBeCloseTo(7.97, 2);
  });

  it("numbers generated order ids by record, in file order", async () => {
    const ids = await inspectWarehouse(warehouse, (w) =>
      w.all<{ order_id: string; _file_row: number; user_id: string }>(
        "select order_id, _file_row, user_id from raw.orders order by order_id limit 2",
      ),
    );
    expect(ids).toEqual([
      {
        order_id: "raw/orders/orders_log_us.csv:0000000001",
        _file_row: 1,
        user_id: "10329302124590727494",
      },
      {
        order_id: "raw/orders/orders_log_us.csv:0000000002",
        _file_row: 2,
        user_id: "11627257723692907447",
      },
    ]);
  });
});
