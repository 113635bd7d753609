import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parseManifest } from "../../src/publish/manifest.ts";
import { lastLine, runCli } from "../support/cli.ts";
import { startTestS3, type TestS3 } from "../support/s3-server.ts";
import { tempDir } from "../support/temp-dir.ts";
import { inspectWarehouse } from "../support/warehouse.ts";

/**
 * SPEC §4 publish guards, end to end: the real CLI against s3rver. One
 * warehouse goes through the story in order: a first run with the wrong base
 * currency, a clean run, a re-export that rewrites a closed month (refused,
 * then accepted), data_as_of going backwards and a mart that empties.
 */
describe("publish guards through duckmart run", () => {
  let s3: TestS3;
  let env: Record<string, string>;
  let warehouse: string;

  beforeAll(async () => {
    s3 = await startTestS3();
    const dir = tempDir("guards");
    warehouse = join(dir, "warehouse.duckdb");
    env = { ...s3.env, DUCKMART_WAREHOUSE: warehouse, DUCKMART_WORK_DIR: join(dir, "work") };
    // 60 days from 2024-01-01: as_of_date is 2024-02-29, so January is the closed month.
    const generated = await runCli(
      ["generate", "--users", "1000", "--days", "60", "--seed", "1", "--out", "s3://duckmart/raw"],
      env,
    );
    expect(generated.code, generated.stderr).toBe(0);
  }, 120_000);

  const manifestRunId = async (): Promise<string | undefined> => {
    if (!(await s3.store.head("marts/_manifest.json"))) return undefined;
    return parseManifest(await s3.store.read("marts/_manifest.json"), "manifest").run_id;
  };
  const checksOf = (runId: string) =>
    inspectWarehouse(warehouse, (w) =>
      w.all<{ check_name: string; subject: string; status: string; figure: number | null }>(
        "select check_name, subject, status, figure from meta.guard_checks where run_id = $1 order by all",
        [runId],
      ),
    );
  const lastRun = () =>
    inspectWarehouse(warehouse, async (w) => {
      const [row] = await w.all<{
        run_id: string;
        status: string;
        accepted_changes: boolean | null;
      }>("select run_id, status, accepted_changes from meta.runs order by started_at desc limit 1");
      return row as { run_id: string; status: string; accepted_changes: boolean | null };
    });
  /** Rewrites a raw CSV object in place, e.g. a corrected re-export. */
  const rewrite = async (key: string, edit: (rows: string[][]) => string[][]) => {
    const [header = "", ...lines] = (await s3.store.read(key))
      .toString("utf8")
      .trimEnd()
      .split("\n");
    const rows = edit(lines.map((line) => line.split(",")));
    await s3.store.write(key, `${[header, ...rows.map((row) => row.join(","))].join("\n")}\n`);
  };

  it("fails a first run whose base currency quarantines most orders, publishing nothing", async () => {
    const run = await runCli(["run"], { ...env, DUCKMART_BASE_CURRENCY: "USD" });
    expect(run.code).not.toBe(0);
    const reason = lastLine(run.stderr);
    expect(reason).toMatch(/^duckmart: publish guards found \d+ breach/);
    expect(reason).toMatch(
      /source orders: \d+ of \d+ rows quarantined \([\d.]+%\), by reason no_fx_rate \d+/,
    );
    expect(reason).toContain("exceeds maxQuarantineRatio 5%");
    expect(await manifestRunId()).toBeUndefined();
    const { run_id, status } = await lastRun();
    expect(status).toBe("failed");
    const orders = (await checksOf(run_id)).find(
      (c) => c.check_name === "quarantine_ratio" && c.subject === "orders",
    );
    expect(orders?.status).toBe("breach");
    expect(orders?.figure).toBeGreaterThan(0.5);
  });

  let published = "";

  it("publishes a clean run, every check passing and stored", async () => {
    const run = await runCli(["run"], env);
    expect(run.code, run.stderr).toBe(0);
    const { run_id, accepted_changes } = await lastRun();
    expect(await manifestRunId()).toBe(run_id);
    expect(accepted_changes).toBe(false);
    published = run_id;
    const checks = await checksOf(run_id);
    expect(checks.every((c) => c.status === "pass")).toBe(true);
    // One per declared source: the five of SPEC §1 and order_lines (SPEC §1.2).
    expect(checks.filter((c) => c.check_name === "quarantine_ratio")).toHaveLength(6);
    expect(checks.filter((c) => c.check_name === "mart_not_empty")).toHaveLength(3);
    // A first publish has nothing to compare history with.
    expect(checks.filter((c) => c.check_name === "history_change")).toHaveLength(0);

    const status = await runCli(["status"], env);
    expect(status.stdout).toContain(`guards of run ${run_id}`);
  });

  it("refuses a re-export that rewrites a closed month and keeps the previous manifest", async () => {
    await rewrite("raw/orders/dt=2024-01-15/part-000.csv", (rows) =>
      rows.map((row) =>
        row.map((value, column) => (column === 3 ? (Number(value) * 5).toFixed(2) : value)),
      ),
    );
    const run = await runCli(["run"], env);
    expect(run.code).not.toBe(0);
    const reason = lastLine(run.stderr);
    expect(reason).toMatch(
      /mart_kpi_monthly 2024-01 revenue [\d.]+ → [\d.]+ \(\+[\d.]+%\) exceeds maxHistoryChange 1%/,
    );
    expect(reason).not.toMatch(/2024-02/);
    expect(await manifestRunId()).toBe(published);
    const { run_id } = await lastRun();
    const breaches = (await checksOf(run_id)).filter((c) => c.status !== "pass");
    expect(breaches.map((c) => `${c.check_name} ${c.subject} ${c.status}`)).toEqual([
      "history_change 2024-01 revenue breach",
    ]);
  });

  it("publishes it with --accept-changes and records the acceptance", async () => {
    const run = await runCli(["run", "--accept-changes"], env);
    expect(run.code, run.stderr).toBe(0);
    const { run_id, accepted_changes } = await lastRun();
    expect(accepted_changes).toBe(true);
    expect(run.stdout).toMatch(
      /publish guards: \d+ checks, 1 breached, published with --accept-changes/,
    );
    expect(run.stdout).toMatch(/ {2}accepted mart_kpi_monthly 2024-01 revenue/);
    expect(await manifestRunId()).toBe(run_id);
    const checks = await checksOf(run_id);
    expect(checks.filter((c) => c.status !== "pass").map((c) => c.status)).toEqual(["accepted"]);
    published = run_id;
    // The next run finds nothing new since the accepted publish: it stops
    // after the plan, and the accepted run stays the one readers follow.
    const again = await runCli(["run"], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain("nothing new:");
    expect(await manifestRunId()).toBe(published);
  });

  it("refuses data_as_of going backwards", async () => {
    for (const source of ["visits", "orders"])
      await rewrite(`raw/${source}/dt=2024-02-29/part-000.csv`, () => []);
    const run = await runCli(["run"], env);
    expect(run.code).not.toBe(0);
    expect(lastLine(run.stderr)).toMatch(
      /data_as_of went backwards: 2024-02-29T[\d:.]+ → 2024-02-28T[\d:.]+/,
    );
    expect(await manifestRunId()).toBe(published);
  });

  it("refuses a run in which mart_user_profile empties", async () => {
    const keys: string[] = [];
    for await (const object of s3.store.list("raw/orders/")) keys.push(object.key);
    for (const key of keys) await rewrite(key, () => []);
    const run = await runCli(["run"], env);
    expect(run.code).not.toBe(0);
    const reason = lastLine(run.stderr);
    expect(reason).toMatch(/mart_user_profile had \d+ rows in published run \S+ and now has none/);
    expect(reason).toMatch(/mart_kpi_monthly 2024-01 buyers \d+ → 0/);
    expect(await manifestRunId()).toBe(published);
  });
});
