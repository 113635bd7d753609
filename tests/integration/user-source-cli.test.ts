import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.ts";
import { startTestS3, type TestS3 } from "../support/s3-server.ts";
import { tempDir } from "../support/temp-dir.ts";
import { inspectWarehouse } from "../support/warehouse.ts";

// A source duckmart does not know, declared in settings, and a mart of the
// user's own reading its staged table: no TypeScript anywhere (SPEC §1.1).
const settingsYaml = (modelsDir: string) => `
modelsDir: ${modelsDir}
sources:
  refunds:
    description: refunds of orders
    columns:
      refund_id: {type: text, required: true, from: "Refund ID"}
      order_id: {type: text, required: true, description: the refunded order}
      refunded_at: {type: timestamp, required: true, format: "%d.%m.%Y %H:%M"}
      amount: {type: double, required: true}
    key: [refund_id]
    rules:
      - {reason: negative_amount, when: "amount < 0"}
`;

const netRevenueMart = `/*
description: Revenue of staged orders net of their staged refunds, per month of the order.
grain: one row per month
columns:
  month: {description: first day of the order's month, tests: [unique, not_null]}
  revenue: revenue of the month's orders
  refunds: refunds of those orders
  net_revenue: revenue - refunds
*/
with

orders as (
    select * from staging.stg_orders
),

refunds as (
    select * from staging.stg_refunds
),

refunded as (
    select
        order_id,
        sum(amount) as refunds
    from refunds
    group by order_id
),

final as (
    select
        date_trunc('month', orders.created_at)::date as month,
        sum(orders.revenue) as revenue,
        coalesce(sum(refunded.refunds), 0) as refunds,
        sum(orders.revenue) - coalesce(sum(refunded.refunds), 0) as net_revenue
    from orders
    left join refunded using (order_id)
    group by 1
)

select * from final
`;

let s3: TestS3;
let env: Record<string, string>;
let warehouse: string;
let config: string;

beforeAll(async () => {
  s3 = await startTestS3();
  const dir = tempDir("user-source");
  warehouse = join(dir, "warehouse.duckdb");
  const modelsDir = join(dir, "models");
  mkdirSync(join(modelsDir, "marts"), { recursive: true });
  writeFileSync(join(modelsDir, "marts", "mart_net_revenue.sql"), netRevenueMart);
  config = join(dir, "duckmart.yaml");
  writeFileSync(config, settingsYaml(modelsDir));
  env = { ...s3.env, DUCKMART_WAREHOUSE: warehouse, DUCKMART_WORK_DIR: join(dir, "work") };
  await s3.store.write(
    "raw/orders/2024-01.csv",
    "order_id,user_id,created_at,revenue\no1,u1,2024-01-05 10:00:00,100\no2,u2,2024-01-06 10:00:00,50\no3,u1,2024-02-01 09:00:00,30\n",
  );
  await s3.store.write(
    "raw/refunds/2024-01.csv",
    [
      "Refund ID,order_id,refunded_at,amount",
      "r1,o1,07.01.2024 12:00,40",
      "r2,o2,08.01.2024 12:00,-5", // negative: quarantined
      "r3,,08.01.2024 12:00,5", // no order: quarantined as missing_order_id
      "r4,o3,2024-02-02,5", // not the declared format: rejected at load
      "r5,o3,02.02.2024 10:00,10",
      "",
    ].join("\n"),
  );
  // A later export corrects r5: the key rule keeps its row only.
  await s3.store.write(
    "raw/refunds/2024-02.csv",
    "Refund ID,order_id,refunded_at,amount\nr5,o3,02.02.2024 10:00,12\n",
  );
});

describe("a user-defined source and a user model", () => {
  it("is loaded, staged, quarantined, accounted for and read by the user's mart", async () => {
    const result = await runCli(["run", "--config", config], {
      ...env,
      DUCKMART_MAX_REJECT_RATIO: "0.5",
      // Two of the four refunds are quarantined on purpose: above the default guard.
      DUCKMART_MAX_QUARANTINE_RATIO: "0.6",
    });
    expect(result.code, result.stderr).toBe(0);

    const refunds = await inspectWarehouse(warehouse, (w) =>
      w.all<{ refund_id: string; amount: number }>(
        "select refund_id, amount from staging.stg_refunds order by refund_id",
      ),
    );
    expect(refunds).toEqual([
      { refund_id: "r1", amount: 40 },
      { refund_id: "r5", amount: 12 },
    ]);
    const quarantined = await inspectWarehouse(warehouse, (w) =>
      w.all<{ reason: string; refund_id: string }>(
        "select reason, refund_id from staging.stg_refunds_quarantine order by refund_id",
      ),
    );
    expect(quarantined).toEqual([
      { reason: "negative_amount", refund_id: "r2" },
      { reason: "missing_order_id", refund_id: "r3" },
    ]);
    const [rejected] = await inspectWarehouse(warehouse, (w) =>
      w.all<{ file_row: number; column_name: string }>(
        "select file_row, column_name from meta.rejected_rows where source = 'refunds'",
      ),
    );
    expect(rejected).toEqual({ file_row: 4, column_name: "refunded_at" });

    // rows read = loaded + rejected per file; raw = staged + quarantined + superseded.
    const [accounts] = await inspectWarehouse(warehouse, (w) =>
      w.all<{ read: number; loaded: number; rejected: number; raw: number; superseded: number }>(
        `select (select sum(rows_read) from meta.loaded_files where source = 'refunds') as read,
                (select sum(rows_loaded) from meta.loaded_files where source = 'refunds') as loaded,
                (select sum(rows_rejected) from meta.loaded_files where source = 'refunds') as rejected,
                (select count(*) from raw.refunds) as raw,
                (select count(*) from staging.stg_refunds_classified where row_status = 'superseded') as superseded`,
      ),
    );
    expect(accounts).toEqual({ read: 6, loaded: 5, rejected: 1, raw: 5, superseded: 1 });
    expect(accounts?.raw).toBe(refunds.length + quarantined.length + (accounts?.superseded ?? 0));
    expect(result.stdout).toMatch(/refunds/);

    const net = await inspectWarehouse(warehouse, (w) =>
      w.all<{ month: Date; net_revenue: number }>(
        "select month, net_revenue from main.mart_net_revenue order by month",
      ),
    );
    expect(net.map((row) => row.net_revenue)).toEqual([110, 18]);

    // Published like every mart, and documented in the data tests of its header.
    const manifest = JSON.parse((await s3.store.read("marts/_manifest.json")).toString()) as {
      marts: Record<string, { rows: number }>;
    };
    expect(manifest.marts.mart_net_revenue?.rows).toBe(2);
    const [tested] = await inspectWarehouse(warehouse, (w) =>
      w.all<{ n: number }>(
        "select count(*) as n from meta.data_test_results where model in ('stg_refunds', 'stg_refunds_classified', 'mart_net_revenue') and status = 'pass'",
      ),
    );
    expect(tested?.n).toBeGreaterThanOrEqual(6);
  });

  it("shows the generated staging SQL and the lineage with duckmart models", async () => {
    const sql = await runCli(
      ["models", "--config", config, "--sql", "stg_refunds_classified"],
      env,
    );
    expect(sql.code, sql.stderr).toBe(0);
    expect(sql.stdout).toMatch(/when \(amount < 0\) then 'negative_amount'/);
    expect(sql.stdout).toMatch(/partition by missing_reason, "refund_id"/);
    const lineage = await runCli(
      ["models", "--config", config, "--lineage", "mart_net_revenue"],
      env,
    );
    expect(lineage.stdout).toMatch(/raw\.refunds/);
    const list = await runCli(["models", "--config", config], env);
    expect(list.stdout).toMatch(
      /stg_refunds\s+staging\s+incremental_by_partition\s+\w{12}\s+\d{4}-\d\d-\d\d/,
    );
    expect(list.stdout).toMatch(/mart_net_revenue/);
  });

  it("stops at start with a mapping error naming the setting", async () => {
    const bad = join(tempDir("bad-config"), "duckmart.yaml");
    writeFileSync(bad, "sources:\n  refunds:\n    columns:\n      amount: {type: money}\n");
    const result = await runCli(["run", "--config", bad], env);
    expect(result.code).not.toBe(0);
    expect(result.stderr.trimEnd().split("\n").pop()).toMatch(
      /setting sources\.refunds\.columns\.amount/,
    );
  });
});
