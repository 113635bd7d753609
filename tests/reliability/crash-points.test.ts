import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.ts";
import { startTestS3, type TestS3 } from "../support/s3-server.ts";
import { tempDir } from "../support/temp-dir.ts";
import { inspectWarehouse } from "../support/warehouse.ts";
import { currentManifest, incompleteFiles, publishedValues } from "./published-marts.ts";

const bin = fileURLToPath(new URL("../../bin/duckmart.js", import.meta.url));

// Crash points of the daily job, each named by the log line that shows the
// process is inside that stage (logs at debug level, JSON on stderr).
const crashPoints = [
  { name: "mid-download", after: "ingest plan" },
  { name: "mid-load (between file batches)", after: "file loaded" },
  { name: "mid-transform", after: "model built" },
  { name: "mid-test", after: "data test passed" },
  { name: "mid-publish (some marts uploaded)", after: "uploaded parquet" },
  { name: "right after the manifest", after: "published marts; manifest written" },
] as const;

let s3: TestS3;
let objects: number;
let reference: Record<string, unknown[]>;

function envFor(
  label: string,
): Record<string, string> & { DUCKMART_WAREHOUSE: string; DUCKMART_PUBLISH_PREFIX: string } {
  const dir = tempDir(`crash-${label}`);
  return {
    ...s3.env,
    DUCKMART_WAREHOUSE: join(dir, "warehouse.duckdb"),
    DUCKMART_WORK_DIR: join(dir, "work"),
    DUCKMART_PUBLISH_PREFIX: `published-${label}`,
    DUCKMART_LOG_LEVEL: "debug",
  };
}

/** Starts `duckmart run` and SIGKILLs it when it logs `message`; resolves with whether it was killed. */
function killAfter(message: string, env: Record<string, string>): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, "run"], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let buffered = "";
    let killed = false;
    child.stderr.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      if (!killed && lines.some((line) => line.includes(`"msg":"${message}"`))) {
        killed = child.kill("SIGKILL");
      }
    });
    child.on("error", reject);
    child.on("close", () => resolve(killed));
  });
}

beforeAll(async () => {
  s3 = await startTestS3();
  const generated = await runCli(
    ["generate", "--users", "1500", "--days", "60", "--seed", "3", "--out", "s3://duckmart/raw"],
    s3.env,
  );
  expect(generated.code, generated.stderr).toBe(0);
  objects = 0;
  for await (const _ of s3.store.list("raw/")) objects += 1;
  const clean = envFor("clean");
  const run = await runCli(["run"], clean);
  expect(run.code, run.stderr).toBe(0);
  reference = await publishedValues(
    s3.store,
    (await currentManifest(s3.store, clean.DUCKMART_PUBLISH_PREFIX)).manifest,
  );
});

describe("a run killed with SIGKILL", () => {
  it.each(crashPoints)(
    "$name: the next run completes, loads nothing twice and publishes what a clean run does",
    async ({ name, after }) => {
      const env = envFor(name.replace(/\W+/g, "-"));
      expect(await killAfter(after, env), `never logged "${after}"`).toBe(true);

      const again = await runCli(["run"], { ...env, DUCKMART_LOCK_TIMEOUT_SECONDS: "10" });
      expect(again.code, again.stderr).toBe(0);

      const [ledger] = await inspectWarehouse(env.DUCKMART_WAREHOUSE, (w) =>
        w.all<{
          files: number;
          distinct_keys: number;
          loaded: number;
          raw: number;
          miscounted: number;
        }>(
          `with raw_rows as (
           select _file_key, count(*) as n from (
             select _file_key from raw.visits union all select _file_key from raw.orders
             union all select _file_key from raw.events union all select _file_key from raw.costs
             union all select _file_key from raw.fx_rates)
           group by _file_key)
         select (select count(*) from meta.loaded_files) as files,
                (select count(distinct key) from meta.loaded_files) as distinct_keys,
                (select sum(rows_loaded) from meta.loaded_files) as loaded,
                (select sum(n) from raw_rows) as raw,
                (select count(*) from meta.loaded_files f left join raw_rows r on r._file_key = f.key
                 where coalesce(r.n, 0) <> f.rows_loaded or f.rows_read <> f.rows_loaded + f.rows_rejected) as miscounted`,
        ),
      );
      expect(ledger).toEqual({
        files: objects,
        distinct_keys: objects,
        loaded: ledger?.raw,
        raw: ledger?.raw,
        miscounted: 0,
      });

      const { manifest } = await currentManifest(s3.store, env.DUCKMART_PUBLISH_PREFIX);
      expect(await incompleteFiles(s3.store, manifest)).toEqual([]);
      const runs = await inspectWarehouse(env.DUCKMART_WAREHOUSE, (w) =>
        w.all<{ status: string }>("select status from meta.runs where run_id = $1", [
          manifest.run_id,
        ]),
      );
      expect(runs.map((r) => r.status)).toEqual(["succeeded"]);
      expect(await publishedValues(s3.store, manifest)).toEqual(reference);
    },
  );
});
