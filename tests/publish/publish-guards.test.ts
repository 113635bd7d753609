import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { digestFile } from "../../src/publish/file-digest.ts";
import type { PublishManifest } from "../../src/publish/manifest.ts";
import { checkPublishGuards, describeBreaches } from "../../src/publish/publish-guards.ts";
import { LocalFolderObjectStore } from "../../src/storage/local-folder-object-store.ts";
import { Warehouse } from "../../src/warehouse/warehouse.ts";
import { tempDir } from "../support/temp-dir.ts";

/**
 * The history rule of SPEC §4 on a hand-made published mart_kpi_monthly (a
 * real Parquet object in a local-folder store): months before the previous as_of_date month
 * only, a missing month counts as 0, and a month that was 0 breaches when it
 * is not 0 now.
 */
let store: LocalFolderObjectStore;
let warehouse: Warehouse;
const dir = tempDir("guards-unit");

beforeAll(async () => {
  store = new LocalFolderObjectStore(join(dir, "bucket"));
  warehouse = await Warehouse.open(":memory:");
  await warehouse.run("create schema intermediate");
  await warehouse.run(
    "create table intermediate.int_data_as_of as select timestamp '2024-04-10 12:00:00' as data_as_of, date '2024-04-10' as as_of_date",
  );
});

afterAll(() => warehouse.close());

/** Publishes `rows` as the previous run's mart_kpi_monthly and returns its manifest. */
async function publishedKpis(rows: string): Promise<PublishManifest> {
  const path = join(dir, `kpi-${Math.random().toString(36).slice(2)}.parquet`);
  await warehouse.run(
    `copy (select month::date as month, revenue::double as revenue, buyers::bigint as buyers from (values ${rows}) t(month, revenue, buyers)) to '${path}' (format parquet)`,
  );
  const key = `marts/mart_kpi_monthly/run_id=prev/${path.split("/").pop()}`;
  await store.write(key, await readFile(path));
  const digest = await digestFile(path);
  const mart = {
    rows: 1,
    keys: [],
    columns: [],
    files: [{ key, bytes: digest.bytes, sha256: digest.sha256, rows: 1 }],
  };
  return {
    format_version: 1,
    run_id: "prev",
    finished_at: "2024-04-01T00:00:00.000Z",
    publish_started_at: "2024-04-01T00:00:00.000Z",
    data_as_of: "2024-03-15T08:00:00",
    marts: { mart_kpi_monthly: mart, mart_user_profile: { ...mart, rows: 5 } },
  };
}

async function current(rows: string): Promise<void> {
  await warehouse.run(
    `create or replace table main.mart_kpi_monthly as select month::date as month, revenue::double as revenue, buyers::bigint as buyers from (values ${rows}) t(month, revenue, buyers)`,
  );
  await warehouse.run("create or replace table main.mart_user_profile as select 1 as user_id");
}

const settings = { maxQuarantineRatio: 0.05, maxHistoryChange: 0.01, workDir: join(dir, "work") };

describe("publish guards: closed-month history", () => {
  it("compares months before the previous as_of month only; missing months count as 0; 0 → not 0 breaches", async () => {
    const previous = await publishedKpis(
      "('2024-01-01', 100.0, 10), ('2024-02-01', 0.0, 0), ('2024-03-01', 50.0, 5)",
    );
    // January: revenue +0.5% (within 1%), buyers gone (missing month → 0).
    // February: was 0, now 7. March is the previous as_of month: open, not checked.
    await current("('2024-02-01', 7.0, 1), ('2024-03-01', 500.0, 50), ('2024-04-01', 1.0, 1)");
    const checks = await checkPublishGuards({
      session: warehouse,
      store: store,
      settings,
      runId: "now",
      previous,
    });
    const history = checks
      .filter((c) => c.check === "history_change")
      .map((c) => [c.subject, c.previous, c.current, c.status]);
    expect(history).toEqual([
      ["2024-01 revenue", "100", "0", "breach"],
      ["2024-01 buyers", "10", "0", "breach"],
      ["2024-02 revenue", "0", "7", "breach"],
      ["2024-02 buyers", "0", "1", "breach"],
    ]);
    const message = describeBreaches(checks);
    expect(message).toContain(
      "mart_kpi_monthly 2024-01 revenue 100 → 0 (−100%) exceeds maxHistoryChange 1%",
    );
    expect(message).toContain("mart_kpi_monthly 2024-02 revenue 0 → 7 (was 0)");
    expect(message).not.toContain("2024-03");
  });

  it("lets a change within maxHistoryChange pass, and checks data_as_of against the manifest", async () => {
    const previous = await publishedKpis("('2024-01-01', 100.0, 10)");
    await current("('2024-01-01', 100.9, 10)");
    const checks = await checkPublishGuards({
      session: warehouse,
      store: store,
      settings,
      runId: "now",
      previous: { ...previous, data_as_of: "2024-04-11T00:00:00" },
    });
    expect(checks.filter((c) => c.check === "history_change").map((c) => c.status)).toEqual([
      "pass",
      "pass",
    ]);
    const asOf = checks.find((c) => c.check === "data_as_of");
    expect(asOf?.status).toBe("breach");
    expect(asOf?.message).toBe(
      "data_as_of went backwards: 2024-04-11T00:00:00 → 2024-04-10T12:00:00 (published run prev)",
    );
  });
});
