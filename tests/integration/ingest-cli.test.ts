import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { lastLine, runCli } from "../support/cli.ts";
import { startTestS3, type TestS3 } from "../support/s3-server.ts";
import { tempDir } from "../support/temp-dir.ts";
import { inspectWarehouse } from "../support/warehouse.ts";

let s3: TestS3;
let env: Record<string, string>;
let warehouse: string;

const ordersHeader = "order_id,user_id,created_at,revenue,currency,tickets_count";

beforeAll(async () => {
  s3 = await startTestS3();
  const dir = tempDir("ingest-cli");
  warehouse = join(dir, "warehouse.duckdb");
  env = { ...s3.env, DUCKMART_WAREHOUSE: warehouse, DUCKMART_WORK_DIR: join(dir, "work") };
  await s3.store.write(
    "raw/orders/dt=2024-01-01/part-000.csv",
    `${ordersHeader}\no1,u1,2024-01-01 10:00:00,10.5,,2\no2,u2,2024-01-01 11:00:00,7,USD,1\n`,
  );
  // Columns in another order than the first file: mapped by name, not position.
  await s3.store.write(
    "raw/orders/dt=2024-01-02/part-000.csv.gz",
    gzipSync("revenue,created_at,user_id,order_id\n3.25,2024-01-02 09:30:00,u3,o3\n"),
  );
  await s3.store.write(
    "raw/visits/dt=2024-01-01/part-000.jsonl",
    '{"user_id":"u1","session_start":"2024-01-01 09:58:00","session_end":"2024-01-01 10:05:00","device":"touch","source_id":3}\n',
  );
  await s3.store.write("raw/orders/notes.txt", "not an export: ignored");
});

const ingest = () => runCli(["run", "--job", "ingest"], env);

describe("duckmart run --job ingest", () => {
  it("loads every supported object once, mapping columns by name", async () => {
    const result = await ingest();
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/files: 3 listed, 3 loaded, 0 unchanged/);
    const orders = await inspectWarehouse(warehouse, (w) =>
      w.all<{ order_id: string; user_id: string; revenue: number; _file_row: number }>(
        "select order_id, user_id, revenue, _file_row from raw.orders order by order_id",
      ),
    );
    expect(orders).toEqual([
      { order_id: "o1", user_id: "u1", revenue: 10.5, _file_row: 1 },
      { order_id: "o2", user_id: "u2", revenue: 7, _file_row: 2 },
      { order_id: "o3", user_id: "u3", revenue: 3.25, _file_row: 1 },
    ]);
    const visits = await inspectWarehouse(warehouse, (w) =>
      w.all("select source_id, device from raw.visits"),
    );
    expect(visits).toEqual([{ source_id: "3", device: "touch" }]);
  });

  it("loads nothing on a second run with no new objects", async () => {
    const result = await ingest();
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/files: 3 listed, 0 loaded, 3 unchanged/);
    const [count] = await inspectWarehouse(warehouse, (w) =>
      w.all<{ n: number }>("select count(*) as n from raw.orders"),
    );
    expect(count?.n).toBe(3);
  });

  it("replaces exactly the rows of an object that changed", async () => {
    await s3.store.write(
      "raw/orders/dt=2024-01-01/part-000.csv",
      `${ordersHeader}\no1,u1,2024-01-01 10:00:00,12,,2\n`,
    );
    const result = await ingest();
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/1 loaded, 2 unchanged/);
    const orders = await inspectWarehouse(warehouse, (w) =>
      w.all<{ order_id: string; revenue: number }>(
        "select order_id, revenue from raw.orders order by order_id",
      ),
    );
    expect(orders).toEqual([
      { order_id: "o1", revenue: 12 },
      { order_id: "o3", revenue: 3.25 },
    ]);
  });

  it("fails the run naming a file that lacks a required column, and goes on after files skip", async () => {
    const key = "raw/orders/dt=2024-01-03/part-000.csv";
    await s3.store.write(key, "order_id,user_id,created_at\no9,u9,2024-01-03 10:00:00\n");
    await s3.store.write(
      "raw/orders/dt=2024-01-04/part-000.csv",
      `${ordersHeader}\no4,u4,2024-01-04 10:00:00,1,,1\n`,
    );
    const failed = await ingest();
    expect(failed.code).not.toBe(0);
    expect(lastLine(failed.stderr)).toContain(`${key}: missing required column revenue`);
    // The other new file still loaded.
    const [loaded] = await inspectWarehouse(warehouse, (w) =>
      w.all<{ n: number }>("select count(*) as n from raw.orders where order_id = 'o4'"),
    );
    expect(loaded?.n).toBe(1);

    const again = await ingest();
    expect(again.code).not.toBe(0);

    const skip = await runCli(["files", "skip", key, "--reason", "export bug"], env);
    expect(skip.code, skip.stderr).toBe(0);
    const after = await ingest();
    expect(after.code, after.stderr).toBe(0);
    expect(after.stdout).toMatch(/1 skipped/);
  });

  it("rejects bad rows, counts them, and keeps rows read = loaded + rejected", async () => {
    const rows = Array.from(
      { length: 200 },
      (_, i) => `r${i},u${i},2024-01-05 10:00:00,${i === 7 ? "NaN" : "5"},,1`,
    );
    await s3.store.write(
      "raw/orders/dt=2024-01-05/part-000.csv",
      `${ordersHeader}\n${rows.join("\n")}\n`,
    );
    const result = await ingest();
    expect(result.code, result.stderr).toBe(0);
    const files = await inspectWarehouse(warehouse, (w) =>
      w.all<{ rows_read: number; rows_loaded: number; rows_rejected: number }>(
        "select rows_read, rows_loaded, rows_rejected from meta.loaded_files where key = 'raw/orders/dt=2024-01-05/part-000.csv'",
      ),
    );
    expect(files).toEqual([{ rows_read: 200, rows_loaded: 199, rows_rejected: 1 }]);
    const rejected = await inspectWarehouse(warehouse, (w) =>
      w.all(
        "select file_row, column_name, raw_value from meta.rejected_rows where file_key = 'raw/orders/dt=2024-01-05/part-000.csv'",
      ),
    );
    expect(rejected).toEqual([{ file_row: 8, column_name: "revenue", raw_value: "NaN" }]);
    const all = await inspectWarehouse(warehouse, (w) =>
      w.all<{ bad: number }>(
        "select count(*) as bad from meta.loaded_files where rows_read <> rows_loaded + rows_rejected",
      ),
    );
    expect(all[0]?.bad).toBe(0);
  });

  it("records the run and its steps", async () => {
    const runs = await inspectWarehouse(warehouse, (w) =>
      w.all<{ job: string; status: string; trigger: string }>(
        "select job, status, trigger from meta.runs order by started_at",
      ),
    );
    expect(runs.map((run) => run.status)).toEqual([
      "succeeded",
      "succeeded",
      "succeeded",
      "failed",
      "failed",
      "succeeded",
      "succeeded",
    ]);
    expect(new Set(runs.map((run) => `${run.job}/${run.trigger}`))).toEqual(
      new Set(["ingest/manual"]),
    );
  });
});
