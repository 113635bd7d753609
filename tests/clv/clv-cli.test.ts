/**
 * The CLV models in the daily job, through the real CLI: `duckmart run`
 * builds, tests and publishes them, and a fit that cannot converge — here
 * nobody ever comes back, so BG/NBD's likelihood has its maximum at the
 * boundary and Gamma-Gamma has no one to fit — is published with
 * converged = false and reported by warn-severity data tests, not as a
 * failed run.
 */
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type GenerationSummary, generateExports } from "../../src/generate/generate-exports.ts";
import { objectStoreSink } from "../../src/storage/key-sinks.ts";
import { type CliResult, runCli } from "../support/cli.ts";
import { startTestS3 } from "../support/s3-server.ts";
import { tempDir } from "../support/temp-dir.ts";
import { inspectWarehouse } from "../support/warehouse.ts";

// Started while the file is collected, not in beforeAll: vitest drops an
// afterAll registered inside a hook, and with it the clean-up of both.
const s3 = await startTestS3();
const dir = tempDir("clv-cli");
const warehousePath = join(dir, "warehouse.duckdb");
let generated: GenerationSummary;
let result: CliResult;

beforeAll(async () => {
  // A purchase rate of ~10⁻⁸ per day: every buyer buys once.
  const sink = objectStoreSink(s3.store, "raw", "s3://duckmart/raw");
  generated = await generateExports(
    { users: 2000, days: 30, seed: 5, bgnbd: { r: 1e-4, alpha: 1e4, a: 1, b: 1 } },
    { write: (key, body) => sink.write(key, body) },
  );
  result = await runCli(["run"], {
    ...s3.env,
    DUCKMART_WAREHOUSE: warehousePath,
    DUCKMART_WORK_DIR: join(dir, "work"),
  });
}, 120_000);

describe("duckmart run with buyers who never come back", () => {
  it("succeeds and reports the failed convergence as warnings", () => {
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/run \S+ \(daily\): succeeded/);
    expect(result.stdout).toMatch(/warn mart_clv_model\.bgnbd_converged: /);
    expect(result.stdout).toMatch(/warn mart_clv_model\.gg_converged: /);
    expect(result.stdout).not.toMatch(/ error mart_clv/);
  });

  it("publishes mart_clv_model with converged = false and every buyer in mart_clv", async () => {
    const manifest = JSON.parse((await s3.store.read("marts/_manifest.json")).toString()) as {
      marts: Record<string, { rows: number; keys: string[] }>;
    };
    expect(manifest.marts.mart_clv_model?.rows).toBe(1);
    expect(manifest.marts.mart_clv).toMatchObject({ rows: generated.buyers, keys: ["user_id"] });

    const { fit, scores, tests } = await inspectWarehouse(warehousePath, async (warehouse) => ({
      fit: await warehouse.all("select * from main.mart_clv_model"),
      scores: await warehouse.all(
        `select count(*) as buyers, max(frequency) as max_frequency, min(p_alive) as min_p_alive,
                count(expected_avg_revenue) as with_spend
           from main.mart_clv`,
      ),
      tests: await warehouse.all(
        `select test_name, severity, status from meta.data_test_results
          where test_name like 'mart_clv_model.%converged' order by test_name`,
      ),
    }));
    expect(fit).toEqual([
      expect.objectContaining({
        p: null,
        q: null,
        v: null,
        gg_log_likelihood: null,
        bgnbd_customers: generated.buyers,
        gg_customers: 0,
        bgnbd_converged: false,
        gg_converged: false,
      }),
    ]);
    // No repeat purchase: alive for sure, and no Gamma-Gamma spend to predict with.
    expect(scores).toEqual([
      { buyers: generated.buyers, max_frequency: 0, min_p_alive: 1, with_spend: 0 },
    ]);
    expect(tests).toEqual([
      { test_name: "mart_clv_model.bgnbd_converged", severity: "warn", status: "fail" },
      { test_name: "mart_clv_model.gg_converged", severity: "warn", status: "fail" },
    ]);
  });
});
