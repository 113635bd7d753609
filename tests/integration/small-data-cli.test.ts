import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.ts";
import { startTestS3 } from "../support/s3-server.ts";
import { tempDir } from "../support/temp-dir.ts";
import { inspectWarehouse } from "../support/warehouse.ts";

describe("a daily run on very little data", () => {
  it("publishes every mart even when the CLV fit diverges", async () => {
    const s3 = await startTestS3();
    const dir = tempDir("small-data");
    const env = {
      ...s3.env,
      DUCKMART_WAREHOUSE: join(dir, "warehouse.duckdb"),
      DUCKMART_WORK_DIR: join(dir, "work"),
      // 200 visitors plant 6 dirty orders among 25: far above the 5% publish guard, on purpose.
      DUCKMART_MAX_QUARANTINE_RATIO: "1",
    };
    const generated = await runCli(
      ["generate", "--users", "200", "--days", "10", "--seed", "4", "--out", "s3://duckmart/raw"],
      env,
    );
    expect(generated.code, generated.stderr).toBe(0);
    const run = await runCli(["run"], env);
    expect(run.code, run.stderr).toBe(0);
    const manifest = JSON.parse((await s3.store.read("marts/_manifest.json")).toString()) as {
      marts: Record<string, unknown>;
    };
    expect(Object.keys(manifest.marts)).toEqual(
      expect.arrayContaining(["mart_clv", "mart_clv_model", "mart_rfm"]),
    );
    const [model] = await inspectWarehouse(env.DUCKMART_WAREHOUSE, (w) =>
      w.all<{ bgnbd_customers: number }>("select bgnbd_customers from mart_clv_model"),
    );
    expect(model?.bgnbd_customers).toBeGreaterThan(0);
  });
});
