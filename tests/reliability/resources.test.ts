import { mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { generateExports } from "../../src/generate/generate-exports.ts";
import { objectStoreSink } from "../../src/storage/key-sinks.ts";
import { Warehouse } from "../../src/warehouse/warehouse.ts";
import { lastLine, runCli } from "../support/cli.ts";
import { startTestS3, type TestS3 } from "../support/s3-server.ts";
import { tempDir } from "../support/temp-dir.ts";
import { inspectWarehouse } from "../support/warehouse.ts";

/*
 * Resources: the daily job at a DuckDB memory_limit far below the data's
 * size completes by spilling to temp_directory, and its results reconcile.
 */

const bigVisits = 1_000_000;
const memoryLimitBytes = 64 * 1024 * 1024;
let s3: TestS3;
let dir: string;
let bigCsvBytes: number;

beforeAll(async () => {
  s3 = await startTestS3();
  dir = tempDir("resources");
  await generateExports({ users: 300, days: 10, seed: 4 }, objectStoreSink(s3.store, "raw", "s3"));
  // One large visits export on top: a million sessions of 40,000 users.
  const path = join(dir, "big-visits.csv");
  const duck = await Warehouse.open(":memory:");
  try {
    await duck.run(
      `copy (
         select 'big' || (i % 40000) as user_id,
           strftime(timestamp '2024-01-01 00:00:00' + to_seconds(i * 3), '%Y-%m-%d %H:%M:%S') as session_start,
           strftime(timestamp '2024-01-01 00:05:00' + to_seconds(i * 3 + i % 600), '%Y-%m-%d %H:%M:%S') as session_end,
           ['desktop', 'touch'][1 + i % 2] as device,
           (1 + i % 10)::varchar as source_id
         from range(${bigVisits}) t(i)
       ) to '${path}' (header)`,
    );
  } finally {
    duck.close();
  }
  const body = readFileSync(path);
  bigCsvBytes = body.length;
  await s3.store.write("raw/visits/big/part-000.csv", body);
});

/** Largest total size of the files in `folder` seen while `work` runs, sampled every 20 ms. */
async function peakBytes<T>(
  folder: string,
  work: Promise<T>,
): Promise<{ result: T; peak: number }> {
  let peak = 0;
  const sample = () => {
    let total = 0;
    for (const name of readdirSync(folder)) {
      try {
        total += statSync(join(folder, name)).size;
      } catch {
        // Deleted between listing and stat.
      }
    }
    peak = Math.max(peak, total);
  };
  const timer = setInterval(sample, 20);
  try {
    return { result: await work, peak };
  } finally {
    clearInterval(timer);
  }
}

describe("a memory limit far below the data", () => {
  it("runs the daily job to completion by spilling to temp_directory", async () => {
    const spill = join(dir, "spill");
    mkdirSync(spill);
    const warehouse = join(dir, "warehouse.duckdb");
    const { result, peak } = await peakBytes(
      spill,
      runCli(["run"], {
        ...s3.env,
        DUCKMART_WAREHOUSE: warehouse,
        DUCKMART_WORK_DIR: join(dir, "work"),
        DUCKMART_MEMORY_LIMIT: "64MB",
        DUCKMART_THREADS: "1",
        DUCKMART_TEMP_DIRECTORY: spill,
        // 300 visitors plant 6 dirty orders among 43: above the 5% publish guard, on purpose.
        DUCKMART_MAX_QUARANTINE_RATIO: "1",
      }),
    );
    expect(result.code, lastLine(result.stderr)).toBe(0);
    // The one export is about as large as the limit as CSV text (58 MB); typed,
    // with lineage, staged and joined, the working set is several times the
    // limit: more than the whole limit sat in temp_directory at one time. (The
    // sampled peak was 127-134 MB for a 64 MB limit on loaded runs: twice the
    // limit was a coin toss for the 20 ms sampler, not a property of the run.)
    expect(bigCsvBytes).toBeGreaterThan(0.8 * memoryLimitBytes);
    expect(peak).toBeGreaterThan(memoryLimitBytes);

    const [counts] = await inspectWarehouse(warehouse, (w) =>
      w.all<{ raw: number; big: number; staged: number; sessions: number; tests_failed: number }>(
        `select (select count(*) from raw.visits) as raw,
                (select count(*) from raw.visits where _file_key = 'raw/visits/big/part-000.csv') as big,
                (select count(*) from staging.stg_visits) as staged,
                (select sum(sessions) from main.mart_activity where grain = 'day') as sessions,
                (select count(*) from meta.data_test_results where status <> 'pass' and severity = 'error') as tests_failed`,
      ),
    );
    expect(counts?.big).toBe(bigVisits);
    expect(counts?.raw).toBeGreaterThan(bigVisits);
    // Every staged session is counted once in the daily activity.
    expect(counts?.sessions).toBe(counts?.staged);
    expect(counts?.tests_failed).toBe(0);
  });
});
