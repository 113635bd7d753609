import { createHash } from "node:crypto";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateExports } from "../../src/generate/generate-exports.ts";
import type { PublishManifest } from "../../src/publish/manifest.ts";
import { objectStoreSink } from "../../src/storage/key-sinks.ts";
import { S3ObjectStore } from "../../src/storage/s3-object-store.ts";
import { quoteIdentifier } from "../../src/warehouse/warehouse.ts";
import { type CliResult, lastLine, runCli } from "../support/cli.ts";
import { startTestS3, type TestS3 } from "../support/s3-server.ts";
import { tempDir } from "../support/temp-dir.ts";
import { inspectWarehouse } from "../support/warehouse.ts";
import { FaultProxy, type FaultRule, s3Requests } from "./fault-proxy.ts";
import { currentManifest, incompleteFiles, publishedValues } from "./published-marts.ts";

/*
 * S3 faults under publish (daily job: ingest → transform → test → publish):
 * Parquet uploads, the manifest write, and multipart uploads. Either the run
 * succeeds and publishes the values a clean run publishes, or it fails and
 * readers keep the previous manifest with every file it names intact.
 */

const bucket = "duckmart";
const prefix = "marts";
let s3: TestS3;
let proxy: FaultProxy;
let env: Record<string, string>;
let warehouse: string;

beforeAll(async () => {
  s3 = await startTestS3(bucket);
  await generateExports({ users: 100, days: 8, seed: 5 }, objectStoreSink(s3.store, "raw", "s3"));
  proxy = await FaultProxy.start(s3.server.endpoint, { seed: 3 });
  const dir = tempDir("s3-faults-publish");
  warehouse = join(dir, "warehouse.duckdb");
  env = {
    ...s3.env,
    DUCKMART_S3_ENDPOINT: proxy.endpoint,
    DUCKMART_WAREHOUSE: warehouse,
    DUCKMART_WORK_DIR: join(dir, "work"),
    // 100 visitors plant 6 dirty orders among 15: far above the 5% publish guard, on purpose.
    DUCKMART_MAX_QUARANTINE_RATIO: "1",
  };
});

afterAll(() => proxy.close());

/** Runs the daily job through the proxy with `rules` in force. */
function daily(
  rules: readonly FaultRule[],
  extra: Record<string, string> = {},
): Promise<CliResult> {
  proxy.setRules(rules);
  return runCli(["run"], { ...env, ...extra });
}

/**
 * What a clean publish of this warehouse holds: every mart table, in the
 * canonical order `publishedValues` uses. (A clean publish exports exactly
 * these tables; runs after the first rebuild nothing.)
 */
function warehouseMarts(manifest: PublishManifest): Promise<Record<string, unknown[]>> {
  return inspectWarehouse(warehouse, async (w) => {
    const marts: Record<string, unknown[]> = {};
    for (const name of Object.keys(manifest.marts))
      marts[name] = await w.all(`select * from main.${quoteIdentifier(name)} order by all`);
    return marts;
  });
}

/** The run id a `duckmart run` printed first. */
function runIdOf(result: CliResult): string {
  const match = /^run (\S+) \(daily\)/m.exec(result.stdout);
  if (!match?.[1]) throw new Error(`no run id in: ${result.stdout}`);
  return match[1];
}

async function keysUnder(folder: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of s3.store.list(folder)) keys.push(object.key);
  return keys;
}

const parquetPut = s3Requests.putObject(bucket, /marts\/mart_[^/]+\/run_id=/);
const manifestPut = s3Requests.putObject(bucket, /marts\/_manifest\.json$/);
const internalError = { kind: "error", status: 500, code: "InternalError" } as const;

describe("S3 faults while publishing", () => {
  let previous: { bytes: Buffer; manifest: PublishManifest };

  it("retries failed (500), reset, stalled and unanswered uploads and publishes exactly the marts", async () => {
    const result = await daily([
      { match: parquetPut, fault: internalError, nth: [1] },
      { match: parquetPut, fault: { kind: "reset" }, nth: [2] },
      { match: parquetPut, fault: internalError, nth: [4] },
      // The object lands, the answer does not: the retry writes it again.
      { match: parquetPut, fault: { kind: "drop-response" }, nth: [6] },
      { match: parquetPut, fault: { kind: "stall", ms: 500, after: "forward" }, nth: [8] },
    ]);
    expect(result.code, lastLine(result.stderr)).toBe(0);
    expect(proxy.faults).toBe(5);
    const published = await currentManifest(s3.store, prefix);
    expect(published.manifest.run_id).toBe(runIdOf(result));
    expect(await incompleteFiles(s3.store, published.manifest)).toEqual([]);
    expect(await publishedValues(s3.store, published.manifest)).toEqual(
      await warehouseMarts(published.manifest),
    );
    expect(Object.keys(published.manifest.marts).length).toBeGreaterThanOrEqual(10);
    previous = published;
  });

  it("fails when one mart's upload keeps failing: the previous manifest and its files stay, nothing of the run remains", async () => {
    const result = await daily(
      [
        {
          match: s3Requests.putObject(bucket, /marts\/mart_rfm\/run_id=/),
          fault: internalError,
          rate: 1,
        },
      ],
      { DUCKMART_S3_MAX_ATTEMPTS: "2" },
    );
    expect(result.code).not.toBe(0);
    const runId = runIdOf(result);
    expect(lastLine(result.stderr)).toMatch(
      new RegExp(
        `publishing run ${runId} failed; the previous manifest stays in force: uploading mart_rfm file .* to marts/mart_rfm/run_id=${runId}/part-000\\.parquet failed: .*InternalError HTTP 500`,
      ),
    );
    const after = await currentManifest(s3.store, prefix);
    expect(after.bytes.equals(previous.bytes)).toBe(true);
    expect(await incompleteFiles(s3.store, after.manifest)).toEqual([]);
    expect((await keysUnder(`${prefix}/`)).filter((key) => key.includes(runId))).toEqual([]);
  });

  it("fails when the manifest write keeps failing: readers keep the previous manifest and its files", async () => {
    const result = await daily([{ match: manifestPut, fault: internalError, rate: 1 }], {
      DUCKMART_S3_MAX_ATTEMPTS: "2",
    });
    expect(result.code).not.toBe(0);
    const runId = runIdOf(result);
    expect(lastLine(result.stderr)).toMatch(
      new RegExp(
        `publishing run ${runId} failed; the previous manifest stays in force: write s3://duckmart/marts/_manifest.json failed: InternalError HTTP 500`,
      ),
    );
    const after = await currentManifest(s3.store, prefix);
    expect(after.bytes.equals(previous.bytes)).toBe(true);
    expect(await incompleteFiles(s3.store, after.manifest)).toEqual([]);
    expect(await keysUnder(`${prefix}/_runs/${runId}`)).toEqual([]);
  });

  it("succeeds when the previous manifest arrives short and the new one lands unanswered; housekeeping clears failed runs' debris", async () => {
    const result = await daily(
      [
        // Reading the previous manifest at the start: a short body is caught and retried.
        {
          match: { method: "GET", path: `/${bucket}/${prefix}/_manifest.json` },
          fault: { kind: "short-body", keep: 20 },
          nth: [1],
        },
        { match: manifestPut, fault: { kind: "drop-response" }, rate: 1 },
      ],
      { DUCKMART_S3_MAX_ATTEMPTS: "2", DUCKMART_KEEP_RUNS: "1" },
    );
    expect(result.code, lastLine(result.stderr)).toBe(0);
    const kinds = proxy.requests.flatMap((r) => (r.fault ? [r.fault] : []));
    expect(kinds).toContain("short-body");
    expect(kinds).toContain("drop-response");
    const runId = runIdOf(result);
    const published = await currentManifest(s3.store, prefix);
    expect(published.manifest.run_id).toBe(runId);
    expect(await incompleteFiles(s3.store, published.manifest)).toEqual([]);
    expect(await publishedValues(s3.store, published.manifest)).toEqual(
      await warehouseMarts(published.manifest),
    );
    // keepRuns 1: only this run's folders are left, the failed manifest write's files included.
    const runFolders = new Set(
      (await keysUnder(`${prefix}/`)).flatMap((key) => /run_id=([^/]+)\//.exec(key)?.[1] ?? []),
    );
    expect([...runFolders]).toEqual([runId]);
  });
});

describe("S3 faults in a multipart upload (S3ObjectStore.write of a stream)", () => {
  // 10 MiB: two parts of the store's 8 MiB part size.
  const body = Buffer.alloc(10 * 1024 * 1024);
  for (let i = 0; i < body.length; i += 1) body[i] = (i * 31) & 0xff;
  const md5 = createHash("md5").update(body).digest("hex");
  let store: S3ObjectStore;

  beforeAll(() => {
    store = new S3ObjectStore({
      endpoint: proxy.endpoint,
      bucket,
      region: "us-east-1",
      forcePathStyle: true,
      maxAttempts: 2,
      credentials: s3.server.credentials,
    });
  });
  afterAll(() => store.close());

  /** Absent, or whole: never a partial object. */
  async function storedMd5(key: string): Promise<string | undefined> {
    proxy.setRules([]);
    if (!(await s3.store.head(key))) return undefined;
    return createHash("md5")
      .update(await s3.store.read(key))
      .digest("hex");
  }

  it("retries a failed and a reset part and stores the whole object", async () => {
    proxy.setRules([
      { match: s3Requests.uploadPart(bucket), fault: internalError, nth: [1] },
      { match: s3Requests.uploadPart(bucket), fault: { kind: "reset" }, nth: [2] },
    ]);
    await store.write("multipart/retried.bin", Readable.from([body]));
    expect(proxy.faults).toBe(2);
    expect(await storedMd5("multipart/retried.bin")).toBe(md5);
  });

  it("rejects naming the key when parts keep failing, and leaves no object", async () => {
    proxy.setRules([{ match: s3Requests.uploadPart(bucket), fault: internalError, rate: 1 }]);
    await expect(store.write("multipart/failed.bin", Readable.from([body]))).rejects.toThrow(
      "write s3://duckmart/multipart/failed.bin failed",
    );
    expect(await storedMd5("multipart/failed.bin")).toBeUndefined();
  });

  it("after a lost CompleteMultipartUpload answer the object is whole (the call may still report failure)", async () => {
    proxy.setRules([
      { match: s3Requests.completeMultipart(bucket), fault: { kind: "drop-response" }, nth: [1] },
    ]);
    await store.write("multipart/lost-answer.bin", Readable.from([body])).catch(() => undefined);
    expect(proxy.faults).toBe(1);
    expect(await storedMd5("multipart/lost-answer.bin")).toBe(md5);
  });
});
